"""The admin console: accounts, roles, audit log, curated answers and the pages editors work from.

Framework-neutral: `views` takes a small request object and returns pages or redirects; service/console.py
adapts them to Robyn. State lives in a SQL database (SQLite under DATA_DIR, Postgres in compose) through
SQLAlchemy, migrated with the Alembic scripts in `migrations/` at start-up.
"""

from auskunft.console.db import ConsoleDB

__all__ = ["ConsoleDB"]
