"""Chooses and checks the question-matching parameters on datasets/paraphrases/de.jsonl.

Each line: {"topic", "label": "paraphrase" | "near_miss", "a", "b"}. The pairs are split by topic into two
folds (topics alternately) (a topic's pairs stay together, so no wording is seen on both sides); the parameters are chosen on one
fold (the most paraphrases matched with at most `max_fp` of the near misses) and reported on the other, then
the other way round.

    python -m auskunft.console.paraphrase_eval [datasets/paraphrases/de.jsonl] [--backend onnx]
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from auskunft.console.matching import MatchParams, PairScore, pair_score

log = logging.getLogger(__name__)
DEFAULT_FILE = Path(__file__).resolve().parents[3] / "datasets" / "paraphrases" / "de.jsonl"
TERM_WEIGHTS = [0.0, 0.025, 0.05, 0.075, 0.1]  # few choices: ~70 pairs per fold


class Pair(BaseModel):
    topic: str
    label: str
    a: str
    b: str
    fold: int = 0  # set by load_pairs


def load_pairs(path: Path) -> list[Pair]:
    """The pairs, each with its fold: the topics in alphabetical order go to fold 0, 1, 0, 1, ..."""
    pairs = [Pair.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    bad = {p.label for p in pairs} - {"paraphrase", "near_miss"}
    if bad:
        raise ValueError(f"unknown labels {bad}")
    fold = {t: i % 2 for i, t in enumerate(sorted({p.topic for p in pairs}))}
    for p in pairs:
        p.fold = fold[p.topic]
    return pairs


@dataclass
class Rates:
    paraphrases: int
    matched: int
    near_misses: int
    false_matches: int

    @property
    def recall(self) -> float:
        return self.matched / self.paraphrases if self.paraphrases else 0.0

    @property
    def fp_rate(self) -> float:
        return self.false_matches / self.near_misses if self.near_misses else 0.0


def rates(scored: list[tuple[Pair, PairScore]], params: MatchParams) -> Rates:
    para = [s for p, s in scored if p.label == "paraphrase"]
    near = [s for p, s in scored if p.label == "near_miss"]
    return Rates(
        len(para),
        sum(s.value(params) >= params.threshold for s in para),
        len(near),
        sum(s.value(params) >= params.threshold for s in near),
    )


def choose(scored: list[tuple[Pair, PairScore]], max_fp: float = 0.05) -> MatchParams:
    """The parameters that match the most paraphrases with at most `max_fp` near misses matched
    (ties: the higher threshold)."""
    best: tuple[float, float, MatchParams] | None = None
    for w in TERM_WEIGHTS:
        probe = MatchParams(threshold=0.0, term_weight=w)
        values = sorted({round(s.value(probe), 4) for _, s in scored})
        for t in values:
            params = MatchParams(threshold=t, term_weight=w)
            r = rates(scored, params)
            if r.fp_rate > max_fp:
                continue
            key = (r.recall, t)
            if best is None or key > best[:2]:
                best = (r.recall, t, params)
    assert best is not None
    return best[2]


def for_recall(scored: list[tuple[Pair, PairScore]], min_recall: float = 0.9) -> MatchParams:
    """The highest threshold (term weight 0) that matches at least `min_recall` of the paraphrases: the
    other end of the trade-off, to show what the near misses cost there."""
    para = sorted(
        s.value(MatchParams(threshold=0.0, term_weight=0.0)) for p, s in scored if p.label == "paraphrase"
    )
    k = int(len(para) * (1 - min_recall))
    return MatchParams(threshold=round(para[k], 4), term_weight=0.0)


def score_pairs(pairs: list[Pair], embed: object) -> list[tuple[Pair, PairScore]]:
    cache: dict[str, list[float]] = {}

    def vec(text: str) -> list[float]:
        if text not in cache:
            cache[text] = embed.embed_query(text)  # type: ignore[attr-defined]
        return cache[text]

    return [(p, pair_score(p.a, p.b, vec(p.a), vec(p.b))) for p in pairs]


def two_fold(scored: list[tuple[Pair, PairScore]], max_fp: float = 0.05) -> list[dict]:
    out = []
    for train in (0, 1):
        fold = [x for x in scored if x[0].fold == train]
        other = [x for x in scored if x[0].fold != train]
        for goal, params in (
            (f"near misses <= {max_fp:.0%}", choose(fold, max_fp)),
            ("paraphrases >= 90%", for_recall(fold, 0.9)),
        ):
            fit, held = rates(fold, params), rates(other, params)
            out.append(
                {
                    "chosen_on_fold": train,
                    "goal": goal,
                    "params": params.__dict__,
                    "train": _show(fit),
                    "held_out": _show(held),
                }
            )
    return out


def _show(r: Rates) -> dict:
    return r.__dict__ | {"recall": round(r.recall, 3), "fp_rate": round(r.fp_rate, 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    ap.add_argument("--backend", default="onnx")
    ap.add_argument("--model", default="multilingual-e5-small-q4")
    ap.add_argument("--max-fp", type=float, default=0.05)
    args = ap.parse_args(argv)
    from auskunft.index import build_embedder

    pairs = load_pairs(args.file)
    embedder = build_embedder(args.backend, args.model)
    embedder.start()
    scored = score_pairs(pairs, embedder)
    print(json.dumps({"pairs": len(pairs), "folds": two_fold(scored, args.max_fp)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
