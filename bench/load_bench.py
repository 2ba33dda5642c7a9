"""Open-loop load on the chat API (extractive mode, so no LLM is measured) against real service processes,
optionally an older tree's service beside the current one, row by row in one run.

    .venv/bin/python bench/load_bench.py [--data-dir DIR] [--rates 10,20,40] [--duration 20]
        [--arrivals poisson|fixed] [--visitors 50 --visitor-questions 120] [--overload 200 --recovery 10]
        [--processes N] [--questions FILE.jsonl] [--old-tree DIR --old-data-dir DIR] [--copy] [--json]
        [--search-workers 1 --search-queue 256 --max-wait 2]

Arrivals are scheduled in advance (Poisson or fixed rate) and sent whether or not earlier requests have
been answered (open loop: a slow service meets more load, not less, as real visitors do). For each rate:
p50/p95 latency of answered requests, the share of `busy` answers (503 / `busy` event: admission control)
and the number of timeout errors (the stream's `error` with code retrieval_timeout, or no answer within
--client-timeout). --overload R: R/s for --overload-duration s, then --recovery r/s right after (does the
service answer `busy` fast, "busy p95", and come back? the last request of the recovery phase answered `busy`
is printed after the table). Then the concurrent-visitors run: --visitor-questions questions,
--visitors at a time (--retry-busy 2: each visitor waits out `busy` as the widget does, twice; latency end to
end). Each service first answers --warm-up questions (not counted). Every question is unique (a nonce of digits per service: two services on one DATA_DIR share its answer cache), so the answer cache never answers.

--questions: a JSONL file of questions ("question" or "text"), e.g. datasets/qa/<site>.jsonl or a
benchmark's queries.jsonl; default six German association questions.

The index: --data-dir (or BENCH_DATA_DIR) points at a DATA_DIR with a live index, served in place (several
processes may read the embedded store; --copy serves a copy); without it the demo site is crawled and
indexed into a temporary directory. --old-tree runs the service of another checkout (e.g. `git worktree add
/tmp/old c57c429`) with PYTHONPATH at its src on --old-data-dir (bench/legacy_index.py makes one for trees
from before the qdrant-edge store), and every row runs against old, then new.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


import psutil  # noqa: E402

from auskunft.evaluation.metrics import percentile  # noqa: E402
from auskunft.testing.service import checkout_service  # noqa: E402

QUESTIONS = [
    "Wie hoch ist der Jahresbeitrag für ein Einzelmitglied?",
    "Wann ist die nächste Mitgliederversammlung?",
    "Wie lange dauert die Spielzeit?",
    "Was kostet das Jugendcamp?",
    "Welche Karten gibt es beim Kanupolo?",
    "Wer darf an der Meisterschaft teilnehmen?",
]
# digits only: a hex nonce ("3fa9c1") is a word the key-term check looks for and no passage holds
NONCE = str(uuid.uuid4().int % 10**6)


def load_questions(path: Path | None) -> list[str]:
    if path is None:
        return QUESTIONS
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                text = d.get("question") or d.get("text") or ""
                if text.strip():
                    out.append(text.strip()[:500])
    return out


@dataclass
class Outcome:
    kind: str  # done | busy | timeout | error | http <status>
    latency_ms: float
    retry_after_s: float = 0.0
    sent_s: float = 0.0  # open loop: when it was sent, seconds after its phase began


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
            # the last request of the phase answered `busy` (s after the phase began): when it recovered
            "last_busy_s": round(max(o.sent_s for o in self.outcomes if o.kind == "busy"), 1)
            if busy
            else None,
        }


class Asker:
    def __init__(self, questions: list[str], retry_busy: int = 0) -> None:
        self.questions = questions
        self.retry_busy = retry_busy  # the visitors run: wait out `busy` like the widget, this many times
        # per asker: two services on one DATA_DIR share the answer cache, so old and new must not ask the
        # same strings (the second would answer the first's questions from the cache)
        self.nonce = f"{NONCE}{uuid.uuid4().int % 10**4:04d}"

    async def ask_retrying(self, url: str, i: int, timeout_s: float) -> Outcome:
        """Like the widget: after `busy`, wait Retry-After (at most 10 s) and ask again; latency end to end."""
        t0 = time.perf_counter()
        for attempt in range(self.retry_busy + 1):
            o = await self.ask(url, i, timeout_s)
            if o.kind != "busy" or attempt == self.retry_busy:
                return Outcome(o.kind, (time.perf_counter() - t0) * 1000)
            await asyncio.sleep(min(10.0, max(1.0, o.retry_after_s)))
        raise AssertionError("unreachable")

    def question(self, i: int) -> str:
        return f"{self.questions[i % len(self.questions)]} ({self.nonce}-{i})"

    async def ask(self, url: str, i: int, timeout_s: float) -> Outcome:
        """One SSE chat request read to its last event, on a connection of its own (as distinct visitors
        come), written and read on the bare socket: an HTTP client library costs the bench process ~1-2 ms of
        CPU per request, which at 200/s on a loaded 2-core machine made the client itself the bottleneck."""
        t0 = time.perf_counter()
        host, port = url.removeprefix("http://").rsplit(":", 1)
        body = json.dumps({"message": self.question(i)}).encode()
        req = (
            b"POST /api/chat HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n%s" % (host.encode(), len(body), body)
        )
        writer = None
        try:
            async with asyncio.timeout(timeout_s):
                reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(req)
                head = await reader.readuntil(b"\r\n\r\n")
                raw = await reader.read()  # to the end: the guard closes after the answer (Connection: close)
        except TimeoutError:
            return Outcome("timeout", (time.perf_counter() - t0) * 1000)
        except (OSError, asyncio.IncompleteReadError) as exc:
            return Outcome(f"error {type(exc).__name__}", (time.perf_counter() - t0) * 1000)
        finally:
            if writer is not None:
                writer.close()
        took = (time.perf_counter() - t0) * 1000
        status, headers = _head(head)
        if status == 503:
            return Outcome("busy", took, float(headers.get(b"retry-after") or 5))
        if status != 200:
            return Outcome(f"http {status}", took)
        text = _dechunk(raw) if headers.get(b"transfer-encoding", b"").lower() == b"chunked" else raw
        last, data = "", {}
        event = ""
        for line in text.decode("utf-8", "replace").splitlines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("done", "busy", "error"):
                last, data = event, json.loads(line[5:])
        if last == "error":
            return Outcome(
                "timeout" if data.get("code") == "retrieval_timeout" else f"error {data.get('code')}", took
            )
        if last == "busy":
            return Outcome("busy", took, float(data.get("retry_after_s") or 5))
        return Outcome(last or "error no-end", took)


def _head(head: bytes) -> tuple[int, dict[bytes, bytes]]:
    lines = head.split(b"\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(b" ", 2)[1]), headers


def _dechunk(raw: bytes) -> bytes:
    out, pos = [], 0
    while pos < len(raw):
        end = raw.index(b"\r\n", pos)
        size = int(raw[pos:end].split(b";", 1)[0], 16)
        if size == 0:
            break
        out.append(raw[end + 2 : end + 2 + size])
        pos = end + 2 + size + 2
    return b"".join(out)


def cpu_list(text: str) -> set[int]:
    """ "0", "1,3", "0-3" -> CPU numbers."""
    out: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def arrivals(rate: float, duration_s: float, kind: str, seed: float) -> list[float]:
    rng = random.Random(seed)
    times, t = [], 0.0
    while True:
        t += rng.expovariate(rate) if kind == "poisson" else 1.0 / rate
        if t >= duration_s:
            return times
        times.append(t)


async def open_loop(
    asker: Asker, url: str, phases: list[tuple[float, float]], kind: str, offset: int, timeout_s: float
) -> list[Summary]:
    """Phases of (rate, seconds) back to back; one summary per phase."""
    plan: list[tuple[int, float]] = []  # (phase, when)
    starts: list[float] = []
    start_at = 0.0
    for k, (rate, seconds) in enumerate(phases):
        plan += [(k, start_at + t) for t in arrivals(rate, seconds, kind, rate * 1000 + k)]
        starts.append(start_at)
        start_at += seconds
    summaries = [Summary(f"{kind} {rate:g}/s") for rate, _ in phases]
    start = time.perf_counter()

    async def at(i: int, when: float) -> Outcome:
        await asyncio.sleep(max(0.0, start + when - time.perf_counter()))
        return await asker.ask(url, offset + i, timeout_s)

    outcomes = await asyncio.gather(*(at(i, w) for i, (_, w) in enumerate(plan)))
    for (k, when), o in zip(plan, outcomes, strict=True):
        o.sent_s = when - starts[k]
        summaries[k].outcomes.append(o)
    for (_, seconds), summary in zip(phases, summaries, strict=True):
        summary.wall_s = seconds
    return summaries


async def visitors(
    asker: Asker, url: str, n: int, concurrency: int, offset: int, timeout_s: float
) -> Summary:
    sem = asyncio.Semaphore(concurrency)
    retries = f", busy retried {asker.retry_busy}x" if asker.retry_busy else ""
    summary = Summary(f"{concurrency} visitors at once, {n} q{retries}")
    start = time.perf_counter()

    async def one(i: int) -> Outcome:
        async with sem:
            return await asker.ask_retrying(url, offset + i, timeout_s)

    summary.outcomes = list(await asyncio.gather(*(one(i) for i in range(n))))
    summary.wall_s = time.perf_counter() - start
    return summary


@dataclass
class Target:
    label: str
    tree: Path
    data_dir: Path
    url: str = ""
    pid: int = 0


def start(
    stack: ExitStack,
    target: Target,
    work: Path,
    processes: int,
    extra_env: dict[str, str],
    cpus: set[int] | None = None,
) -> None:
    """The target's checkout serving its data until `stack` closes (auskunft.testing.checkout_service);
    `cpus`: the CPUs its processes may run on (the bench's own affinity while it starts them: inherited by the
    service, its workers and every thread they start)."""
    mine = os.sched_getaffinity(0)
    if cpus:
        os.sched_setaffinity(0, cpus)
    try:
        svc = stack.enter_context(
            checkout_service(
                target.tree, target.data_dir, work, label=target.label, processes=processes, env=extra_env
            )
        )
    finally:
        os.sched_setaffinity(0, mine)
    target.url = svc.url
    target.pid = svc.proc.pid


def service_cpu_s(pid: int) -> float:
    """CPU seconds (user + system, from /proc) of the service's processes so far: the guard and its workers."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            t = proc.cpu_times()
            total += t.user + t.system
    return total


