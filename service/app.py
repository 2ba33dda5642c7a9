"""The Robyn app: settings, the runtime built at start-up, and the route groups wired in (thin wrappers over
the core package, no LlamaIndex here). Each group registers itself: service/routes_chat.py (the widget's
API), routes_openai.py (OpenAI-compatible), routes_health.py, routes_static.py (widget, demo, OpenAPI),
routes_admin.py (admin API) and service/console.py (the admin console under /console)."""

from __future__ import annotations

import logging

from robyn import Robyn
from robyn.argument_parser import Config

from auskunft.chat.admission import WorkGate
from auskunft.chat.factory import Runtime, build_runtime
from auskunft.config import Settings, get_settings
from auskunft.errors import AuskunftError
from service import console, routes_admin, routes_chat, routes_health, routes_openai, routes_static
from service.routing import RouteContext

log = logging.getLogger("auskunft.service")


class State:
    settings: Settings
    runtime: Runtime | None = None


STATE = State()


def _rt() -> Runtime:
    if STATE.runtime is None:
        raise AuskunftError("service not started", code="not_ready")
    return STATE.runtime


def create_app(processes: int = 1) -> Robyn:
    config = Config()
    config.processes = processes
    config.workers = 1
    config.disable_openapi = True
    config.log_level = "WARNING"
    app = Robyn(__file__, config=config)
    settings = get_settings()
    STATE.settings = settings
    ctx = RouteContext.create(settings, _rt)
    console_mount = console.mount(app, settings, _rt, ctx.ip_of)  # /console (migrates its database first)

    @app.startup_handler
    async def startup() -> None:
        gate = WorkGate(settings.search_workers, settings.search_queue, max_wait_s=settings.search_max_wait_s)
        STATE.runtime = build_runtime(settings, gate=gate, curated=console_mount.curated_lookup)
        console_mount.started()
        STATE.runtime.engine.start()
        log.info(
            "service ready (index %s, mode %s)", STATE.runtime.engine.index_version, STATE.runtime.engine.mode
        )

    @app.shutdown_handler
    async def shutdown() -> None:
        if STATE.runtime is not None:
            STATE.runtime.close()

    for group in (routes_chat, routes_openai, routes_health, routes_static, routes_admin):
        group.register(app, ctx)
    return app


__all__ = ["create_app"]
