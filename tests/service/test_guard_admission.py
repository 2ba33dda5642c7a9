"""Admission of answers in the guard (service/guard_admission.py): the real Guard on a loopback port in front
of a scripted HTTP/1.1 worker on another, so that a test decides when the worker answers. A burst beyond
the bound gets the service's `busy` from the guard at once while the worker is blocked; slots come back when
the client goes away, when the worker dies and when a request hangs; other routes are never refused."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import h11
import httpx
import pytest

from auskunft.testing.service import ORIGIN as TEST_ORIGIN
from auskunft.testing.service import start_service, stop_service
from service.guard import Guard, GuardLimits
from service.guard_admission import AdmissionLimits, AnswerAdmission, Ticket, is_answer

pytestmark = pytest.mark.timeout(60)  # the real service's test below: 300
ORIGIN = "https://www.verein.example"


@dataclass
class Worker:
    """A scripted worker: answer requests (POST /api/chat, /v1/chat/completions) wait for `gate` (or `delay`
    seconds), then answer 200 with `chunks` SSE chunks `chunk_gap` s apart; everything else answers at once."""

    delay: float = 0.0
    gate: asyncio.Event | None = None
    chunks: int = 1
    chunk_gap: float = 0.0
    received: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)  # answers whose last byte was sent
    lost: list[str] = field(default_factory=list)  # answers whose connection went away half-way
    writers: set[asyncio.StreamWriter] = field(default_factory=set)
    port: int = 0
    server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._conn, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def connect(self, deadline: float) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)

    def crash(self) -> None:
        """Like a worker killed mid-answer: every connection reset."""
        for w in list(self.writers):
            w.transport.abort()

    async def _conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                req = None
                while True:
                    ev = conn.next_event()
                    if ev is h11.NEED_DATA:
                        data = await reader.read(65536)
                        conn.receive_data(data)
                        if not data and req is None:
                            return
                        continue
                    if isinstance(ev, h11.Request):
                        req = ev
                    elif isinstance(ev, h11.EndOfMessage | h11.ConnectionClosed):
                        break
                if req is None:
                    return
                await self._answer(conn, writer, req)
                conn.start_next_cycle()
        except (ConnectionError, h11.ProtocolError):
            pass
        finally:
            self.writers.discard(writer)
            writer.close()

    async def _answer(self, conn: h11.Connection, writer: asyncio.StreamWriter, req: h11.Request) -> None:
        path = req.target.decode()
        self.received.append(path)
        if not is_answer(req.method, req.target):
            body = json.dumps({"ok": True, "path": path}).encode()
            head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            writer.write(conn.send(h11.Response(status_code=200, headers=head)))
            writer.write(conn.send(h11.Data(data=body)) + conn.send(h11.EndOfMessage()))
            await writer.drain()
            return
        if self.gate is not None:
            await self.gate.wait()
        await asyncio.sleep(self.delay)
        head = [(b"content-type", b"text/event-stream"), (b"transfer-encoding", b"chunked")]
        writer.write(conn.send(h11.Response(status_code=200, headers=head)))
        try:
            for i in range(self.chunks):
                writer.write(conn.send(h11.Data(data=f"event: token\ndata: {i}\n\n".encode())))
                await writer.drain()
                await asyncio.sleep(self.chunk_gap)
            writer.write(
                conn.send(h11.Data(data=b"event: done\ndata: {}\n\n")) + conn.send(h11.EndOfMessage())
            )
            await writer.drain()
        except ConnectionError:
            self.lost.append(path)
            raise
        self.finished.append(path)


@contextlib.asynccontextmanager
async def guarded(
    worker: Worker, max_wait_s: float = 1.0
) -> AsyncIterator[tuple[Guard, AnswerAdmission, str]]:
    await worker.start()
    adm = AnswerAdmission(
        AdmissionLimits(max_wait_s=max_wait_s, allowed_origins=(ORIGIN,)), workers=lambda: 1
    )
    guard = Guard(worker.connect, "test-secret", GuardLimits(worker_wait_s=2.0), adm)
    server = await guard.serve("127.0.0.1", 0)
    try:
        yield guard, adm, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        assert worker.server is not None
        worker.server.close()


def client(url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url, timeout=20, trust_env=False, limits=httpx.Limits(max_connections=100)
    )


async def until(cond, timeout_s: float = 5.0) -> float:  # noqa: ANN001 - a callable returning bool
    t0 = time.monotonic()
    while not cond():
        assert time.monotonic() - t0 < timeout_s, "condition not reached in time"
        await asyncio.sleep(0.01)
    return time.monotonic() - t0


async def learn(c: httpx.AsyncClient, adm: AnswerAdmission, n: int = 4) -> None:
    """A few answers one after another, so that the guard has measured the worker's per-answer time."""
    for _ in range(n):
        r = await c.post("/api/chat", json={"message": "Wann ist das Training?"})
        assert r.status_code == 200 and "event: done" in r.text
    assert adm.measured


