"""Probe sections 3 and 6.02 against the real service: the client IP behind a proxy, IPv6 prefixes,
feedback only for issued answers, and admission control under a burst."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from auskunft.testing.service import Service, start_service, stop_service
from tests.support.sse import read_events

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory, demo_data: Path) -> Iterator[Service]:
    """Behind a proxy on loopback (TRUST_PROXY, default TRUSTED_PROXIES), 3 chat requests per client and minute,
    one search worker and one queue place (so a burst meets admission control)."""
    svc = start_service(
        tmp_path_factory.mktemp("sec-abuse"),
        demo_data,
        TRUST_PROXY="true",
        RATE_LIMIT_IP_PER_MIN="3",
        RATE_LIMIT_SESSION_PER_MIN="100",
        SEARCH_WORKERS="1",
        SEARCH_QUEUE="1",
    )
    yield svc
    stop_service(svc)


def _chat(svc: Service, xff: str | None, message: str = "Spielzeit?") -> httpx.Response:
    headers = {"X-Forwarded-For": xff} if xff is not None else {}
    with svc.client() as c:
        return c.post("/api/chat?stream=false", json={"message": message}, headers=headers)


def test_client_ip_is_the_rightmost_untrusted_hop(proxied: Service) -> None:
    """3.05: a proxy that appends sends "<whatever the client wrote>, <real client>"; rotating the left part
    must not buy new budgets."""
    statuses = [_chat(proxied, f"198.51.100.{i}, 203.0.113.7").status_code for i in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]
    # the real client behind a chain of trusted proxies (10.x, 172.16.x) is still found
    statuses = [
        _chat(proxied, f"192.0.2.{i}, 203.0.113.8, 10.1.2.3, 172.16.0.9").status_code for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    # different real clients behind the same proxy have their own budgets
    assert _chat(proxied, "203.0.113.9, 10.0.0.1").status_code == 200
    assert _chat(proxied, "203.0.113.10, 10.0.0.1").status_code == 200


def test_garbage_in_forwarded_headers_does_not_help(proxied: Service) -> None:
    """Unparseable hops: left of the client they are ignored; at the right end (a proxy that did not append)
    every such request falls back to the proxy's own bucket, one for all of them."""
    statuses = [_chat(proxied, f"junk-{i}, 203.0.113.20").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    statuses = [_chat(proxied, f"203.0.113.{i}, junk").status_code for i in range(21, 25)]
    assert statuses == [200, 200, 200, 429]


def test_ipv6_clients_share_a_budget_per_64(proxied: Service) -> None:
    """3.06: one subscriber's /64 is one bucket; the next /64 is another."""
    statuses = [_chat(proxied, f"2001:db8:5:6::{i:x}, 10.0.0.1").status_code for i in range(1, 6)]
    assert statuses == [200, 200, 200, 429, 429]
    assert _chat(proxied, "[2001:db8:5:7::1]:4433, 10.0.0.1").status_code == 200
    # an IPv4-mapped address is the IPv4 client
    statuses = [_chat(proxied, f"::ffff:203.0.113.30, 10.0.0.{i}").status_code for i in range(1, 5)]
    assert statuses == [200, 200, 200, 429]


def test_forwarded_headers_are_ignored_without_trust_proxy() -> None:
    """3.02 (a pass kept as a regression test): without TRUST_PROXY the peer address is the client."""
    from robyn import Headers

    from service.http import client_ip, parse_trusted, rate_key

    class Req:
        ip_addr = "127.0.0.1"
        headers = Headers({"x-forwarded-for": "198.51.100.7, 10.0.0.1"})

    trusted = parse_trusted("127.0.0.0/8,10.0.0.0/8")
    assert client_ip(Req(), False, trusted) == "127.0.0.1"  # type: ignore[arg-type]
    assert client_ip(Req(), True, trusted) == "198.51.100.7"  # type: ignore[arg-type]
    Req.ip_addr = "203.0.113.99"  # a peer that is not a trusted proxy cannot forward for anyone
    assert client_ip(Req(), True, trusted) == "203.0.113.99"  # type: ignore[arg-type]
    assert rate_key("2001:db8:1:2:3:4:5:6") == rate_key("2001:db8:1:2::9") != rate_key("2001:db8:1:3::9")
    assert rate_key("::ffff:192.0.2.1") == rate_key("192.0.2.1") == "ip:192.0.2.1"


def _feedback(svc: Service, answer_id: str, xff: str, **extra: object) -> httpx.Response:
    with svc.client() as c:
        return c.post(
            "/api/feedback",
            json={"answer_id": answer_id, "rating": "up", **extra},
            headers={"X-Forwarded-For": xff},
        )


def _feedback_events(svc: Service) -> list[dict]:
    out = []
    for f in sorted((svc.data_dir / "events").glob("events-*.jsonl")):
        out += [e for e in map(json.loads, f.read_text().splitlines()) if e["kind"] == "feedback"]
    return out


def test_feedback_only_once_and_only_for_issued_answers(proxied: Service) -> None:
    """6.02: an invented answer id is refused; a real one counts once."""
    unknown = _feedback(proxied, "f" * 32, "203.0.113.40, 10.0.0.1")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_answer"
    answer = _chat(proxied, "203.0.113.41, 10.0.0.1", "Wie lange dauert die Spielzeit?").json()
    first = _feedback(proxied, answer["answer_id"], "203.0.113.42, 10.0.0.1", comment="gut")
    again = _feedback(proxied, answer["answer_id"], "203.0.113.43, 10.0.0.1", rating="down")
    assert first.status_code == 200 and again.status_code == 400
    assert again.json()["error"]["code"] == "unknown_answer"
    logged = [e for e in _feedback_events(proxied) if e["answer_id"] in (answer["answer_id"], "f" * 32)]
    assert [(e["answer_id"], e["rating"]) for e in logged] == [(answer["answer_id"], "up")]
    # a bad rating does not use up the answer's one feedback
    second = _chat(proxied, "203.0.113.44, 10.0.0.1", "Wie lange dauert die Spielzeit?").json()
    bad = _feedback(proxied, second["answer_id"], "203.0.113.45, 10.0.0.1", rating="meh")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_rating"
    assert _feedback(proxied, second["answer_id"], "203.0.113.45, 10.0.0.1").status_code == 200


def test_burst_beyond_the_search_queue_gets_quick_busy_answers(proxied: Service) -> None:
    """3.07: past the bound a quick 503 / `busy` event with Retry-After, never a timeout; nothing hangs."""
    svc = proxied
    results: list[tuple[str, float, dict]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(40)

    def visitor(i: int) -> None:
        barrier.wait()
        t0 = time.monotonic()
        body = {"message": f"Wie lange dauert die Spielzeit im Spiel Nummer {i}?"}
        xff = {"X-Forwarded-For": f"198.18.{i}.1, 10.0.0.1"}  # one visitor each (own rate-limit budget)
        with httpx.Client(base_url=svc.url, timeout=60, trust_env=False, headers=xff) as c:
            if i % 2:
                resp = c.post("/api/chat?stream=false", json=body)
                kind = {200: "done", 503: "busy"}.get(resp.status_code, f"http {resp.status_code}")
                info = {"retry_after": resp.headers.get("retry-after"), "body": resp.json()}
            else:
                with c.stream("POST", "/api/chat", json=body) as resp:
                    if resp.status_code == 503:
                        kind, info = (
                            "busy",
                            {"retry_after": resp.headers.get("retry-after"), "body": json.loads(resp.read())},
                        )
                    else:
                        events = read_events(resp)
                        kind, info = events[-1][1], events[-1][2]
        with lock:
            results.append((kind, time.monotonic() - t0, info))

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    kinds = [k for k, _, _ in results]
    assert len(results) == 40 and set(kinds) <= {"done", "busy"}, kinds
    assert kinds.count("busy") >= 1 and kinds.count("done") >= 2, kinds
    for kind, took, info in results:
        if kind == "busy":
            retry = info.get("retry_after_s") or int(info["retry_after"])
            assert retry >= 1
            code = info.get("code") or info["body"]["error"]["code"]
            assert code == "busy"
    busy_times = sorted(t for k, t, _ in results if k == "busy")
    assert busy_times[len(busy_times) // 2] < 5, busy_times  # quick refusals, not 10 s timeouts
