"""GET /healthz (the process answers) and GET /readyz (the live index, Redis and the LLM answer; 503 when
one does not)."""

from __future__ import annotations

import asyncio
from typing import Any

from robyn import Request, Response, Robyn

from service.http import json_response
from service.routing import RouteContext


def register(app: Robyn, ctx: RouteContext) -> None:
    async def _healthz(request: Request, rid: str, cors: dict[str, str]) -> Response:
        return json_response({"status": "ok"})

    async def _readyz(request: Request, rid: str, cors: dict[str, str]) -> Response:
        rt = ctx.runtime()
        checks: dict[str, Any] = {}
        try:
            live = await asyncio.to_thread(rt.manager.live)
            checks["qdrant"] = {"ok": True, "live_version": live.collection if live else None}
            if live is None:
                checks["qdrant"] = {"ok": False, "error": "no live index version: run `auskunft ingest`"}
        except Exception as exc:  # readiness reports, never raises
            checks["qdrant"] = {"ok": False, "error": type(exc).__name__}
        if rt.redis is not None:
            try:
                await asyncio.wait_for(rt.redis.ping(), timeout=2)  # type: ignore[attr-defined]
                checks["redis"] = {"ok": True}
            except Exception as exc:
                checks["redis"] = {"ok": False, "error": type(exc).__name__}
        if rt.llm is not None:
            checks["llm"] = {"ok": await rt.llm.ping()}
        ok = all(c["ok"] for c in checks.values())
        return json_response({"status": "ready" if ok else "not_ready", "checks": checks}, 200 if ok else 503)

    app.get("/healthz")(ctx.guarded(_healthz))
    app.get("/readyz")(ctx.guarded(_readyz))
