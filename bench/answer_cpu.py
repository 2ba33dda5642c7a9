"""CPU time per answer of a running service, per process (the guard, each Robyn worker) and of the client,
for one or more checkouts in alternating rounds on the same index.

    .venv/bin/python bench/answer_cpu.py --data-dir DIR --questions FILE.jsonl \
        [--tree old=/tmp/old --tree new=.] [-n 200] [--concurrency 4] [--rounds 2] [--warm 60] \
        [--processes 1] [--json-api] [--suffix digits|hex] [--unseen] [--env LABEL:KEY=VALUE] [--settle S]

Each round starts each tree's service (`python -m service`, PYTHONPATH at the tree, extractive mode, the
same environment as bench/load_bench.py) on the same DATA_DIR, asks --warm questions (caches fill as in a
service that has run a while; 0: measure a cold process), then -n unique questions, --concurrency at a time
(closed loop: the service is never idle and never over-queued), reading each SSE stream to its end. The CPU
seconds each process of the service spent during those -n answers (user + system, from /proc via psutil)
divided by -n is what one answer costs that process; a process can answer at most 1000 / that many answers
per second per core. CPU time does not depend on how busy the machine is the way wall-clock latency does,
so a loaded machine gives comparable figures (the wall-clock answers/s are printed too, for reference).
Every question is unique, so the answer cache never answers: a suffix "(NNNNNNN-i)" of digits only
(`--suffix digits`, the default: no new word, so the question's analysis is what a site's own vocabulary
costs) or "(3fa9c1-i)" as bench/load_bench.py writes it (`--suffix hex`: a new word in every question, which
becomes a key term of its own and costs a German word analysis per answer).
Each round also prints the service's start-up time (start to /readyz 200), the CPU it spent in the --settle
seconds it is left idle after that (the passage warm-up, PASSAGE_WARMUP, runs then: it waits while answers
are in flight) and the resident memory of its processes after settling and after the measured answers.
`--env new-off:PASSAGE_WARMUP=false` sets a variable for one tree's services (a tree may be listed twice
under two labels).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
import psutil  # noqa: E402

from auskunft.testing.service import checkout_service  # noqa: E402


def load_questions(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(d.get("question") or d.get("text"))
    return [q for q in out if q]


def cpu_by_role(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) of the service's processes: 'guard' (the root) and 'workers'."""
    root = psutil.Process(pid)
    out = {"guard": 0.0, "workers": 0.0}
    for p in [root, *root.children(recursive=True)]:
        try:
            t = p.cpu_times()
            role = "guard" if p.pid == pid else "workers"
            out[role] += t.user + t.system
        except psutil.NoSuchProcess:
            continue
    return out


def client_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def ask(c: httpx.AsyncClient, question: str, stream: bool) -> str:
    if not stream:
        r = await c.post("/api/chat", params={"stream": "false"}, json={"message": question})
        return "done" if r.status_code == 200 else f"http {r.status_code}"
    last = ""
    async with c.stream("POST", "/api/chat", json={"message": question}) as resp:
        if resp.status_code != 200:
            await resp.aread()
            return f"http {resp.status_code}"
        async for line in resp.aiter_lines():
            if line.startswith("event:"):
                last = line[6:].strip()
    return last or "no end"


async def closed_loop(url: str, questions: list[str], concurrency: int, stream: bool) -> list[str]:
    queue = list(reversed(questions))
    kinds: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, trust_env=False, limits=limits) as c:

        async def worker() -> None:
            while queue:
                kinds.append(await ask(c, queue.pop(), stream))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return kinds


