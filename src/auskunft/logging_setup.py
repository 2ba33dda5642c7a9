"""Logging configuration for entry points only (library modules just call logging.getLogger)."""

import logging
import sys


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if getattr(root, "_auskunft_configured", False):
        root.setLevel(level.upper())
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    root._auskunft_configured = True  # type: ignore[attr-defined]
    for noisy in ("httpx", "httpcore", "urllib3", "asyncio", "LiteLLM", "absl", "mlflow"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
