"""POST /v1/chat/completions: the chat engine behind OpenAI's chat-completions format."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

from auskunft.chat import ChatEngine, ChatRequest
from auskunft.errors import ValidationError
from auskunft.models import Citation
from service.validation import is_visible

MODEL = "auskunft"
MAX_MESSAGES = 100


def _content(m: dict) -> str:
    """A message's text: a string, or a list of `{"type": "text", "text": "..."}` parts."""
    content = m.get("content")
    if isinstance(content, list):  # content parts: text only (no images, audio or files)
        texts = []
        for part in content:
            if not (
                isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
            ):
                raise ValidationError(
                    'content parts must be {"type": "text", "text": "..."}', code="invalid_messages"
                )
            texts.append(part["text"])
        content = " ".join(texts)
    if not isinstance(content, str):
        raise ValidationError("message content must be text", code="invalid_messages")
    return content


def parse_messages(data: dict, max_chars: int) -> tuple[str, list[dict[str, str]]]:
    """(question, earlier user/assistant turns); the history stays in the request (stateless API)."""
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages or len(messages) > MAX_MESSAGES:
        raise ValidationError(
            f"'messages' must be a non-empty list of at most {MAX_MESSAGES} messages", code="invalid_messages"
        )
    turns = []
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant"):
            raise ValidationError(
                "each message needs a role of system, user or assistant", code="invalid_messages"
            )
        turns.append({"role": m["role"], "content": _content(m)})
    if turns[-1]["role"] != "user" or not is_visible(turns[-1]["content"]):
        raise ValidationError("the last message must be a non-empty user message", code="invalid_messages")
    if len(turns[-1]["content"]) > max_chars:
        raise ValidationError(f"message longer than {max_chars} characters", code="message_too_long")
    history = [t for t in turns[:-1] if t["role"] in ("user", "assistant") and is_visible(t["content"])]
    return turns[-1]["content"].strip(), history


def _sources_md(citations: list[Citation]) -> str:
    if not citations:
        return ""
    return "\n\n" + "\n".join(f"[{c.n}] {c.title} – {c.url}" for c in citations)


async def completion(engine: ChatEngine, req: ChatRequest, rid: str) -> dict:
    ans = await engine.answer(req)
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
        "citations": [c.model_dump(mode="json") for c in ans.citations],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


async def stream_chunks(engine: ChatEngine, req: ChatRequest, rid: str) -> AsyncIterator[str]:
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
        return f"data: {json.dumps(body, ensure_ascii=False, default=str)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    try:
        async for ev in engine.stream(req):
            if ev.event == "token":
                yield chunk({"content": ev.data["text"]})
            elif ev.event == "done":
                cites = [Citation(**c) for c in ev.data["citations"]]
                yield chunk(
                    {"content": _sources_md(cites)},
                    "stop",
                    citations=[c.model_dump(mode="json") for c in cites],
                )
            elif ev.event == "busy":
                yield chunk(
                    {"content": f"[busy: retry in {ev.data['retry_after_s']} s]"},
                    "stop",
                    error={"code": "busy", "retry_after_s": ev.data["retry_after_s"]},
                )
            elif ev.event == "error":
                yield chunk({"content": "\n\n[error: " + ev.data.get("message", "failed") + "]"}, "stop")
    finally:
        yield "data: [DONE]\n\n"
