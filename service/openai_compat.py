"""POST /v1/chat/completions: the chat engine behind OpenAI's chat-completions format."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

from auskunft.chat import ChatEngine, ChatRequest
from auskunft.errors import ValidationError
from auskunft.models import Citation

MODEL = "auskunft"


def parse_messages(data: dict, max_chars: int) -> tuple[str, list[dict[str, str]]]:
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValidationError("'messages' must be a non-empty list", code="invalid_messages")
    turns = []
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant"):
            raise ValidationError(
                "each message needs a role of system, user or assistant", code="invalid_messages"
            )
        content = m.get("content")
        if isinstance(content, list):  # content parts
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        if not isinstance(content, str):
            raise ValidationError("message content must be text", code="invalid_messages")
        turns.append({"role": m["role"], "content": content})
    if turns[-1]["role"] != "user" or not turns[-1]["content"].strip():
        raise ValidationError("the last message must be a non-empty user message", code="invalid_messages")
    if len(turns[-1]["content"]) > max_chars:
        raise ValidationError(f"message longer than {max_chars} characters", code="message_too_long")
    history = [t for t in turns[:-1] if t["role"] in ("user", "assistant")]
    return turns[-1]["content"].strip(), history


def _sources_md(citations: list[Citation]) -> str:
    if not citations:
        return ""
    return "\n\n" + "\n".join(f"[{c.n}] {c.title} – {c.url}" for c in citations)


async def _seed_history(engine: ChatEngine, req: ChatRequest, history: list[dict[str, str]]) -> ChatRequest:
    """OpenAI clients send the whole conversation; it becomes a throwaway session."""
    if not history:
        return req
    import uuid

    sid = "oa-" + uuid.uuid4().hex
    for i in range(0, len(history) - 1, 2):
        if history[i]["role"] == "user" and history[i + 1]["role"] == "assistant":
            await engine.memory.append(sid, history[i]["content"], history[i + 1]["content"])
    return req.model_copy(update={"session_id": sid})


async def completion(engine: ChatEngine, req: ChatRequest, history: list[dict[str, str]], rid: str) -> dict:
    ans = await engine.answer(await _seed_history(engine, req, history))
    return {
        "id": f"chatcmpl-{ans.answer_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": ans.answer + _sources_md(ans.citations)},
            }
        ],
        "citations": [c.model_dump() for c in ans.citations],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


async def stream_chunks(
    engine: ChatEngine, req: ChatRequest, history: list[dict[str, str]], rid: str
) -> AsyncIterator[str]:
    created = int(time.time())
    cid = "chatcmpl-" + rid

    def chunk(delta: dict, finish: str | None = None, **extra: object) -> str:
        body = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    try:
        async for ev in engine.stream(await _seed_history(engine, req, history)):
            if ev.event == "token":
                yield chunk({"content": ev.data["text"]})
            elif ev.event == "done":
                cites = [Citation(**c) for c in ev.data["citations"]]
                yield chunk(
                    {"content": _sources_md(cites)}, "stop", citations=[c.model_dump() for c in cites]
                )
            elif ev.event == "error":
                yield chunk({"content": "\n\n[error: " + ev.data.get("message", "failed") + "]"}, "stop")
    finally:
        yield "data: [DONE]\n\n"
