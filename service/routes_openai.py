"""The OpenAI-compatible API: POST /v1/chat/completions (stateless: the client sends the history) and
GET /v1/models; the format itself is service/openai_compat.py."""

from __future__ import annotations

from typing import Any

from robyn import Headers, Request, Response, Robyn, StreamingResponse

from auskunft.chat import ChatRequest
from service import openai_compat, validation
from service.http import json_response, parse_json
from service.routing import RouteContext, client_id


def register(app: Robyn, ctx: RouteContext) -> None:
    settings = ctx.settings

    async def _completions(request: Request, rid: str, cors: dict[str, str]) -> Any:
        data = parse_json(request, settings.max_body_bytes * 4)
        ip = ctx.ip_of(request)
        question, history = openai_compat.parse_messages(data, settings.max_message_chars)
        stream = validation.boolean(data, "stream")
        req = ChatRequest(
            message=question,
            client_id=client_id(ip),
            stateless=True,  # the client holds the conversation; nothing is kept after the answer
            history=history,
        )
        ctx.admit()
        await ctx.rate_limit(ip, None)
        engine = ctx.runtime().engine
        if stream:
            return StreamingResponse(
                openai_compat.stream_chunks(engine, req, rid),
                headers=Headers({"X-Request-ID": rid, **cors}),
                media_type="text/event-stream",
            )
        return json_response(await openai_compat.completion(engine, req, rid), headers=cors)

    async def _models(request: Request, rid: str, cors: dict[str, str]) -> Response:
        return json_response(
            {"object": "list", "data": [{"id": "auskunft", "object": "model", "owned_by": "auskunft"}]}
        )

    app.post("/v1/chat/completions")(ctx.guarded(_completions))
    app.get("/v1/models")(ctx.guarded(_models))
    app.options("/v1/chat/completions")(ctx.preflight())
