"""The admin API under /api/admin (sources, crawl, index versions), behind a bearer token: a personal API
token from the console, or the deprecated shared ADMIN_TOKEN_HASH. The handlers are service/admin.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from robyn import Request, Response, Robyn

from auskunft.chat.factory import Runtime
from auskunft.config import Settings
from auskunft.errors import AuthError
from service import admin, console
from service.routing import Route, RouteContext

AdminHandler = Callable[[Request, Settings, Runtime], Awaitable[Response]]


def check_admin(request: Request, settings: Settings) -> None:
    if console.api_token_ok(request):  # a personal token from the admin console; the shared one is deprecated
        return
    expected = settings.admin_token_hash
    if expected is None:
        raise AuthError(
            "admin API disabled: set ADMIN_TOKEN_HASH (auskunft admin hash-token)", code="admin_disabled"
        )
    auth = request.headers.get("authorization") or ""
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    if not token or not admin.verify_token(token, expected.get_secret_value()):
        raise AuthError("missing or wrong admin token")


def register(app: Robyn, ctx: RouteContext) -> None:
    settings = ctx.settings

    def admin_route(handler: AdminHandler) -> Route:
        async def inner(request: Request, rid: str, cors: dict[str, str]) -> Any:
            check_admin(request, settings)
            return await handler(request, settings, ctx.runtime())

        inner.__name__ = handler.__name__
        return ctx.guarded(inner)

    app.get("/api/admin/sources")(admin_route(admin.list_sources))
    app.post("/api/admin/sources")(admin_route(admin.add_source))
    app.put("/api/admin/sources/:name")(admin_route(admin.update_source))
    app.delete("/api/admin/sources/:name")(admin_route(admin.delete_source))
    app.post("/api/admin/sources/:name/crawl")(admin_route(admin.trigger_crawl))
    app.get("/api/admin/index/versions")(admin_route(admin.list_versions))
    app.post("/api/admin/index/promote/:version")(admin_route(admin.promote))
    app.post("/api/admin/index/rollback")(admin_route(admin.rollback))
