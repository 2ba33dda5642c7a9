"""The console with its pages: a `Console` (web.py: routing, rendering, sessions) with every view module's
routes registered on it. Built here, above web.py and the views (which import web.py), so web.py never
imports the views."""

from __future__ import annotations

from auskunft.console import views, views_answers, views_docs, views_ops, views_users
from auskunft.console.db import ConsoleDB
from auskunft.console.web import Console, ConsoleConfig, Hooks


def create_console(db: ConsoleDB, config: ConsoleConfig, hooks: Hooks | None = None) -> Console:
    console = Console(db, config, hooks)
    views.register(console)
    views_answers.register(console)
    views_users.register(console)
    views_ops.register(console)
    if config.documents_dir is not None:
        views_docs.register(console)
    return console
