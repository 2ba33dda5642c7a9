"""A real Debian redis-server on a free loopback port (shared with bench/: auskunft.testing.redis_server)."""

from auskunft.testing.redis_server import redis_server

__all__ = ["redis_server"]
