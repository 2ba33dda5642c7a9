"""Answers without an LLM: the best-matching sentences quoted with citations, clearly labelled."""

from __future__ import annotations

import os
import re

from auskunft.chat.prompts import EXTRACTIVE_LABEL, NOT_FOUND, OTHER_LANGUAGE_HINT
from auskunft.index.sparse import Bm25Encoder
from auskunft.models import RetrievedChunk

_SENT = re.compile(r"(?<=[^\d\s§][.!?])\s+|\n+")  # not after ordinals like "31. März"
# abbreviations after which a full stop does not end the sentence ("Dr. Hanna Vogt", "z. B. der")
_ABBREV = re.compile(
    r"(?:^|\s)(?:dr|prof|dipl|ing|hr|fr|st|nr|abs|art|bzw|ca|vgl|ggf|inkl|evtl|mr|mrs|ms|vs|[a-z]|[a-z]\.\s?[a-z])\.$",
    re.IGNORECASE,
)
_MD = re.compile(r"^[#>\-*|\s]+|[*_`]+")


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_SOFT_BREAK = re.compile(r"(?<![.!?:|\s])\s*\n\s*(?=[a-zäöüß0-9(])")  # OCR/PDF line wraps inside sentences


# Text addressed to an AI model rather than to readers (prompt injection planted in a page): never quoted
_INSTRUCTION = re.compile(
    r"\b(ignor\w*|vergiss|missachte|disregard|forget)\b.{0,40}\b(anweisung\w*|instruktion\w*|instruction\w*|"
    r"regeln|rules|prompt\w*)\b|\b(du bist (jetzt|nun|ab sofort)|you are now|act as|verhalte dich als)\b|"
    r"\b(system ?prompt|systemnachricht|system message|jailbreak)\b|\b(antworte|respond|reply|answer)\b.{0,30}"
    r"\b(nur noch|ab jetzt|only with|from now on)\b|</?\s*(sources?|system|instructions?)\b",
    re.IGNORECASE,
)


def looks_like_instruction(sentence: str) -> bool:
    return bool(_INSTRUCTION.search(sentence))


def _cells(line: str) -> list[str] | None:
    """The cells of a markdown table line, None for other text."""
    line = line.strip()
    if not line.startswith("|") or line.count("|") < 2:
        return None
    return [c.strip() for c in line.strip("|").split("|")]


def _is_separator(cells: list[str]) -> bool:
    return all(c and set(c) <= set("-: ") for c in cells)


def _sentences(text: str) -> list[tuple[str, bool]]:
    """(sentence, is a table row) in reading order; instruction-like sentences are left out."""
    out = []
    text = _SOFT_BREAK.sub(" ", _LINK.sub(r"\1", text))
    pieces: list[str] = []
    for piece in _SENT.split(text):
        if pieces and _ABBREV.search(pieces[-1]):
            pieces[-1] += " " + piece
        else:
            pieces.append(piece)
    header: list[str] = []
    for i, piece in enumerate(pieces):
        row = _cells(piece)
        if row is None:
            header = []
            s = _MD.sub("", piece).strip()
        elif _is_separator(row):
            continue
        elif i + 1 < len(pieces) and _is_separator(_cells(pieces[i + 1]) or [""]):
            header = [
                _MD.sub("", c).strip() for c in row
            ]  # a table's head: named in the rows below instead of quoted alone
            continue
        else:
            # a table row: "Einzelmitglied – Jahresbeitrag: 48 Euro" under the head "Beitragsgruppe | Jahresbeitrag"
            cells = [_MD.sub("", c).strip() for c in row]
            named = header if len(header) == len(cells) else [""] * len(cells)
            s = " – ".join(
                f"{h}: {c}" if h and j else c for j, (h, c) in enumerate(zip(named, cells, strict=True)) if c
            )
        if 15 <= len(s) <= 600 and not looks_like_instruction(s):
            out.append((s, row is not None))
    return out


_WORD = re.compile(r"[^\W\d_][\w-]*")


def _key_terms(question: str) -> list[str]:
    """Capitalised words after the first (German nouns, names, acronyms) of at least 3 letters."""
    words = _WORD.findall(question)
    return [w for w in words[1:] if w[0].isupper() and len(w) >= 3]


