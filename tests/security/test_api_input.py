"""Probe section 1 (public API input) against the real service: every hostile body gets a 4xx with a stable
code, never a 500; JSON only; the OpenAI-compatible endpoint keeps nothing after the answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from auskunft.testing.service import Service, start_service, stop_service
from tests.support.sse import read_events

pytestmark = pytest.mark.timeout(600)
ENDPOINTS = ("/api/chat?stream=false", "/api/feedback", "/v1/chat/completions")
ANSWER_ID = "0" * 32


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory, demo_data: Path, redis_url: str) -> Iterator[Service]:
    """Extractive mode, Redis stores (so what the service keeps can be counted), generous rate limits."""
    redis.Redis.from_url(redis_url).flushdb()
    svc = start_service(
        tmp_path_factory.mktemp("sec-input"),
        demo_data,
        REDIS_URL=redis_url,
        RATE_LIMIT_IP_PER_MIN="10000",
        RATE_LIMIT_SESSION_PER_MIN="10000",
    )
    yield svc
    stop_service(svc)


def _post(svc: Service, path: str, body: bytes | str, content_type: str = "application/json", **headers: str):
    with svc.client() as c:
        raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        return c.post(path, content=raw, headers={"Content-Type": content_type, **headers})


def _error(resp: httpx.Response) -> str:
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.text[:300])
    return resp.json()["error"]["code"]


def _chat_questions(svc: Service) -> list[str]:
    out = []
    for f in sorted((svc.data_dir / "events").glob("events-*.jsonl")):
        out += [e["question"] for e in map(json.loads, f.read_text().splitlines()) if e["kind"] == "chat"]
    return out


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=XyZ",
        "",
    ],
)
@pytest.mark.parametrize("path", ENDPOINTS)
def test_only_json_bodies_so_no_preflight_free_cross_site_post(
    svc: Service, path: str, content_type: str
) -> None:
    """1.08: a CORS "simple" request (no preflight) is refused before anything runs."""
    body = json.dumps({"message": "Beitrag", "messages": [{"role": "user", "content": "Beitrag"}]})
    if content_type.startswith("multipart/"):  # what a cross-site <form enctype="multipart/form-data"> sends
        body = f'--XyZ\r\nContent-Disposition: form-data; name="message"\r\n\r\n{body}\r\n--XyZ--\r\n'
    resp = _post(svc, path, body, content_type, Origin="https://evil.example")
    assert resp.status_code == 415 and resp.json()["error"]["code"] == "unsupported_media_type"
    assert "access-control-allow-origin" not in resp.headers


def test_json_with_charset_is_accepted(svc: Service) -> None:
    resp = _post(
        svc, "/api/chat?stream=false", '{"message": "Spielzeit?"}', "application/json; charset=utf-8"
    )
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize(
    "message",
    [
        "\u200b\u200b\ufeff",
        "\u200d\u200c\u2060",
        "\u00ad\u200e\u202e",
        "\u3164\u2800 \u115f",
        "\u0301\u0301",
        " \u00a0\u3000",
    ],
)
def test_invisible_messages_are_refused_and_not_logged(svc: Service, message: str) -> None:
    """1.03: zero-width / format-character / blank-filler messages are empty."""
    before = len(_chat_questions(svc))
    for path, body in (
        ("/api/chat?stream=false", {"message": message}),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": message}]}),
    ):
        resp = _post(svc, path, json.dumps(body))
        assert _error(resp) in ("invalid_message", "invalid_messages")
    assert len(_chat_questions(svc)) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/chat?stream=false", '{"message": "Beitrag \\ud800 x"}'),
        ("/api/chat?stream=false", '{"message": "Beitrag", "session_id": "\\udfff"}'),
        ("/api/chat?stream=false", '{"message": "Beitrag", "\\ud800": 1}'),
        ("/api/chat", '{"message": "Beitrag \\ud800 x"}'),
        ("/v1/chat/completions", '{"messages": [{"role": "user", "content": "x \\udc00"}]}'),
        (
            "/v1/chat/completions",
            '{"messages": [{"role": "user", "content": [{"type": "text", "text": "\\ud83d"}]}]}',
        ),
        ("/api/feedback", '{"answer_id": "' + ANSWER_ID + '", "rating": "up", "comment": "x\\udfff"}'),
    ],
)
def test_lone_surrogates_are_a_400(svc: Service, path: str, body: str) -> None:
    """1.10: valid JSON, invalid text."""
    assert _error(_post(svc, path, body)) == "invalid_unicode"


@pytest.mark.parametrize("sid", ["abc\n", "abc\r\n", "\nabc", "abc\u2028", "a" * 65, "a b"])
def test_session_ids_must_match_whole(svc: Service, sid: str) -> None:
    """1.12: `$` matched before a trailing newline; the whole id must match."""
    resp = _post(svc, "/api/chat?stream=false", json.dumps({"message": "Spielzeit?", "session_id": sid}))
    assert _error(resp) == "invalid_session"


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("depth", [15_000, 40])
def test_deep_nesting_is_a_400(svc: Service, path: str, depth: int) -> None:
    """1.14: RecursionError in the parser, and merely silly depths, are bad input."""
    body = (
        '{"message": "hi", "messages": [{"role": "user", "content": "hi"}], "x": '
        + "[" * depth
        + "]" * depth
        + "}"
    )
    assert _error(_post(svc, path, body)) == "invalid_json"


@pytest.mark.parametrize(
    "content",
    [
        [{"type": "text", "text": 5}],
        [{"type": "text", "text": None}],
        [{"type": "text"}],
        [{"type": "image_url", "image_url": {"url": "http://127.0.0.1/x.png"}}],
        ["just a string"],
        [[{"type": "text", "text": "nested"}]],
    ],
)
def test_v1_content_parts_must_be_text(svc: Service, content: list) -> None:
    """1.17: non-string parts were a TypeError (500)."""
    resp = _post(
        svc, "/v1/chat/completions", json.dumps({"messages": [{"role": "user", "content": content}]})
    )
    assert _error(resp) == "invalid_messages"


@pytest.mark.parametrize("stream", ["no", "false", 0, 1, None, [], {}])
def test_v1_stream_is_a_boolean(svc: Service, stream: object) -> None:
    body = {"stream": stream, "messages": [{"role": "user", "content": "Spielzeit?"}]}
    resp = _post(svc, "/v1/chat/completions", json.dumps(body))
    if stream is None:  # JSON null: the default (no stream)
        assert resp.status_code == 200 and resp.json()["object"] == "chat.completion"
    else:
        assert _error(resp) == "invalid_stream"


HOSTILE_VALUES: list[object] = [
    None,
    True,
    0,
    -1,
    1e308,
    "",
    " ",
    "\u200b",
    "\x00",
    "x" * 3000,
    [],
    ["a"],
    [1],
    {},
    {"$ne": ""},
    [[[[["deep"]]]]],
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_no_field_value_of_any_type_gives_a_500(svc: Service, path: str) -> None:
    """The class, not the example: every field of every endpoint with every JSON type."""
    fields = {
        "/api/chat?stream=false": {
            "message": "Spielzeit?",
            "session_id": "s-1",
            "sources": ["demo"],
            "lang": "de",
        },
        "/api/feedback": {"answer_id": ANSWER_ID, "rating": "up", "comment": "gut"},
        "/v1/chat/completions": {"messages": [{"role": "user", "content": "Spielzeit?"}], "stream": False},
    }[path]
    seen = set()
    for key in [*fields, "unexpected"]:
        for value in HOSTILE_VALUES:
            resp = _post(svc, path, json.dumps({**fields, key: value}))
            assert resp.status_code < 500, (key, value, resp.status_code, resp.text[:200])
            if not (key == "stream" and value is True):  # the one valid non-default: a stream
                assert resp.headers["content-type"].startswith("application/json")
            seen.add(resp.status_code)
    if path == "/v1/chat/completions":
        for msg in HOSTILE_VALUES:
            resp = _post(svc, path, json.dumps({"messages": [msg]}))
            assert resp.status_code < 500, (msg, resp.text[:200])
    assert 400 in seen


def test_v1_keeps_nothing_after_the_answer(svc: Service, redis_url: str) -> None:
    """1.20: the client's history stays in the request; no session, no answer id is stored for it."""
    r = redis.Redis.from_url(redis_url)
    before = set(r.keys("auskunft:*"))
    history = []
    for _ in range(3):
        history += [{"role": "user", "content": "u" * 5000}, {"role": "assistant", "content": "b" * 5000}]
    messages = [*history, {"role": "user", "content": "Wie lange dauert die Spielzeit?"}]
    for stream in (False, True):
        resp = _post(svc, "/v1/chat/completions", json.dumps({"messages": messages, "stream": stream}))
        assert resp.status_code == 200, resp.text[:300]
    kept = {k.decode() for k in set(r.keys("auskunft:*")) - before}
    # the shared answer cache may hold the answer to the question; nothing holds the conversation
    assert not [k for k in kept if not k.startswith("auskunft:ans:")], kept
    assert not any("u" * 100 in (r.get(k) or b"").decode() for k in kept if r.type(k) == b"string")


def test_widget_chat_still_streams_and_keeps_its_session(svc: Service, redis_url: str) -> None:
    """The stateful widget API is unchanged: its session and the answer id (for feedback) are kept."""
    with (
        svc.client() as c,
        c.stream("POST", "/api/chat", json={"message": "Wie lange dauert die Spielzeit?"}) as resp,
    ):
        events = read_events(resp)
    meta = events[0][2]
    assert events[-1][1] == "done"
    r = redis.Redis.from_url(redis_url)
    assert r.exists(f"auskunft:conv:{meta['session_id']}") and r.exists(
        f"auskunft:answer:{meta['answer_id']}"
    )
