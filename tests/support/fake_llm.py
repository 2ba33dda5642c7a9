"""A scripted OpenAI-compatible chat server on loopback (shared with bench/: auskunft.testing.fake_llm)."""

from auskunft.testing.fake_llm import MODEL, Behaviour, FakeLLM, default_answer, fake_llm, is_rewrite_request

__all__ = ["MODEL", "Behaviour", "FakeLLM", "default_answer", "fake_llm", "is_rewrite_request"]
