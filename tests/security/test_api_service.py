"""Probe 2, the HTTP layer (issue 16: N1-N4) against the real service process: no request can stop it,
bodies are bounded while they stream in, and every refusal is JSON with a stable code. Malformed requests
are written to raw sockets (no client library would send them)."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from auskunft.proctree import tree_rss_mb
from auskunft.testing.service import Service, start_service, stop_service

pytestmark = pytest.mark.timeout(600)
HEAD = b"POST /api/chat?stream=false HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
JSON_ENDPOINTS = ("/api/chat?stream=false", "/api/chat", "/api/feedback", "/v1/chat/completions")


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory, demo_data: Path) -> Iterator[Service]:
    svc = start_service(
        tmp_path_factory.mktemp("sec-service"),
        demo_data,
        RATE_LIMIT_IP_PER_MIN="100000",
        RATE_LIMIT_SESSION_PER_MIN="100000",
        GUARD_WORKER_WAIT_S="180",  # a worker's start-up on a loaded 2-core machine can take a minute
    )
    yield svc
    stop_service(svc)


def _addr(svc: Service) -> tuple[str, int]:
    host, port = svc.url.removeprefix("http://").split(":")
    return host, int(port)


def _raw(svc: Service, data: bytes, *, half_close: bool = True) -> tuple[int, dict]:
    """Send bytes, read the answer to its end; (status, JSON body)."""
    with socket.create_connection(_addr(svc), timeout=30) as s:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    head, _, body = out.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"application/json" in head.lower(), head
    return status, json.loads(body)


def _answers(svc: Service) -> bool:
    with svc.client() as c:
        return c.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("bad hex chunk size", b"zz\r\n{}\r\n0\r\n\r\n"),
        ("chunk size beyond 64 bits", b"ffffffffffffffffff\r\n{}\r\n0\r\n\r\n"),
        ("chunk shorter than announced", b"10\r\n{}\r\n"),
        ("no CRLF after the chunk", b"2\r\n{}XX0\r\n\r\n"),
    ],
)
def test_malformed_chunked_body_is_a_400_and_the_service_still_answers(
    svc: Service, name: str, body: bytes
) -> None:
    """N3: Robyn panics on these (src/types/request.rs) and the process exits; now they end at the guard."""
    status, err = _raw(svc, HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + body)
    assert status == 400 and err["error"]["code"] == "malformed_request", (name, err)
    assert _answers(svc)
    assert svc.proc.poll() is None


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        (b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400, "malformed_request"),
        (b"Transfer-Encoding: gzip, chunked\r\n", 501, "unsupported_transfer_encoding"),
        (b"Content-Length: 1e3\r\n", 400, "malformed_request"),
        (b"Content-Length: 3\r\nContent-Length: 4\r\n", 400, "malformed_request"),
        (b"X-Big: " + b"a" * 100_000 + b"\r\n", 431, "headers_too_large"),
    ],
)
def test_bad_framing_is_refused_as_json(svc: Service, headers: bytes, status: int, code: str) -> None:
    got, err = _raw(svc, HEAD + headers + b"\r\n{}")
    assert (got, err["error"]["code"]) == (status, code)
    assert _answers(svc)


def _send_big(svc: Service, mb: int, chunked: bool, out: list) -> None:
    """Send the head, then the body while no answer has come; records the answer's status line (or b"" when
    the connection was reset under a chunked body before the answer could be read)."""
    size = b"Content-Length: %d\r\n\r\n" % (mb << 20)
    head = HEAD + (b"Transfer-Encoding: chunked\r\n\r\n" if chunked else size)
    block = b"1" * (1 << 20)
    answer = b""
    try:
        with socket.create_connection(_addr(svc), timeout=60) as s:
            s.sendall(head)
            s.settimeout(0.5)
            try:
                answer = s.recv(200)
            except TimeoutError:
                s.settimeout(60)
                for _ in range(mb):
                    s.sendall(b"100000\r\n" + block + b"\r\n" if chunked else block)
                answer = s.recv(200)
    except OSError:  # refused and closed while this client was still sending
        pass
    out.append(answer.split(b"\r\n", 1)[0])


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_four_concurrent_300_mb_bodies_cost_the_service_at_most_100_mb(svc: Service, chunked: bool) -> None:
    """N4: the bodies are refused while they stream in (Content-Length before reading, chunked as counted);
    the service's whole process tree (guard and worker), read from /proc, grows by at most 100 MB."""
    before = tree_rss_mb(svc.proc.pid)
    peak, answers = before, []
    threads = [threading.Thread(target=_send_big, args=(svc, 300, chunked, answers)) for _ in range(4)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, tree_rss_mb(svc.proc.pid))
        time.sleep(0.02)
    assert peak - before <= 100, (before, peak)
    assert all(a.startswith(b"HTTP/1.1 413") or (chunked and a == b"") for a in answers), answers
    assert any(a.startswith(b"HTTP/1.1 413") for a in answers), answers
    assert _answers(svc)


