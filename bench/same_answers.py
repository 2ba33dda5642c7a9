"""Do two checkouts' services give the same answers? Every question of the QA sets, asked through the JSON API
of each tree's service on its own copy of one index; answer text, citations, outcome, found, mode and notice
compared question by question.

    .venv/bin/python bench/same_answers.py DATA_DIR --tree old=/tmp/old --tree new=. \
        [--questions 'datasets/qa/*.jsonl'] [--out answers.json]

Run a tree against itself too (`--tree a=. --tree b=.`): questions whose fused candidates tie at the engine's
limit (copies of one text) can be answered differently by two processes of the same tree (the engine's hash
order differs per process), so a difference means something only where a tree agrees with itself.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from auskunft.testing.service import checkout_service  # noqa: E402

FIELDS = ("answer", "citations", "outcome", "found", "mode", "notice")


def questions(pattern: str) -> list[str]:
    out = []
    for f in sorted(glob.glob(pattern)):
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                if q := d.get("question") or d.get("text"):
                    out.append(q)
    return out


async def ask_all(url: str, qs: list[str], concurrency: int = 2) -> list[dict]:
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120, trust_env=False) as c:

        async def one(q: str) -> dict:
            async with sem:
                r = await c.post("/api/chat", params={"stream": "false"}, json={"message": q})
                d = r.json()
                return {k: d.get(k) for k in FIELDS} if r.status_code == 200 else {"error": d}

        return list(await asyncio.gather(*(one(q) for q in qs)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data_dir", type=Path)
    p.add_argument("--tree", action="append", required=True, help="LABEL=PATH (two)")
    p.add_argument("--questions", default=str(REPO / "datasets" / "qa" / "*.jsonl"))
    p.add_argument("--out", type=Path, default=None, help="write both trees' answers here (JSON)")
    args = p.parse_args()
    trees = [t.split("=", 1) for t in args.tree]
    if len(trees) != 2:
        p.error("give two --tree LABEL=PATH")
    qs = questions(args.questions)
    answers: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "sources.yml").write_text("sources: []\n")
        for label, tree in trees:
            copy = work / f"data-{label}"  # its own answer cache, rate limits and reader views
            shutil.copytree(args.data_dir, copy, symlinks=True)
            with checkout_service(Path(tree).resolve(), copy, work, label=label) as svc:
                answers[label] = asyncio.run(ask_all(svc.url, qs))
    (a, old), (b, new) = answers.items()
    differ = [i for i, (x, y) in enumerate(zip(old, new, strict=True)) if x != y]
    if args.out:
        args.out.write_text(json.dumps({"questions": qs, **answers}, ensure_ascii=False), encoding="utf-8")
    print(f"{len(qs)} questions from {args.questions}: {len(differ)} answered differently by {a} and {b}")
    for i in differ:
        fields = [k for k in FIELDS if old[i].get(k) != new[i].get(k)]
        print(f"  #{i} {qs[i][:70]!r}: {', '.join(fields)}")


if __name__ == "__main__":
    main()
