"""python -m service --host 127.0.0.1 --port 8080 --processes 1"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from auskunft.config import get_settings
from auskunft.errors import ConfigError
from auskunft.logging_setup import configure_logging


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m service", description="auskunft chat service (Robyn)")
    parser.add_argument("--host", default=settings.service_host)
    parser.add_argument("--port", type=int, default=settings.service_port)
    parser.add_argument("--processes", type=int, default=settings.service_processes)
    args, _ = parser.parse_known_args()
    configure_logging(settings.log_level)
    if args.processes > 1 and not settings.redis_url:
        raise SystemExit(
            str(ConfigError("--processes > 1 needs REDIS_URL (memory, cache and rate limits are shared)"))
        )
    sys.argv = sys.argv[:1]  # Robyn's own parser must not see our flags

    def _stop(signum: int, frame: object) -> None:  # Robyn 0.88 hangs on SIGTERM in single-process mode
        try:
            import multiprocess

            for child in multiprocess.active_children():
                child.terminate()
        finally:
            os._exit(0)

    signal.signal(signal.SIGTERM, _stop)
    from service.app import create_app

    app = create_app(processes=args.processes)
    app.start(host=args.host, port=args.port, _check_port=False)


if __name__ == "__main__":
    main()