def client_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measured(target: Target, run: Coroutine[Any, Any, list[Summary] | Summary]) -> list[dict]:
    """The rows of `run`'s phases, each with the CPU the service and this client spent on the whole run per
    answer done (ms): what an answer costs on a loaded machine, where wall-clock latency depends on the load."""
    s0, c0 = service_cpu_s(target.pid), client_cpu_s()
    got = asyncio.run(run)
    summaries = got if isinstance(got, list) else [got]
    done = sum(o.kind == "done" for s in summaries for o in s.outcomes)
    svc, client = service_cpu_s(target.pid) - s0, client_cpu_s() - c0
    return [
        {
            "service": target.label,
            **s.row(),
            "svc_cpu_ms": round(svc * 1000 / done, 1) if done else None,
            "client_cpu_ms": round(client * 1000 / done, 1) if done else None,
        }
        for s in summaries
    ]


def print_table(title: str, rows: list[dict]) -> None:
    print(title)
    print(
        f"{'service':<8} {'run':<34} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'busy':>6} {'busy p95':>9} "
        f"{'timeouts':>8} {'errors':>6} {'done/s':>7} {'cpu/ans':>8} {'client':>7}"
    )
    for r in rows:
        print(
            f"{r['service']:<8} {r['run']:<34} {r['requests']:>5} {r['p50_ms'] or '-':>8} {r['p95_ms'] or '-':>8} "
            f"{r['busy_share']:>6.1%} {r['busy_p95_ms'] or '-':>9} {r['timeouts']:>8} {r['errors']:>6} "
            f"{r['throughput_rps'] or '-':>7} {r['svc_cpu_ms'] or '-':>8} {r['client_cpu_ms'] or '-':>7}"
        )
    print(
        "cpu/ans: CPU ms of the service's processes (guard + workers, /proc) per answer done over the run "
        "(overload: over both phases); client: this bench's own"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, default=os.environ.get("BENCH_DATA_DIR") or None)
    p.add_argument("--copy", action="store_true", help="serve a copy of --data-dir")
    p.add_argument("--old-tree", type=Path, default=None, help="another checkout whose service runs too")
    p.add_argument("--old-data-dir", type=Path, default=None, help="the index the old service serves")
    p.add_argument("--old-label", default="old", help="its name in the table (e.g. '1 proc')")
    p.add_argument("--old-processes", type=int, default=1, help="service processes of --old-tree")
    p.add_argument("--new-tree", type=Path, default=REPO, help="the current checkout (default: this one)")
    p.add_argument("--new-label", default="new")
    p.add_argument("--questions", type=Path, default=None)
    p.add_argument("--processes", type=int, default=1, help="service processes of the current tree")
    p.add_argument("--rates", default="10,20,40", help="arrival rates (requests/s), comma-separated")
    p.add_argument(
        "--settle", type=float, default=0.0, help="seconds the started services idle before the rows"
    )
    p.add_argument("--duration", type=float, default=20.0, help="seconds of arrivals per rate")
    p.add_argument("--arrivals", choices=("poisson", "fixed"), default="poisson")
    p.add_argument("--overload", type=float, default=0.0, help="overload rate (requests/s); 0: none")
    p.add_argument("--overload-duration", type=float, default=10.0)
    p.add_argument("--recovery", type=float, default=10.0, help="rate right after the overload")
    p.add_argument("--recovery-duration", type=float, default=10.0)
    p.add_argument("--visitors", type=int, default=50)
    p.add_argument("--visitor-questions", type=int, default=120)
    p.add_argument(
        "--retry-busy", type=int, default=0, help="visitors wait out busy like the widget (it retries 2x)"
    )
    p.add_argument("--client-timeout", type=float, default=30.0)
    p.add_argument(
        "--warm-up",
        type=int,
        default=40,
        help="questions each service answers first (4 at a time), not counted",
    )
    p.add_argument("--search-workers", type=int, default=None, help="SEARCH_WORKERS of the service")
    p.add_argument("--search-queue", type=int, default=None, help="SEARCH_QUEUE of the service")
    p.add_argument("--max-wait", type=float, default=None, help="SEARCH_MAX_WAIT_S of the service")
    p.add_argument("--json", action="store_true", help="print the rows as JSON lines too")
    p.add_argument(
        "--service-cpus",
        default="",
        help="CPUs the services run on, e.g. 1 (their processes and threads inherit it; default: any)",
    )
    p.add_argument("--client-cpus", default="", help="CPUs this bench (the client) runs on, e.g. 0")
    args = p.parse_args()
    service_cpus = cpu_list(args.service_cpus)
    if args.client_cpus:
        os.sched_setaffinity(0, cpu_list(args.client_cpus))
    with contextlib.suppress(ImportError):  # the cheaper event loop for the client too (Robyn brings it)
        import uvloop

        uvloop.install()
    extra = {}
    for flag, key in (
        (args.search_workers, "SEARCH_WORKERS"),
        (args.search_queue, "SEARCH_QUEUE"),
        (args.max_wait, "SEARCH_MAX_WAIT_S"),
    ):
        if flag is not None:
            extra[key] = str(flag)
    questions = load_questions(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "data"
        if args.data_dir and args.copy:
            shutil.copytree(args.data_dir, data)
        elif args.data_dir:
            data = args.data_dir
        else:
            from auskunft.testing.demo_index import build_demo_data

            t0 = time.perf_counter()
            build_demo_data(data)
            print(f"demo index built in {time.perf_counter() - t0:.1f} s")
        (work / "sources.yml").write_text("sources: []\n")
        targets = []
        if args.old_tree:
            if not args.old_data_dir:
                p.error("--old-tree needs --old-data-dir")
            targets.append(Target(args.old_label, args.old_tree.resolve(), args.old_data_dir))
        targets.append(Target(args.new_label, args.new_tree.resolve(), data))
        askers = {t.label: Asker(questions, args.retry_busy) for t in targets}  # distinct strings per target
        rows = []
        with ExitStack() as services:
            for t in targets:
                start(
                    services,
                    t,
                    work,
                    args.processes if t is targets[-1] else args.old_processes,
                    extra,
                    service_cpus,
                )
                asyncio.run(
                    visitors(askers[t.label], t.url, args.warm_up, 4, 900_000, args.client_timeout)
                )  # warm-up
            time.sleep(args.settle)  # the services idle (their passage warm-up, PASSAGE_WARMUP, runs then)
            rates = [float(r) for r in args.rates.split(",") if r.strip()]
            for k, rate in enumerate(rates):
                for t in targets:
                    rows += measured(
                        t,
                        open_loop(
                            askers[t.label],
                            t.url,
                            [(rate, args.duration)],
                            args.arrivals,
                            (k + 1) * 100_000,
                            args.client_timeout,
                        ),
                    )
            if args.overload:
                phases = [(args.overload, args.overload_duration), (args.recovery, args.recovery_duration)]
                for t in targets:
                    over_rows = measured(
                        t,
                        open_loop(
                            askers[t.label], t.url, phases, args.arrivals, 700_000, args.client_timeout
                        ),
                    )
                    over_rows[0]["run"] = f"overload {args.overload:g}/s {args.overload_duration:g} s"
                    over_rows[1]["run"] = f"then {args.recovery:g}/s (recovery)"
                    rows += over_rows
                    time.sleep(2)
            if args.visitors:
                for t in targets:
                    rows += measured(
                        t,
                        visitors(
                            askers[t.label],
                            t.url,
                            args.visitor_questions,
                            args.visitors,
                            50_000,
                            args.client_timeout,
                        ),
                    )
    source = str(args.data_dir) if args.data_dir else "demo site (built now)"
    trees = ", ".join(f"{t.label}: {t.tree}" for t in targets)
    print_table(
        f"load bench: extractive mode, data {source}"
        + (f" (old: {args.old_data_dir})" if args.old_tree else "")
        + f", SSE /api/chat, {trees}, processes {args.old_processes if args.old_tree else '-'} / "
        f"{args.processes}, env {extra or 'defaults'}",
        rows,
    )
    if service_cpus or args.client_cpus:
        print(
            f"pinned: services on CPUs {sorted(service_cpus) or 'any'}, client on CPUs {args.client_cpus or 'any'}"
        )
    for r in rows:
        if r["run"].startswith("then") and r["last_busy_s"] is not None:
            print(
                f"{r['service']}: last `busy` of the recovery phase sent {r['last_busy_s']} s after the overload"
            )
    if args.json:
        for r in rows:
            print(json.dumps(r))


if __name__ == "__main__":
    main()
