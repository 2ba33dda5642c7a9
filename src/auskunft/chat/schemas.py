"""The chat engine's typed request and result (`ChatEngine.answer`, the `done` event, the service's API)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from auskunft.models import Citation


class ChatRequest(BaseModel):
    message: str
    session_id: str | None = None
    sources: list[str] | None = None
    lang: str | None = None  # a hint (the widget's language); the message's own language wins
    client_id: str | None = None  # hashed client IP, for the event log
    # stateless (OpenAI-compatible API): the client sends the history; nothing is read from or written to
    # the conversation store and no answer id is kept for feedback
    stateless: bool = False
    history: list[dict[str, str]] = Field(default_factory=list)


class ChatAnswer(BaseModel):
    answer_id: str
    session_id: str
    answer: str
    mode: Literal["llm", "extractive", "curated"]
    citations: list[Citation]
    notice: str | None = None
    found: bool = True
    # "answer" (confident), "closest" (the closest passages, labelled as possibly relevant, cited; found is
    # False) or "none" (nothing close was found)
    outcome: Literal["answer", "closest", "none"] = "answer"
    query: str = ""
    contexts: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
