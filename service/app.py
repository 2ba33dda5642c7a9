"""Robyn routes: thin wrappers over the core package (no LlamaIndex here)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

from robyn import Headers, Request, Response, Robyn, StreamingResponse
from robyn.argument_parser import Config

from auskunft.chat import ChatRequest
from auskunft.chat.admission import WorkGate
from auskunft.chat.factory import Runtime, build_runtime
from auskunft.config import REPO_ROOT, Settings, get_settings
from auskunft.errors import AuskunftError, AuthError, RateLimitedError, ValidationError
from service import admin, console, validation
from service.http import (
    client_ip,
    cors_headers,
    error_response,
    json_response,
    parse_json,
    parse_trusted,
    rate_key,
    request_id,
    sse,
)
from service.openapi import OPENAPI

log = logging.getLogger("auskunft.service")
WIDGET_DIR = REPO_ROOT / "widget" / "dist"


class State:
    settings: Settings
    runtime: Runtime | None = None


STATE = State()


def _rt() -> Runtime:
    if STATE.runtime is None:
        raise AuskunftError("service not started", code="not_ready")
    return STATE.runtime


def _chat_request(data: dict, settings: Settings, ip: str) -> ChatRequest:
    message = validation.text_field(data, "message", settings.max_message_chars, code="invalid_message")
    lang = data.get("lang") if data.get("lang") in ("de", "en") else None
    return ChatRequest(
        message=message or "",
        session_id=validation.session_id(data),
        sources=validation.source_names(data),
        lang=lang,
        client_id=hashlib.sha256(ip.encode()).hexdigest()[:16],
    )


def _admit() -> None:
    """Quick refusal (503 + Retry-After) while the search queue is full, before any work is done."""
    gate = _rt().engine.gate
    if gate is not None:
        gate.admit_or_raise()


async def _rate_limit(ip: str, session_id: str | None) -> None:
    s, limiter = STATE.settings, _rt().limiter
    allowed, retry = await limiter.hit(rate_key(ip), s.rate_limit_ip_per_min, 60)  # type: ignore[attr-defined]
    if allowed and session_id:
        allowed, retry = await limiter.hit(f"session:{session_id}", s.rate_limit_session_per_min, 60)  # type: ignore[attr-defined]
    if not allowed:
        raise RateLimitedError(f"too many requests, retry in {retry} s", retry_after_s=retry)


def _check_admin(request: Request) -> None:
    if console.api_token_ok(request):  # a personal token from the admin console; the shared one is deprecated
        return
    expected = STATE.settings.admin_token_hash
    if expected is None:
        raise AuthError(
            "admin API disabled: set ADMIN_TOKEN_HASH (auskunft admin hash-token)", code="admin_disabled"
        )
    auth = request.headers.get("authorization") or ""
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    if not token or not admin.verify_token(token, expected.get_secret_value()):
        raise AuthError("missing or wrong admin token")


def create_app(processes: int = 1) -> Robyn:
    config = Config()
    config.processes = processes
    config.workers = 1
    config.disable_openapi = True
    config.log_level = "WARNING"
    app = Robyn(__file__, config=config)
    settings = get_settings()
    STATE.settings = settings
    trusted = parse_trusted(settings.trusted_proxies)

    def ip_of(request: Request) -> str:
        return client_ip(request, settings.trust_proxy, trusted)

    console_mount = console.mount(app, settings, _rt, ip_of)  # /console (migrates its database first)

    def guarded(handler):  # noqa: ANN001,ANN202 - decorator
        async def wrapper(request: Request) -> Any:
            rid = request_id(request)
            cors = cors_headers(request, settings.allowed_origins)
            t0 = time.perf_counter()
            try:
                resp = await handler(request, rid, cors)
            except AuskunftError as exc:
                resp = error_response(exc, rid, cors)
            except Exception:
                log.exception("request %s: unexpected error", rid)
                resp = error_response(AuskunftError("internal error"), rid, cors)
            if isinstance(resp, Response):
                resp.headers.set("X-Request-ID", rid)
            log.info(
                "request %s %s %s %.1fms",
                rid,
                request.method,
                request.url.path,
                (time.perf_counter() - t0) * 1000,
            )
            return resp

        wrapper.__name__ = handler.__name__
        return wrapper

    @app.startup_handler
    async def startup() -> None:
        gate = WorkGate(settings.search_workers, settings.search_queue, max_wait_s=settings.search_max_wait_s)
        STATE.runtime = build_runtime(settings, gate=gate)
        console_mount.attach(STATE.runtime)
        STATE.runtime.engine.start()
        log.info(
            "service ready (index %s, mode %s)", STATE.runtime.engine.index_version, STATE.runtime.engine.mode
        )

    @app.shutdown_handler
    async def shutdown() -> None:
        if STATE.runtime is not None:
            STATE.runtime.close()

    # ------------------------------------------------------------------------------------ chat
    async def _chat(request: Request, rid: str, cors: dict[str, str]) -> Any:
        data = parse_json(request, settings.max_body_bytes)
        ip = ip_of(request)
        req = _chat_request(data, settings, ip)
        _admit()
        await _rate_limit(ip, req.session_id)
        engine = _rt().engine
        if request.query_params.get("stream", "true") == "false":
            return json_response(
                (await engine.answer(req)).model_dump(exclude={"contexts", "query"}), headers=cors
            )

        async def events():  # noqa: ANN202
            try:
                async for ev in engine.stream(req):
                    yield sse(ev.event, ev.data)
            except Exception as exc:  # the stream must end with an event, never hang
                log.exception("request %s: stream failed", rid)
                code = exc.code if isinstance(exc, AuskunftError) else "internal_error"
                yield sse(
                    "error", {"code": code, "message": "the answer could not be completed", "request_id": rid}
                )

        headers = Headers(
            {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "X-Request-ID": rid, **cors}
        )
        return StreamingResponse(events(), headers=headers, media_type="text/event-stream")

    app.post("/api/chat")(guarded(_chat))

    async def _feedback(request: Request, rid: str, cors: dict[str, str]) -> Response:
        data = parse_json(request, settings.max_body_bytes)
        answer_id, rating, comment = validation.answer_id(data), data.get("rating"), data.get("comment")
        if rating not in ("up", "down"):
            raise ValidationError("'rating' must be 'up' or 'down'", code="invalid_rating")
        if comment is not None and (not isinstance(comment, str) or len(comment) > 2000):
            raise ValidationError(
                "'comment' must be a string of at most 2000 characters", code="invalid_comment"
            )
        await _rate_limit(ip_of(request), None)
        await _rt().engine.rate(answer_id, rating, comment)
        return json_response({"ok": True}, headers=cors)

    app.post("/api/feedback")(guarded(_feedback))

    # ------------------------------------------------------------------------------------ OpenAI-compatible
    from service import openai_compat

    async def _completions(request: Request, rid: str, cors: dict[str, str]) -> Any:
        data = parse_json(request, settings.max_body_bytes * 4)
        ip = ip_of(request)
        question, history = openai_compat.parse_messages(data, settings.max_message_chars)
        stream = validation.boolean(data, "stream")
        req = ChatRequest(
            message=question,
            client_id=hashlib.sha256(ip.encode()).hexdigest()[:16],
            stateless=True,  # the client holds the conversation; nothing is kept after the answer
            history=history,
        )
        _admit()
        await _rate_limit(ip, None)
        engine = _rt().engine
        if stream:
            return StreamingResponse(
                openai_compat.stream_chunks(engine, req, rid),
                headers=Headers({"X-Request-ID": rid, **cors}),
                media_type="text/event-stream",
            )
        return json_response(await openai_compat.completion(engine, req, rid), headers=cors)

    app.post("/v1/chat/completions")(guarded(_completions))

    async def _models(request: Request, rid: str, cors: dict[str, str]) -> Response:
        return json_response(
            {"object": "list", "data": [{"id": "auskunft", "object": "model", "owned_by": "auskunft"}]}
        )

    app.get("/v1/models")(guarded(_models))

    # ------------------------------------------------------------------------------------ CORS preflight
    async def _preflight(request: Request) -> Response:
        cors = cors_headers(request, settings.allowed_origins)
        if not cors:
            return Response(status_code=403, headers=Headers({}), description="origin not allowed")
        cors.update(
            {
                "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type, X-Request-ID",
                "Access-Control-Max-Age": "600",
            }
        )
        return Response(status_code=204, headers=Headers(cors), description="")

    for path in ("/api/chat", "/api/feedback", "/v1/chat/completions"):
        app.options(path)(_preflight)

    # ------------------------------------------------------------------------------------ health
    async def _healthz(request: Request, rid: str, cors: dict[str, str]) -> Response:
        return json_response({"status": "ok"})

    async def _readyz(request: Request, rid: str, cors: dict[str, str]) -> Response:
        rt = _rt()
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

    app.get("/healthz")(guarded(_healthz))
    app.get("/readyz")(guarded(_readyz))

    # ------------------------------------------------------------------------------------ widget, demo, docs
    def _static(name: str, content_type: str, cache: str) -> Response:
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
            headers["Content-Security-Policy"] = (
                f"frame-ancestors {frame}; object-src 'none'; base-uri 'self'"
            )
        return Response(status_code=200, headers=Headers(headers), description=path.read_bytes())

    async def _widget(request: Request, rid: str, cors: dict[str, str]) -> Response:
        return _static("widget.js", "application/javascript; charset=utf-8", "public, max-age=300")

    async def _demo(request: Request, rid: str, cors: dict[str, str]) -> Response:
        return _static("demo.html", "text/html; charset=utf-8", "no-cache")

    async def _openapi(request: Request, rid: str, cors: dict[str, str]) -> Response:
        return json_response(OPENAPI)

    app.get("/widget.js")(guarded(_widget))
    app.get("/demo")(guarded(_demo))
    app.get("/openapi.json")(guarded(_openapi))

    # ------------------------------------------------------------------------------------ admin
    def admin_route(handler):  # noqa: ANN001,ANN202
        async def inner(request: Request, rid: str, cors: dict[str, str]) -> Any:
            _check_admin(request)
            return await handler(request, settings, _rt())

        inner.__name__ = handler.__name__
        return guarded(inner)

    app.get("/api/admin/sources")(admin_route(admin.list_sources))
    app.post("/api/admin/sources")(admin_route(admin.add_source))
    app.put("/api/admin/sources/:name")(admin_route(admin.update_source))
    app.delete("/api/admin/sources/:name")(admin_route(admin.delete_source))
    app.post("/api/admin/sources/:name/crawl")(admin_route(admin.trigger_crawl))
    app.get("/api/admin/index/versions")(admin_route(admin.list_versions))
    app.post("/api/admin/index/promote/:version")(admin_route(admin.promote))
    app.post("/api/admin/index/rollback")(admin_route(admin.rollback))
    return app


def widget_dir() -> Path:
    return WIDGET_DIR


__all__ = ["create_app", "json"]
