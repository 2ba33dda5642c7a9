"""A throw-away PostgreSQL server (Debian's postgresql binaries) on a free loopback port, for running the
console's database tests against Postgres as well as SQLite."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.procs import free_port

BIN = Path("/usr/lib/postgresql/15/bin")


def available() -> bool:
    return (BIN / "initdb").exists() or shutil.which("initdb") is not None


def _bin(name: str) -> str:
    return str(BIN / name) if (BIN / name).exists() else str(shutil.which(name))


def _as_postgres(args: list[str]) -> list[str]:
    """Postgres refuses to run as root: drop to the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields a SQLAlchemy URL (psycopg) of database `postgres` on the running server. Its files live in a
    fresh folder under the system temp dir (pytest's are private to root; the server runs as postgres)."""
    root = Path(tempfile.mkdtemp(prefix="auskunft-pg-"))
    data, sock = root / "pgdata", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    subprocess.run(
        _as_postgres([_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    port = free_port()
    with open(root / "postgres.log", "wb") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            _as_postgres(
                [_bin("postgres"), "-D", str(data), "-p", str(port), "-k", str(sock), "-h", "127.0.0.1"]
            ),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        for _ in range(100):
            ok = subprocess.run(
                [_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True
            ).returncode
            if ok == 0:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError((root / "postgres.log").read_text())
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(root, ignore_errors=True)