def shares_head(a: str, b: str) -> bool:
    """Same word or German compounds with the same head (lower-case words or stems).

    One ends with the other (at least five letters: "mitgliedsbeitrag" / "beitrag"), or both end in the same
    seven letters or more ("mitgliedsbeitrag" / "jahresbeitrag": "sbeitrag").
    """
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 5 and long_.endswith(short):
        return True
    return len(os.path.commonprefix([a[::-1], b[::-1]])) >= 7


def missing_key_terms(
    question: str, hits: list[RetrievedChunk], encoder: Bm25Encoder | None = None
) -> list[str]:
    """Key terms of the question that no retrieved passage contains.

    A term counts as present when its stems are among the passages' stems or when it shares its head with
    a passage word (`shares_head`: "Mitgliedsbeitrag" asked, "Jahresbeitrag" written). A question whose
    main noun appears nowhere in what was retrieved ("Wie hoch ist das Gehalt der Präsidentin?") is not
    answered from passages that merely share its other words.
    """
    enc = encoder or _encoder()
    stems: set[str] = set()
    words: set[str] = set()
    for h in hits:
        stems.update(enc.tokens(h.chunk.text))
        words.update(w.lower() for part in _WORD.findall(h.chunk.text) for w in part.split("-") if w)
    missing = []
    for term in _key_terms(question):
        term_stems = enc.tokens(term)
        if term_stems and all(t in stems for t in term_stems):
            continue
        low = term.lower()
        if any(shares_head(low, w) for w in words):
            continue
        missing.append(term)
    return missing


_ENCODER: Bm25Encoder | None = None


def _encoder() -> Bm25Encoder:
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = Bm25Encoder()
    return _ENCODER


def extractive_answer(
    question: str,
    hits: list[RetrievedChunk],
    language: str,
    *,
    max_sentences: int = 3,
    encoder: Bm25Encoder | None = None,
) -> tuple[str, list[int], bool]:
    """Returns (answer markdown, source numbers cited, found)."""
    enc = encoder or _encoder()
    if missing_key_terms(question, hits, enc):
        return NOT_FOUND[language], [], False
    # question terms, the key terms (nouns, names) weighing double
    key = {t for term in _key_terms(question) for t in enc.tokens(term)}
    q = {t: 2.0 if t in key else 1.0 for t in enc.tokens(question)}
    total = sum(q.values()) or 1.0
    scored: list[tuple[float, int, int, str]] = []
    seen: set[str] = set()
    for n, hit in enumerate(hits, start=1):
        for pos, (sent, row) in enumerate(_sentences(hit.chunk.text)):
            toks = set(enc.tokens(sent))
            overlap = 0.0
            for t, w in q.items():
                if t in toks:
                    overlap += w
                elif any(shares_head(t, s) for s in toks):
                    overlap += 0.8 * w
            if overlap and sent not in seen:
                seen.add(sent)
                # weighted term overlap, damped for headline fragments (not table rows: short by
                # nature and often the answer), then retrieval rank
                fullness = 1.0 if row else min(1.0, len(sent.split()) / 8)
                scored.append((overlap / total * fullness + 0.05 / n, n, pos, sent))
    if not scored:
        doc_langs = {h.chunk.language for h in hits if h.chunk.language}
        if doc_langs and language not in doc_langs:  # e.g. an English question, German passages
            return f"{NOT_FOUND[language]} {OTHER_LANGUAGE_HINT[language]}", [], False
        return NOT_FOUND[language], [], False
    best = sorted(scored, key=lambda s: -s[0])[:max_sentences]
    best = [b for b in best if b[0] >= 0.6 * best[0][0]]  # no filler far below the best match
    best.sort(key=lambda s: (s[1], s[2]))
    lines = [EXTRACTIVE_LABEL[language], ""]
    cited: list[int] = []
    for _, n, _, sent in best:
        lines.append(f"> {sent} [{n}]")
        lines.append("")
        if n not in cited:
            cited.append(n)
    return "\n".join(lines).strip(), cited, True
