"""Do two checkouts' engines give the same answers and sources? Every question of a QA set asked twice in
process (as written, then with " (i)" appended: a new text for every per-text cache), each checkout on its
own fresh copy of the index; answer text, outcome, citations, contexts and the sources shown (with their
scores) compared (bench/same_answers.py compares the services' JSON answers, without the sources).

    .venv/bin/python bench/same_engine_answers.py INDEX_DIR QUESTIONS.jsonl --tree old=/tmp/old --tree new=. \
        [--work /tmp/same] [--json]

Each tree runs in a process of its own (`PYTHONPATH=<tree>/src`, BLAS on one thread, the passage warm-up
waited for) on a `cp -a` copy of INDEX_DIR (the answer cache lives in it: a shared copy would answer the
second tree from the first one's cache). Candidates tied at the engine's limit may come back in another order
between two processes of one tree (session 14): run a tree against itself to see how many that is.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIELDS = ("answer", "outcome", "found", "citations", "contexts", "mode", "notice")


def dump(data_dir: Path, questions: Path, out: Path) -> None:
    """In the tree's own process: the answers of every question, twice, as JSON lines to `out`."""
    os.environ["DATA_DIR"] = str(data_dir)
    from auskunft.chat import ChatRequest
    from auskunft.chat.factory import build_runtime
    from auskunft.config import Settings

    qs = []
    for line in questions.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            qs.append(d.get("question") or d.get("text"))
    rt = build_runtime(Settings(), events=False)
    rt.engine.start()
    if rt.engine.warmup is not None:
        rt.engine.warmup.idle.wait(600)

    async def run() -> list[dict]:
        rows = []
        for rep in range(2):
            for i, q in enumerate(qs):
                rec: dict = {"q": q, "rep": rep}
                req = ChatRequest(message=q if rep == 0 else f"{q} ({i})", stateless=True)
                async for ev in rt.engine._events(req, with_contexts=True):
                    if ev.event == "sources":
                        rec["sources"] = ev.data["sources"]
                    elif ev.event == "done":
                        rec |= {k: ev.data.get(k) for k in FIELDS}
                    elif ev.event in ("error", "busy"):
                        rec["error"] = ev.data
                rows.append(rec)
        return rows

    try:
        rows = asyncio.run(run())
    finally:
        rt.close()
    out.write_text("\n".join(json.dumps(r, ensure_ascii=False, default=str) for r in rows), encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("index", type=Path)
    p.add_argument("questions", type=Path)
    p.add_argument("--tree", action="append", default=[], help="LABEL=PATH (two)")
    p.add_argument("--work", type=Path, default=None, help="where the copies go (default: a temp folder)")
    p.add_argument("--json", action="store_true", help="print the differing records as JSON")
    p.add_argument("--dump", nargs=2, type=Path, metavar=("DATA_DIR", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.dump:
        dump(args.dump[0], args.questions, args.dump[1])
        return
    trees = [t.split("=", 1) for t in args.tree]
    if len(trees) != 2:
        p.error("two --tree LABEL=PATH")
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        results = {}
        for label, tree in trees:
            data = Path(tmp) / f"index-{label}"
            shutil.copytree(args.index, data, symlinks=True)
            out = Path(tmp) / f"{label}.jsonl"
            env = os.environ | {
                "PYTHONPATH": f"{Path(tree).resolve() / 'src'}",
                "OPENBLAS_NUM_THREADS": "1",
                "LOG_LEVEL": "WARNING",
            }
            cmd = [
                sys.executable,
                __file__,
                str(args.index),
                str(args.questions),
                "--dump",
                str(data),
                str(out),
            ]
            subprocess.run(cmd, env=env, check=True)
            results[label] = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
            shutil.rmtree(data)
    (a_label, a), (b_label, b) = results.items()
    same = sum(x == y for x, y in zip(a, b, strict=True))
    print(f"{args.questions.name}: {len(a)} answers ({len(a) // 2} questions, twice); identical: {same}")
    for x, y in zip(a, b, strict=True):
        if x != y:
            keys = [k for k in x if x.get(k) != y.get(k)]
            print(f"  differs ({', '.join(keys)}): {x['q'][:80]!r} pass {x['rep'] + 1}")
            if args.json:
                print(json.dumps({a_label: x, b_label: y}, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