def rss_mb(pid: int) -> float:
    root = psutil.Process(pid)
    total = 0
    for p in [root, *root.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def measure(url: str, pid: int, questions: list[str], concurrency: int, stream: bool) -> dict:
    before, c0, t0 = cpu_by_role(pid), client_cpu(), time.perf_counter()
    kinds = asyncio.run(closed_loop(url, questions, concurrency, stream))
    wall = time.perf_counter() - t0
    after, c1 = cpu_by_role(pid), client_cpu()
    n = len(questions)
    row = {k: (after[k] - before[k]) * 1000 / n for k in before}
    row["client"] = (c1 - c0) * 1000 / n
    row["answers_per_s"] = n / wall
    row["not_done"] = sum(k != "done" for k in kinds)
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--questions", type=Path, required=True)
    p.add_argument("--tree", action="append", default=[], help="LABEL=PATH (default new=this checkout)")
    p.add_argument("-n", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--warm", type=int, default=60, help="questions asked before measuring (0: cold)")
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--json-api", action="store_true", help="?stream=false (JSON) instead of SSE")
    p.add_argument(
        "--suffix", choices=("digits", "hex"), default="digits", help="what makes questions unique"
    )
    p.add_argument(
        "--unseen",
        action="store_true",
        help="the measured questions follow the warm-up ones in the file, each asked once (no passage "
        "pair, no question the service has seen: needs --warm + -n <= the file's questions)",
    )
    p.add_argument("--env", action="append", default=[], help="LABEL:KEY=VALUE for that tree's services")
    p.add_argument("--settle", type=float, default=0.0, help="seconds the service idles after it is ready")
    args = p.parse_args()
    envs: dict[str, dict[str, str]] = {}
    for item in args.env:
        label, _, kv = item.partition(":")
        key, _, value = kv.partition("=")
        envs.setdefault(label, {})[key] = value
    trees = [t.split("=", 1) for t in args.tree] or [["new", str(REPO)]]
    base = load_questions(args.questions)
    if args.unseen and args.warm + args.n > len(base):
        p.error(f"--unseen needs --warm + -n <= {len(base)} questions")
    results: dict[str, list[dict]] = {label: [] for label, _ in trees}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "sources.yml").write_text("sources: []\n")
        for r in range(args.rounds):
            for label, path in trees if r % 2 == 0 else list(reversed(trees)):
                t_start = time.perf_counter()
                with checkout_service(
                    Path(path).resolve(),
                    args.data_dir,
                    work,
                    label=f"{label}-{r}",
                    processes=args.processes,
                    env=envs.get(label),
                ) as svc:
                    startup_s = time.perf_counter() - t_start
                    idle0 = cpu_by_role(svc.proc.pid)
                    time.sleep(args.settle)
                    idle1 = cpu_by_role(svc.proc.pid)
                    settled = {
                        "startup_s": startup_s,
                        "settle_cpu_s": sum(idle1.values()) - sum(idle0.values()),
                        "rss_settled_mb": rss_mb(svc.proc.pid),
                    }
                    if args.suffix == "hex":
                        tag = uuid.uuid4().hex[:6]
                    else:
                        tag = str(random.randrange(10**6, 10**7))
                    warm = [f"{base[i % len(base)]} ({tag}-{900_000 + i})" for i in range(args.warm)]
                    first = args.warm if args.unseen else 0  # --unseen: none asked before, none twice
                    qs = [f"{base[(first + i) % len(base)]} ({tag}-{i})" for i in range(args.n)]
                    if warm:
                        asyncio.run(closed_loop(svc.url, warm, args.concurrency, not args.json_api))
                    row = measure(svc.url, svc.proc.pid, qs, args.concurrency, not args.json_api)
                    row |= settled | {"rss_end_mb": rss_mb(svc.proc.pid)}
                results[label].append(row)
                print(
                    f"round {r + 1} {label}: "
                    + ", ".join(f"{k} {v:.1f}" for k, v in row.items() if k != "not_done")
                    + f", not done {row['not_done']}",
                    flush=True,
                )
    load = os.getloadavg()
    print(
        f"CPU ms per answer ({args.n} unique questions from {args.questions.name}, {args.suffix} suffix, "
        f"{'each asked once, after the warm-up ones, ' if args.unseen else ''}"
        f"{args.warm} warm-up, "
        f"concurrency {args.concurrency}, {args.processes} process(es), "
        f"{'JSON' if args.json_api else 'SSE'}; median of {args.rounds} rounds; load {load[0]:.1f})"
    )
    print(
        f"{'tree':<8} {'guard':>7} {'workers':>8} {'service':>8} {'client':>7} {'answers/s':>10} "
        f"{'start s':>8} {'settle CPU s':>12} {'RSS MB settled/end':>19}"
    )
    for label, rows in results.items():

        def med(key: str, rows: list[dict] = rows) -> float:
            return statistics.median(r[key] for r in rows)

        print(
            f"{label:<8} {med('guard'):>7.1f} {med('workers'):>8.1f} {med('guard') + med('workers'):>8.1f} "
            f"{med('client'):>7.1f} {med('answers_per_s'):>10.1f} {med('startup_s'):>8.1f} "
            f"{med('settle_cpu_s'):>12.1f} {med('rss_settled_mb'):>9.0f} / {med('rss_end_mb'):>7.0f}"
        )


if __name__ == "__main__":
    main()
