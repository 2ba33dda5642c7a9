"""Follow-up questions -> standalone queries, with the conversation history."""

from __future__ import annotations

import logging
import re

from auskunft.chat.llm import LLMClient
from auskunft.chat.prompts import REWRITE_PROMPT, neutralise
from auskunft.errors import LLMError
from auskunft.index.sparse import Bm25Encoder

log = logging.getLogger(__name__)
_STARTS = re.compile(r"^\s*(und|aber|also|what about|and|how about|but)\b", re.I)
_PRONOUN = re.compile(
    r"\b(dies|diese[rsnm]?|dort|dafür|davon|darauf|dazu|er|sie|es|ihm|ihn|ihr|it|they|them|this|that|"
    r"there|those|he|she|its)\b",
    re.I,
)
_NOUN = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÄÖÜ][a-zäöüß]{2,}")


def looks_like_follow_up(question: str) -> bool:
    """'Und wo findet sie statt?' yes; 'Wie ist das Wetter auf dem Mars?' no (own nouns, German capitalised)."""
    q = question.strip()
    if _STARTS.search(q):
        return True
    return len(q.split()) <= 8 and bool(_PRONOUN.search(q)) and not _NOUN.search(q)


def heuristic_rewrite(
    question: str, history: list[dict[str, str]], encoder: Bm25Encoder | None = None
) -> str:
    """Without an LLM: add the key terms of the previous question (its standalone form) to a follow-up."""
    previous = next((t.get("query") or t["content"] for t in reversed(history) if t["role"] == "user"), "")
    if not previous or not looks_like_follow_up(question):
        return question
    enc = encoder or Bm25Encoder()
    own = set(enc.tokens(question))
    words = [w for w in re.findall(r"\w+", previous) if enc.tokens(w) and enc.tokens(w)[0] not in own]
    return f"{question} ({' '.join(words[:12])})" if words else question


def _clean(out: str, question: str) -> str | None:
    """The model's rewrite, or None when it is unusable (empty, rambling, several lines of chatter)."""
    line = next((ln for ln in out.strip().splitlines() if ln.strip()), "")
    line = re.sub(r"^\s*(standalone\s+)?(query|question|frage|suchanfrage)\s*:\s*", "", line, flags=re.I)
    line = line.strip().strip("\"'„“”«»").strip()
    if not line or len(line) > max(300, 3 * len(question)):
        return None
    return line


async def rewrite(
    question: str, history: list[dict[str, str]], llm: LLMClient | None, *, timeout_s: float = 5.0
) -> str:
    """A standalone query for retrieval: unchanged unless the question looks like a follow-up."""
    if not history or not looks_like_follow_up(question):
        return question
    if llm is not None:
        convo = "\n".join(f"{t['role']}: {neutralise(t['content'])[:500]}" for t in history[-6:])
        try:
            out = await llm.complete(
                [
                    {
                        "role": "user",
                        "content": REWRITE_PROMPT.format(history=convo, question=neutralise(question)),
                    }
                ],
                timeout_s=timeout_s,
            )
            cleaned = _clean(out, question)
            if cleaned:
                return cleaned
            log.info("unusable rewrite from the LLM, using the heuristic")
        except LLMError as exc:
            log.warning("rewrite by LLM failed (%s), using the heuristic", exc)
    return heuristic_rewrite(question, history)
