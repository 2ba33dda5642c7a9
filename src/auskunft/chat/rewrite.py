"""Follow-up questions -> standalone queries, with the conversation history."""

from __future__ import annotations

import re

from auskunft.chat.llm import LLMClient
from auskunft.chat.prompts import REWRITE_PROMPT
from auskunft.errors import LLMError
from auskunft.index.sparse import Bm25Encoder

_STARTS = re.compile(r"^\s*(und|aber|also|what about|and|how about|but)\b", re.I)
_PRONOUN = re.compile(r"\b(dies|diese[rsnm]?|dort|dafür|davon|darauf|dazu|er|sie|es|ihm|ihn|ihr|it|they|them|this|that|"
                      r"there|those|he|she|its)\b", re.I)
_NOUN = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÄÖÜ][a-zäöüß]{2,}")


def looks_like_follow_up(question: str) -> bool:
    """'Und wo findet sie statt?' yes; 'Wie ist das Wetter auf dem Mars?' no (own nouns, German capitalised)."""
    q = question.strip()
    if _STARTS.search(q):
        return True
    return len(q.split()) <= 8 and bool(_PRONOUN.search(q)) and not _NOUN.search(q)


def heuristic_rewrite(question: str, history: list[dict[str, str]], encoder: Bm25Encoder | None = None) -> str:
    """Without an LLM: add the key terms of the previous user question to a short follow-up."""
    previous = next((t["content"] for t in reversed(history) if t["role"] == "user"), "")
    if not previous or not looks_like_follow_up(question):
        return question
    enc = encoder or Bm25Encoder()
    own = set(enc.tokens(question))
    words = [w for w in re.findall(r"\w+", previous) if enc.tokens(w) and enc.tokens(w)[0] not in own]
    return f"{question} ({' '.join(words[:12])})" if words else question


async def rewrite(question: str, history: list[dict[str, str]], llm: LLMClient | None) -> str:
    if not history or not looks_like_follow_up(question):
        return question
    if llm is not None:
        convo = "\n".join(f"{t['role']}: {t['content'][:500]}" for t in history[-6:])
        try:
            out = await llm.complete([{"role": "user", "content": REWRITE_PROMPT.format(history=convo, question=question)}])
            if out and len(out) < 500:
                return out.strip().strip('"')
        except LLMError:
            pass
    return heuristic_rewrite(question, history)