@pytest.mark.asyncio
async def test_a_burst_beyond_the_bound_gets_busy_from_the_guard_while_the_worker_is_blocked() -> None:
    """The worker takes 0.3 s per answer; with the bound at 1 s the guard lets 4 answers wait (expected waits
    0, 0.3, 0.6, 0.9 s) and answers the other 8 of a burst of 12 itself, at once, while the worker has not
    answered any: 503, the service's JSON `busy`, Retry-After, CORS for the widget's origin. When the worker
    is free again they are answered and the next visitor is admitted."""
    worker = Worker(delay=0.3)
    async with guarded(worker) as (_, adm, url), client(url) as c:
        await learn(c, adm)
        assert 0.29 <= adm.service_s < 0.4, adm.service_s
        admitted = int(1.0 // adm.service_s) + 1  # 4 (waits 0, 0.3, 0.6, 0.9 s) unless the machine is slow
        worker.gate, worker.delay = asyncio.Event(), 0.0
        worker.received.clear()
        worker.finished.clear()
        t0 = time.monotonic()

        async def ask(i: int) -> tuple[httpx.Response, float]:
            r = await c.post(
                "/api/chat?stream=true", json={"message": f"Frage {i}"}, headers={"Origin": ORIGIN}
            )
            return r, time.monotonic() - t0

        tasks = [asyncio.create_task(ask(i)) for i in range(12)]
        await until(lambda: sum(t.done() for t in tasks) == 12 - admitted)
        busy = [t.result() for t in tasks if t.done()]
        assert len(worker.received) == admitted == adm.inflight and worker.finished == []
        assert adm.refused == 12 - admitted
        for r, took in busy:
            assert took < 0.5, took
            assert r.status_code == 503
            assert r.json()["error"]["code"] == "busy" and r.json()["error"]["request_id"]
            assert int(r.headers["retry-after"]) >= 1
            assert r.headers["access-control-allow-origin"] == ORIGIN
            assert "Retry-After" in r.headers["access-control-expose-headers"]
            assert r.headers["content-type"].startswith("application/json")
        worker.gate.set()
        answered = [(await t)[0] for t in tasks]
        assert sum(r.status_code == 200 and "event: done" in r.text for r in answered) == admitted
        assert sum(r.status_code == 503 for r in answered) == 12 - admitted
        assert adm.inflight == 0
        r = await c.post("/api/chat", json={"message": "noch eine"})
        assert r.status_code == 200


@pytest.mark.asyncio
async def test_the_busy_answer_keeps_the_connection_and_carries_no_cors_for_other_origins() -> None:
    worker = Worker(gate=asyncio.Event())
    async with guarded(worker, max_wait_s=0.0) as (_, adm, url), client(url) as c:
        first = asyncio.create_task(c.post("/v1/chat/completions", json={"messages": []}))
        await until(lambda: adm.inflight == 1)
        r = await c.post(
            "/v1/chat/completions", json={"messages": []}, headers={"Origin": "https://evil.example"}
        )
        assert r.status_code == 503 and r.json()["error"]["code"] == "busy"
        assert "access-control-allow-origin" not in r.headers and r.headers.get("connection") != "close"
        assert worker.received == ["/v1/chat/completions"]
        assert worker.gate is not None
        worker.gate.set()
        assert (await first).status_code == 200


@pytest.mark.asyncio
async def test_the_guards_busy_is_the_workers_busy() -> None:
    """The widget must not tell them apart: the same status, JSON body and headers (CORS for an allowed
    origin with Retry-After exposed, security headers, the request id) as the worker's own refusal
    (service.http.error_response of a ServiceBusyError)."""
    from auskunft.errors import ServiceBusyError
    from service.http import cors_headers, error_response

    worker = Worker(gate=asyncio.Event())
    async with guarded(worker, max_wait_s=0.0) as (_, adm, url), client(url) as c:
        held = asyncio.create_task(c.post("/api/chat", json={"message": "hält den Worker"}))
        await until(lambda: adm.inflight == 1)
        r = await c.post(
            "/api/chat", json={"message": "x"}, headers={"Origin": ORIGIN, "X-Request-ID": "rid-7"}
        )
        assert worker.gate is not None
        worker.gate.set()
        await held

    class _Req:  # what cors_headers reads of a Robyn request
        headers = {"origin": ORIGIN}

    cors = cors_headers(_Req(), [ORIGIN])  # type: ignore[arg-type]
    expected = error_response(
        ServiceBusyError("m", retry_after_s=int(r.headers["retry-after"])), "rid-7", cors
    )
    want = {k: v[0] for k, v in expected.headers.get_headers().items()}
    got = {k: v for k, v in r.headers.items() if k in want}
    assert r.status_code == expected.status_code == 503
    assert got == want
    body, ref = r.json(), json.loads(expected.description)
    assert body["error"].keys() == ref["error"].keys()
    assert body["error"]["code"] == "busy" and body["error"]["request_id"] == "rid-7"


@pytest.mark.asyncio
async def test_other_routes_are_never_refused() -> None:
    """With the answers' bound reached (the worker blocked), health, static files, the console, feedback,
    models, preflights and GETs on the answer paths still reach the worker."""
    worker = Worker(gate=asyncio.Event())
    async with guarded(worker, max_wait_s=0.0) as (_, adm, url), client(url) as c:
        held = asyncio.create_task(c.post("/api/chat", json={"message": "hält den Worker"}))
        await until(lambda: adm.inflight == 1)
        assert (await c.post("/api/chat", json={"message": "x"})).status_code == 503
        for method, path in [
            ("GET", "/healthz"),
            ("GET", "/readyz"),
            ("GET", "/widget.js"),
            ("GET", "/console/login"),
            ("POST", "/console/api/sources"),
            ("POST", "/api/feedback"),
            ("GET", "/v1/models"),
            ("OPTIONS", "/api/chat"),
            ("OPTIONS", "/v1/chat/completions"),
            ("GET", "/api/chat"),
        ]:
            r = await c.request(method, path, json={} if method == "POST" else None)
            assert r.status_code == 200 and r.json()["path"] == path, (method, path, r.status_code)
        assert adm.refused == 1 and adm.inflight == 1
        assert worker.gate is not None
        worker.gate.set()
        await held


@pytest.mark.asyncio
async def test_a_client_that_goes_away_mid_answer_gives_its_slot_back() -> None:
    """The worker streams for up to 10 s; the client reads the first event and closes its connection: the
    guard stops relaying at its next write, closes the worker connection and frees the slot within a
    fraction of a second, not when the answer would have ended."""
    worker = Worker(chunks=200, chunk_gap=0.05)
    async with guarded(worker, max_wait_s=0.0) as (_, adm, url):
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        body = b'{"message": "lang"}'
        writer.write(
            b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        assert (await reader.readuntil(b"event: token")).startswith(b"HTTP/1.1 200")
        assert adm.inflight == 1
        writer.transport.abort()  # the visitor closed the tab
        took = await until(lambda: adm.inflight == 0, timeout_s=3.0)
        assert took < 1.0, took
        await until(lambda: bool(worker.lost))
        assert worker.finished == []
        worker.chunks = 1
        async with client(url) as c:  # the slot is really free: with the bound at 0 s one answer is admitted
            assert (await c.post("/api/chat", json={"message": "danach"})).status_code == 200


@pytest.mark.asyncio
async def test_a_worker_that_dies_gives_the_slots_back() -> None:
    """Requests in flight on a worker that is killed end in the guard's 502 and free their slots; the next
    answer is admitted (the supervisor's restarted worker would take it)."""
    worker = Worker(gate=asyncio.Event())
    async with guarded(worker, max_wait_s=10.0) as (_, adm, url), client(url) as c:
        tasks = [asyncio.create_task(c.post("/api/chat", json={"message": f"q{i}"})) for i in range(3)]
        await until(lambda: len(worker.received) == 3 and adm.inflight == 3)
        worker.crash()
        codes = [(await t).status_code for t in tasks]
        assert codes == [502, 502, 502] and adm.inflight == 0
        worker.gate = None
        assert (await c.post("/api/chat", json={"message": "danach"})).status_code == 200


def test_a_slot_held_past_stale_s_no_longer_counts() -> None:
    """A request that hangs (a worker stuck without dying) stops counting after stale_s; leaving later is
    harmless."""
    now = [0.0]
    adm = AnswerAdmission(
        AdmissionLimits(max_wait_s=0.0, stale_s=60.0), workers=lambda: 1, clock=lambda: now[0]
    )
    stuck = adm.enter()
    assert stuck is not None and adm.enter() is None  # the bound 0 s: one at a time
    now[0] = 61.0
    assert adm.inflight == 0
    fresh = adm.enter()
    assert fresh is not None
    adm.leave(stuck)
    assert adm.inflight == 1
    adm.leave(fresh)
    assert adm.inflight == 0


def test_the_per_answer_time_follows_the_utilization_law() -> None:
    """Two workers, four answers in flight, one finishing every 0.1 s: each worker is busy all the time and
    finishes one per 0.2 s, so an answer costs 0.2 s of a worker and a fifth in flight waits 4 x 0.2 / 2 s.
    Answers the worker's own gate refused (503) are no answer's worth of work. After the overload the
    estimate is back to what the answers take."""
    now = [0.0]
    adm = AnswerAdmission(AdmissionLimits(max_wait_s=2.15), workers=lambda: 2, clock=lambda: now[0])
    tickets = [adm.enter() for _ in range(4)]
    for _ in range(40):
        now[0] += 0.1
        done = tickets.pop(0)
        assert done is not None
        adm.leave(done)
        tickets.append(adm.enter())
    assert adm.service_s == pytest.approx(0.2, rel=0.01)
    assert adm.expected_wait_s() == pytest.approx(0.4, rel=0.01)
    refused_by_worker = adm.enter()
    assert refused_by_worker is not None
    now[0] += 0.001
    refused_by_worker.head(503)
    adm.leave(refused_by_worker)
    in_stream = adm.enter()  # the worker's gate refused it after the stream began
    assert in_stream is not None
    now[0] += 0.001
    in_stream.head(200)
    in_stream.piece(b'event: meta\ndata: {}\n\nevent: busy\ndata: {"code": "busy"}\n\n')
    adm.leave(in_stream)
    assert adm.service_s == pytest.approx(0.2, rel=0.01)
    # the bound: 2.15 s of expected wait at 0.2 s per answer and two workers is 21 in flight, then refusals
    more = [adm.enter() for _ in range(30)]
    assert sum(t is not None for t in more) == 18 and adm.inflight == 22 and adm.refused == 12, adm.service_s
    assert adm.retry_after_s() == 1
    for t in tickets + more:
        if isinstance(t, Ticket):
            adm.leave(t)
    assert adm.inflight == 0 and adm.expected_wait_s() == 0.0


@pytest.mark.parametrize(
    ("method", "target", "answer"),
    [
        (b"POST", b"/api/chat", True),
        (b"POST", b"/api/chat?stream=false", True),
        (b"POST", b"/v1/chat/completions", True),
        (b"GET", b"/api/chat", False),
        (b"OPTIONS", b"/api/chat", False),
        (b"POST", b"/api/feedback", False),
        (b"POST", b"/api/chatx", False),
        (b"GET", b"/healthz", False),
        (b"POST", b"/console/api/crawl", False),
    ],
)
def test_only_the_answer_routes_are_admitted_by_the_guard(method: bytes, target: bytes, answer: bool) -> None:
    assert is_answer(method, target) is answer


def test_the_estimate_is_back_to_normal_seconds_after_slow_answers() -> None:
    """A cold start or an overload made answers slow (1 s of a worker each); then they take 50 ms again.
    The per-answer time spans only the recent work, so within ~2 s of fast answers the guard admits a burst
    of 50 again (expected wait 50 x 50 ms / 2 workers = 1.25 s), and the slow answers are forgotten."""
    now = [0.0]
    adm = AnswerAdmission(AdmissionLimits(max_wait_s=2.0), workers=lambda: 2, clock=lambda: now[0])

    def run(seconds: float, per_answer: float) -> None:
        for _ in range(round(seconds / per_answer)):
            tickets = [adm.enter() for _ in range(2)]  # both workers busy, one answer each at a time
            now[0] += per_answer
            for t in tickets:
                assert t is not None
                adm.leave(t)

    run(10.0, 1.0)
    assert adm.service_s == pytest.approx(1.0, rel=0.01)
    assert sum(adm.enter() is not None for _ in range(50)) == 5  # waits 0, 0, 1, 1.5, 2 s
    adm._inflight.clear()  # noqa: SLF001 - forget the probe without counting it as answers
    run(2.5, 0.05)
    assert adm.service_s == pytest.approx(0.05, rel=0.01)
    burst = [adm.enter() for _ in range(50)]
    assert all(t is not None for t in burst)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_real_service_refuses_a_burst_in_the_guard(tmp_path: Path, demo_data: Path) -> None:
    """`python -m service` wires the admission into its guard (extractive mode): with SEARCH_MAX_WAIT_S=0 and
    one worker one answer runs at a time, the rest of a burst is refused by the guard (its log counts them
    as refused here, none by the worker), with the widget's CORS; health passes meanwhile."""
    svc = start_service(
        tmp_path,
        demo_data,
        ready_s=180,
        SEARCH_MAX_WAIT_S="0",
        LOG_LEVEL="INFO",
        RATE_LIMIT_IP_PER_MIN="100000",
        RATE_LIMIT_SESSION_PER_MIN="100000",
    )
    try:

        async def burst() -> tuple[list[httpx.Response], int]:
            async with client(svc.url) as c:
                asks = [
                    c.post(
                        "/api/chat",
                        json={"message": f"Was kostet das Jugendcamp? {i}"},
                        headers={"Origin": TEST_ORIGIN},
                    )
                    for i in range(20)
                ]
                rs = await asyncio.gather(*asks, c.get("/healthz"))
                await asyncio.sleep(5.5)  # the guard logs its counts at most every 5 s, with an answer ending
                last = await c.post("/api/chat", json={"message": "Wann ist das Training?"})
                return list(rs[:-1]), rs[-1].status_code + last.status_code

        answers, health_and_last = asyncio.run(burst())
        assert health_and_last == 400  # 200 + 200
        busy = [r for r in answers if r.status_code == 503]
        assert len(busy) >= 10 and all(r.status_code in (200, 503) for r in answers)
        for r in busy:
            assert r.json()["error"]["code"] == "busy" and int(r.headers["retry-after"]) >= 1
            assert r.headers["access-control-allow-origin"] == TEST_ORIGIN
        counts = re.findall(
            r"(\d+) refused here, (\d+) by the workers", (tmp_path / "service.log").read_text()
        )
        assert sum(int(here) for here, _ in counts) == len(busy) and all(w == "0" for _, w in counts), counts
    finally:
        stop_service(svc)
