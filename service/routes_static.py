"""The built widget (GET /widget.js), its demo page (GET /demo) and the API description
(GET /openapi.json)."""

from __future__ import annotations

from robyn import Headers, Request, Response, Robyn

from auskunft.config import REPO_ROOT, Settings
from service.http import json_response
from service.openapi import OPENAPI
from service.routing import RouteContext

WIDGET_DIR = REPO_ROOT / "widget" / "dist"


def static_file(name: str, content_type: str, cache: str, settings: Settings) -> Response:
    path = WIDGET_DIR / name
    if not path.exists():
        return json_response(
            {
                "error": {
                    "code": "widget_not_built",
                    "message": "widget not built: run `make setup` (npm run build in widget/)",
                }
            },
            404,
        )
    headers = {
        "Content-Type": content_type,
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
        "Access-Control-Allow-Origin": "*",
    }
    if content_type.startswith("text/html"):
        frame = " ".join(["'self'", *settings.allowed_origins])
        headers["Content-Security-Policy"] = f"frame-ancestors {frame}; object-src 'none'; base-uri 'self'"
    return Response(status_code=200, headers=Headers(headers), description=path.read_bytes())


def register(app: Robyn, ctx: RouteContext) -> None:
    settings = ctx.settings

    async def _widget(request: Request, rid: str, cors: dict[str, str]) -> Response:
        return static_file(
            "widget.js", "application/javascript; charset=utf-8", "public, max-age=300", settings
        )

    async def _demo(request: Request, rid: str, cors: dict[str, str]) -> Response:
        return static_file("demo.html", "text/html; charset=utf-8", "no-cache", settings)

    async def _openapi(request: Request, rid: str, cors: dict[str, str]) -> Response:
        return json_response(OPENAPI)

    app.get("/widget.js")(ctx.guarded(_widget))
    app.get("/demo")(ctx.guarded(_demo))
    app.get("/openapi.json")(ctx.guarded(_openapi))
