"""Database access: engine, sessions and Alembic migrations (the scripts ship inside this package)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from auskunft.errors import ConfigError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{(Path(data_dir) / 'console.db').resolve()}"


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")  # the service's processes read while one writes
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def ensure_database(url: str) -> None:
    """Create the database of a Postgres URL when the server lacks it (compose: the console's database
    next to Prefect's on the same server, without an init script)."""
    from sqlalchemy import pool, text
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if not u.drivername.startswith("postgresql") or not u.database:
        return
    if not re.fullmatch(r"[A-Za-z0-9_]{1,63}", u.database):
        raise ConfigError(f"console database name {u.database!r}: use letters, digits and _ only")
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    try:
        with admin.connect() as conn:
            if not conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}
            ).scalar():
                conn.execute(text(f'CREATE DATABASE "{u.database}"'))
                log.info("created the console database %s", u.database)
    finally:
        admin.dispose()


def upgrade(url: str) -> None:
    """Bring the schema to the newest migration (safe to call on every start)."""
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # 7 lines of noise per start
    from alembic import command
    from alembic.config import Config

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    try:
        ensure_database(url)
        command.upgrade(cfg, "head")
    except Exception as exc:  # a wrong URL or an unreachable server: say what to check
        raise ConfigError(f"console database {_redacted(url)}: migration failed: {exc}") from exc


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for the message
        return "<unparseable URL>"


class ConsoleDB:
    """One engine and session factory per process; `migrate()` once at start-up."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    def migrate(self) -> None:
        upgrade(self.url)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = _engine(self.url)
            self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends normally, rolled back on an exception."""
        self.engine  # noqa: B018 - creates the factory
        assert self._sessions is not None
        with self._sessions() as s, s.begin():
            yield s

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._sessions = None
