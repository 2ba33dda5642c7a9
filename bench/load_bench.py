"""Open-loop load on the chat API (extractive mode, so no LLM is measured) against a real service process.

    .venv/bin/python bench/load_bench.py [--data-dir DIR] [--rates 5,10,20,40] [--duration 20]
        [--arrivals poisson|fixed] [--visitors 50 --visitor-questions 120] [--json]
        [--search-workers 2 --search-queue 16]

Arrivals are scheduled in advance (Poisson or fixed rate) and sent whether or not earlier requests have
been answered (open loop: a slow service meets more load, not less, as real visitors do). For each rate:
p50/p95 latency of answered requests, the share of `busy` answers (503 / `busy` event: admission control)
and the number of timeout errors (the stream's `error` with code retrieval_timeout, or no answer within
--client-timeout). Then the 50-concurrent-visitors run: --visitor-questions questions, --visitors at a time.
Every question is unique, so the answer cache never answers.

The index: --data-dir (or BENCH_DATA_DIR) points at a DATA_DIR with a live index (it is copied first:
embedded stores allow one process per directory); without it the demo site is crawled and indexed into a
temporary directory. Run it once per vector engine on the same data to compare them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from auskunft.evaluation.metrics import percentile  # noqa: E402
from tests.support.procs import free_port, stop, wait_http  # noqa: E402

QUESTIONS = [
    "Wie hoch ist der Jahresbeitrag für ein Einzelmitglied?",
    "Wann ist die nächste Mitgliederversammlung?",
    "Wie lange dauert die Spielzeit?",
    "Was kostet das Jugendcamp?",
    "Welche Karten gibt es beim Kanupolo?",
    "Wer darf an der Meisterschaft teilnehmen?",
]


@dataclass
class Outcome:
    kind: str  # done | busy | timeout | error | http <status>
    latency_ms: float


@dataclass
class Summary:
    label: str
    outcomes: list[Outcome] = field(default_factory=list)
    wall_s: float = 0.0

    def row(self) -> dict:
        done = [o.latency_ms for o in self.outcomes if o.kind == "done"]
        busy = [o.latency_ms for o in self.outcomes if o.kind == "busy"]
        n = len(self.outcomes)
        return {
            "run": self.label,
            "requests": n,
            "done": len(done),
            "p50_ms": round(percentile(done, 50), 1) if done else None,
            "p95_ms": round(percentile(done, 95), 1) if done else None,
            "busy_share": round(len(busy) / n, 3) if n else 0.0,
            "busy_p95_ms": round(percentile(busy, 95), 1) if busy else None,
            "timeouts": sum(o.kind == "timeout" for o in self.outcomes),
            "errors": sum(o.kind not in ("done", "busy", "timeout") for o in self.outcomes),
            "throughput_rps": round(len(done) / self.wall_s, 1) if self.wall_s else None,
        }


def question(i: int) -> str:
    return f"{QUESTIONS[i % len(QUESTIONS)]} (Frage {i})"


async def ask(c: httpx.AsyncClient, i: int, timeout_s: float) -> Outcome:
    """One SSE chat request read to its last event."""
    t0 = time.perf_counter()
    last, data = "", {}
    try:
        async with asyncio.timeout(timeout_s):
            async with c.stream("POST", "/api/chat", json={"message": question(i)}) as resp:
                if resp.status_code == 503:
                    await resp.aread()
                    return Outcome("busy", (time.perf_counter() - t0) * 1000)
                if resp.status_code != 200:
                    await resp.aread()
                    return Outcome(f"http {resp.status_code}", (time.perf_counter() - t0) * 1000)
                event = ""
                async for line in resp.aiter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event in ("done", "busy", "error"):
                        last, data = event, json.loads(line[5:])
    except TimeoutError:
        return Outcome("timeout", (time.perf_counter() - t0) * 1000)
    except httpx.HTTPError as exc:
        return Outcome(f"error {type(exc).__name__}", (time.perf_counter() - t0) * 1000)
    took = (time.perf_counter() - t0) * 1000
    if last == "error":
        return Outcome(
            "timeout" if data.get("code") == "retrieval_timeout" else f"error {data.get('code')}", took
        )
    return Outcome(last or "error no-end", took)


async def open_loop(
    url: str, rate: float, duration_s: float, arrivals: str, offset: int, timeout_s: float
) -> Summary:
    rng = random.Random(rate)
    times, t = [], 0.0
    while True:
        t += rng.expovariate(rate) if arrivals == "poisson" else 1.0 / rate
        if t >= duration_s:
            break
        times.append(t)
    limits = httpx.Limits(max_connections=2000, max_keepalive_connections=200)
    summary = Summary(f"{arrivals} {rate:g}/s")
    async with httpx.AsyncClient(base_url=url, timeout=None, trust_env=False, limits=limits) as c:
        start = time.perf_counter()

        async def at(i: int, when: float) -> Outcome:
            await asyncio.sleep(max(0.0, start + when - time.perf_counter()))
            return await ask(c, offset + i, timeout_s)

        summary.outcomes = list(await asyncio.gather(*(at(i, w) for i, w in enumerate(times))))
        summary.wall_s = time.perf_counter() - start
    return summary


async def visitors(url: str, n: int, concurrency: int, offset: int, timeout_s: float) -> Summary:
    sem = asyncio.Semaphore(concurrency)
    summary = Summary(f"{concurrency} concurrent visitors, {n} questions")
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=None, trust_env=False, limits=limits) as c:
        start = time.perf_counter()

        async def one(i: int) -> Outcome:
            async with sem:
                return await ask(c, offset + i, timeout_s)

        summary.outcomes = list(await asyncio.gather(*(one(i) for i in range(n))))
        summary.wall_s = time.perf_counter() - start
    return summary


def start(data_dir: Path, work: Path, extra_env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "LLM_", "OPENAI_", "QDRANT_"))}
    env |= {
        "DATA_DIR": str(data_dir),
        "SOURCES_FILE": str(work / "sources.yml"),
        "RATE_LIMIT_IP_PER_MIN": "100000000",
        "RATE_LIMIT_SESSION_PER_MIN": "100000000",
        "LOG_LEVEL": "WARNING",
        "DO_NOT_TRACK": "true",
        **extra_env,
    }
    log = open(work / "service.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=work,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/readyz", proc, 180, log=work / "service.log", interval=0.5)
    return proc, url


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, default=os.environ.get("BENCH_DATA_DIR") or None)
    p.add_argument("--rates", default="5,10,20,40", help="arrival rates (requests/s), comma-separated")
    p.add_argument("--duration", type=float, default=20.0, help="seconds of arrivals per rate")
    p.add_argument("--arrivals", choices=("poisson", "fixed"), default="poisson")
    p.add_argument("--visitors", type=int, default=50)
    p.add_argument("--visitor-questions", type=int, default=120)
    p.add_argument("--client-timeout", type=float, default=30.0)
    p.add_argument("--search-workers", type=int, default=None, help="SEARCH_WORKERS of the service")
    p.add_argument("--search-queue", type=int, default=None, help="SEARCH_QUEUE of the service")
    p.add_argument("--json", action="store_true", help="print the rows as JSON lines too")
    args = p.parse_args()
    extra = {}
    if args.search_workers is not None:
        extra["SEARCH_WORKERS"] = str(args.search_workers)
    if args.search_queue is not None:
        extra["SEARCH_QUEUE"] = str(args.search_queue)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "data"
        if args.data_dir:
            shutil.copytree(args.data_dir, data)
        else:
            from tests.support.demo_index import build_demo_data

            t0 = time.perf_counter()
            build_demo_data(data)
            print(f"demo index built in {time.perf_counter() - t0:.1f} s")
        (work / "sources.yml").write_text("sources: []\n")
        proc, url = start(data, work, extra)
        rows = []
        try:
            asyncio.run(visitors(url, 8, 2, 900_000, args.client_timeout))  # warm-up
            for k, rate in enumerate(float(r) for r in args.rates.split(",") if r.strip()):
                summary = asyncio.run(
                    open_loop(url, rate, args.duration, args.arrivals, (k + 1) * 100_000, args.client_timeout)
                )
                rows.append(summary.row())
            if args.visitors:
                rows.append(
                    asyncio.run(
                        visitors(url, args.visitor_questions, args.visitors, 50_000, args.client_timeout)
                    ).row()
                )
        finally:
            stop(proc, timeout=10, group=False)
    source = str(args.data_dir) if args.data_dir else "demo site (built now)"
    print(f"load bench: extractive mode, data {source}, SSE /api/chat, service env {extra or 'defaults'}")
    print(
        f"{'run':<38} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'busy':>6} {'busy p95':>9} {'timeouts':>8} {'errors':>6} {'done/s':>7}"
    )
    for r in rows:
        print(
            f"{r['run']:<38} {r['requests']:>5} {r['p50_ms'] or '-':>8} {r['p95_ms'] or '-':>8} "
            f"{r['busy_share']:>6.1%} {r['busy_p95_ms'] or '-':>9} {r['timeouts']:>8} {r['errors']:>6} "
            f"{r['throughput_rps'] or '-':>7}"
        )
    if args.json:
        for r in rows:
            print(json.dumps(r))


if __name__ == "__main__":
    main()
