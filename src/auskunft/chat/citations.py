"""An answer's [n] markers and the sources they cite: normalised ("[1, 3]" -> "[1][3]"), invented numbers
dropped, each cited passage as a `Citation` with a short plain-text snippet."""

from __future__ import annotations

import functools
import re

from auskunft.models import Citation, RetrievedChunk

_CITE = re.compile(r"\[(\d{1,3})\]")
_CITE_LIST = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})+)\]")  # "[1, 3]" -> "[1][3]"
_MARKUP = re.compile(r"[#*_`>|]+")


@functools.lru_cache(maxsize=2048)  # every answer shows its passages' snippets: the same passages come back
def snippet(text: str, limit: int = 240) -> str:
    flat = " ".join(_MARKUP.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def normalise_markers(answer: str) -> str:
    return _CITE_LIST.sub(lambda m: "".join(f"[{n}]" for n in re.split(r"\s*[,;]\s*", m.group(1))), answer)


def citations_for(answer: str, hits: list[RetrievedChunk], cited: list[int] | None = None) -> list[Citation]:
    """Citations for the [n] markers the answer uses, in order; numbers without a source are dropped."""
    numbers = cited if cited is not None else [int(n) for n in _CITE.findall(normalise_markers(answer))]
    out, seen = [], set()
    for n in numbers:
        if 1 <= n <= len(hits) and n not in seen:
            seen.add(n)
            c = hits[n - 1].chunk
            out.append(
                Citation(
                    n=n,
                    url=c.cite_url,
                    title=c.title,
                    page=c.page,
                    snippet=snippet(c.text),
                    source=c.source,
                    date=c.date,
                    also=hits[n - 1].also,
                )
            )
    return out


def strip_invalid_citations(answer: str, n_hits: int) -> str:
    """Drop [n] markers the model invented (no source n was given)."""
    answer = normalise_markers(answer)
    return _CITE.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= n_hits else "", answer)
