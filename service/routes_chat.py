"""The widget's API: POST /api/chat (an answer as server-sent events, or JSON with ?stream=false) and
POST /api/feedback, with their CORS preflights."""

from __future__ import annotations

import logging
from typing import Any

from robyn import Headers, Request, Response, Robyn, StreamingResponse

from auskunft.chat import ChatRequest
from auskunft.config import Settings
from auskunft.errors import AuskunftError, ValidationError
from service import validation
from service.http import json_response, parse_json, sse
from service.routing import RouteContext, client_id

log = logging.getLogger("auskunft.service")


def chat_request(data: dict, settings: Settings, ip: str) -> ChatRequest:
    message = validation.text_field(data, "message", settings.max_message_chars, code="invalid_message")
    lang = data.get("lang") if data.get("lang") in ("de", "en") else None
    return ChatRequest(
        message=message or "",
        session_id=validation.session_id(data),
        sources=validation.source_names(data),
        lang=lang,
        client_id=client_id(ip),
    )


def register(app: Robyn, ctx: RouteContext) -> None:
    settings = ctx.settings

    async def _chat(request: Request, rid: str, cors: dict[str, str]) -> Any:
        data = parse_json(request, settings.max_body_bytes)
        ip = ctx.ip_of(request)
        req = chat_request(data, settings, ip)
        ctx.admit()
        await ctx.rate_limit(ip, req.session_id)
        engine = ctx.runtime().engine
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

    async def _feedback(request: Request, rid: str, cors: dict[str, str]) -> Response:
        data = parse_json(request, settings.max_body_bytes)
        answer_id, rating, comment = validation.answer_id(data), data.get("rating"), data.get("comment")
        if rating not in ("up", "down"):
            raise ValidationError("'rating' must be 'up' or 'down'", code="invalid_rating")
        if comment is not None and (not isinstance(comment, str) or len(comment) > 2000):
            raise ValidationError(
                "'comment' must be a string of at most 2000 characters", code="invalid_comment"
            )
        await ctx.rate_limit(ctx.ip_of(request), None)
        await ctx.runtime().engine.rate(answer_id, rating, comment)
        return json_response({"ok": True}, headers=cors)

    app.post("/api/chat")(ctx.guarded(_chat))
    app.post("/api/feedback")(ctx.guarded(_feedback))
    for path in ("/api/chat", "/api/feedback"):
        app.options(path)(ctx.preflight())