def test_too_large_body_is_refused_before_it_is_sent(svc: Service) -> None:
    """Content-Length over the limit: the 413 comes before one body byte is read (Expect: 100-continue is
    answered with the refusal, not with 100)."""
    status, err = _raw(
        svc, HEAD + b"Content-Length: 100000000000\r\nExpect: 100-continue\r\n\r\n", half_close=False
    )
    assert status == 413 and err["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_json_integer_beyond_the_conversion_limit_is_a_400(svc: Service, path: str) -> None:
    """N2: an integer of 5,000 digits was a 500 with a traceback on every JSON endpoint."""
    body = '{"message": "Beitrag", "messages": [], "x": ' + "1" * 5000 + "}"
    with svc.client() as c:
        r = c.post(path, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json", r.text


@pytest.mark.parametrize("path", ["/api/chat?stream=false", "/console/login", "/healthz"])
def test_malformed_multipart_is_a_json_4xx(svc: Service, path: str) -> None:
    """N1: Robyn parses multipart before any route runs (plain-text 500 when it is malformed); no endpoint
    takes multipart, so the guard refuses it by its media type, well-formed or not."""
    for body in (b"message=hi", b'--x\r\nContent-Disposition: form-data; name="m"\r\n\r\nhi\r\n--x--\r\n'):
        with svc.client() as c:
            r = c.post(path, content=body, headers={"Content-Type": "multipart/form-data; boundary=x"})
        assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type", r.text
    assert _answers(svc)


def test_the_client_address_reaches_the_worker_and_cannot_be_forged(svc: Service) -> None:
    """Behind the guard the worker's peer is loopback; the guard names the client, and a client that sends the
    guard's own headers changes nothing (it does not know the secret): both questions below come from one
    client in the chat log."""
    with svc.client() as c:
        for headers in ({}, {"X-Auskunft-Peer": "203.0.113.9", "X-Auskunft-Guard": "guess"}):
            r = c.post("/api/chat?stream=false", json={"message": "Wer darf spielen?"}, headers=headers)
            assert r.status_code == 200, r.text
    events = []
    for f in sorted((svc.data_dir / "events").glob("events-*.jsonl")):
        events += [json.loads(line) for line in f.read_text().splitlines()]
    clients = [e.get("client") for e in events if e.get("question") == "Wer darf spielen?"]
    assert len(clients) == 2 and clients[0] == clients[1] and clients[0], clients


def _worker_pid(sup: int) -> int:
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if int(Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[1]) == sup:
                    return int(d)
            except (OSError, IndexError, ValueError):
                continue
    raise AssertionError("no worker process")


@pytest.mark.slow
def test_a_dead_worker_is_restarted_and_requests_wait_for_it(svc: Service) -> None:
    """Defence in depth for any other way a worker can die: kill -9 it; the supervisor starts another at
    once, the guard keeps the public socket, and requests sent meanwhile are answered late, not refused."""
    victim = _worker_pid(svc.proc.pid)
    os.kill(victim, signal.SIGKILL)
    t0 = time.monotonic()
    with httpx.Client(base_url=svc.url, timeout=120, trust_env=False) as c:
        r = c.get("/healthz")  # sent while no worker is up
    gap = time.monotonic() - t0
    assert r.status_code == 200
    assert _worker_pid(svc.proc.pid) != victim
    log = (svc.data_dir.parent / "service.log").read_text()
    assert "exited with -9; starting it again in 0.0 s" in log
    print(f"answered again after {gap:.1f} s")
