"""Child processes for end-to-end tests (shared with bench/: auskunft.testing.procs)."""

from auskunft.testing.procs import REPO, NotUp, free_port, native_env, spawn, stop, wait_http

__all__ = ["REPO", "NotUp", "free_port", "native_env", "spawn", "stop", "wait_http"]
