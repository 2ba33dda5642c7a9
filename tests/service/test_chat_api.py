"""The chat endpoints against the real service, a real Redis and a scripted OpenAI-compatible LLM."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from auskunft.testing.service import ORIGIN, Service
from tests.support.fake_llm import Behaviour, FakeLLM
from tests.support.sse import read_events

pytestmark = pytest.mark.timeout(180)


def _chat(svc: Service, message: str, **extra: object) -> list[tuple[float, str, dict]]:
    with svc.client() as c, c.stream("POST", "/api/chat", json={"message": message, **extra}) as resp:
        assert resp.status_code == 200, resp.read()
        assert resp.headers["content-type"].startswith("text/event-stream")
        return read_events(resp)


def test_sse_order_streaming_and_pdf_page_citation(service: Service, llm: FakeLLM) -> None:
    llm.script(Behaviour(token_delay_s=0.03))
    events = _chat(service, "Wie hoch ist der Jahresbeitrag für ein Einzelmitglied?")
    names = [e for _, e, _ in events]
    assert names[0] == "meta" and names[1] == "sources" and names[-1] == "done"
    tokens = [(t, d) for t, e, d in events if e == "token"]
    assert len(tokens) >= 3
    assert tokens[-1][0] - tokens[0][0] > 0.05  # arrived over time, not in one buffer
    done = events[-1][2]
    assert done["mode"] == "llm" and done["found"]
    pdf = [c for c in done["citations"] if "beitragsordnung-2026.pdf" in c["url"]]
    assert pdf and pdf[0]["url"].endswith("#page=1") and pdf[0]["page"] == 1
    sent = llm.answer_requests()[-1]["messages"]
    assert sent[0]["role"] == "system" and "<source" not in sent[0]["content"]
    assert '<source n="1"' in sent[-1]["content"]


def test_json_variant_and_follow_up_memory(service: Service, llm: FakeLLM) -> None:
    with service.client() as c:
        first = c.post(
            "/api/chat?stream=false", json={"message": "Wann ist die nächste Mitgliederversammlung?"}
        ).json()
        assert first["found"] and first["citations"]
        c.post(
            "/api/chat?stream=false",
            json={"message": "Und wo findet sie statt?", "session_id": first["session_id"]},
        )
    assert llm.rewrite_requests(), "the follow-up was rewritten with the conversation history"
    assert "Mitgliederversammlung" in json.dumps(llm.rewrite_requests()[-1]["messages"], ensure_ascii=False)


def test_llm_failure_falls_back_to_extractive_with_notice(service: Service, llm: FakeLLM) -> None:
    llm.script(
        Behaviour(kind="error", status=500),
        Behaviour(kind="error", status=500),
        Behaviour(kind="error", status=500),
    )
    done = _chat(service, "Wie lange dauert die Spielzeit?")[-1]
    assert done[1] == "done"
    assert done[2]["mode"] == "extractive" and done[2]["notice"]
    assert "Minuten" in done[2]["answer"] and done[2]["citations"]


def test_broken_llm_stream_never_hangs(service: Service, llm: FakeLLM) -> None:
    llm.script(Behaviour(kind="broken", tokens_before_break=2))
    events = _chat(service, "Wie groß ist das Spielfeld?")
    assert events[-1][1] == "done" and events[-1][2]["notice"]


def test_openai_compatible_endpoint(service: Service) -> None:
    with httpx.Client(trust_env=False) as http:
        client = openai.OpenAI(base_url=service.url + "/v1", api_key="unused", http_client=http)
        question = [{"role": "user", "content": "Wer ist Schatzmeisterin?"}]
        resp = client.chat.completions.create(model="auskunft", messages=question)
        assert (
            resp.choices[0].message.content and "verband/praesidium.html" in resp.choices[0].message.content
        )
        stream = client.chat.completions.create(model="auskunft", stream=True, messages=question)
        parts = [ch.choices[0].delta.content or "" for ch in stream if ch.choices]
        assert len(parts) > 2 and "praesidium" in "".join(parts)
        assert client.models.list().data[0].id == "auskunft"


def test_cors_only_for_website_origin(service: Service) -> None:
    with service.client() as c:
        ok = c.post("/api/chat?stream=false", json={"message": "Spielzeit?"}, headers={"Origin": ORIGIN})
        assert ok.headers.get("access-control-allow-origin") == ORIGIN
        other = c.post(
            "/api/chat?stream=false",
            json={"message": "Spielzeit?"},
            headers={"Origin": "https://evil.example"},
        )
        assert "access-control-allow-origin" not in other.headers
        pre = c.options("/api/chat", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == ORIGIN
        assert c.options("/api/chat", headers={"Origin": "https://evil.example"}).status_code == 403


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"x" * 40_000, 413, "payload_too_large"),
        (b'{"message": "unterminated', 400, "invalid_json"),
        (json.dumps({"message": "a" * 2001}).encode(), 400, "message_too_long"),
        (json.dumps({"message": ""}).encode(), 400, "invalid_message"),
        (json.dumps({"message": "hi", "session_id": "../../etc"}).encode(), 400, "invalid_session"),
        (b"[1, 2]", 400, "invalid_json"),
    ],
)
def test_bad_input_gets_json_error_with_stable_code(
    service: Service, body: bytes, status: int, code: str
) -> None:
    with service.client() as c:
        resp = c.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == status
    err = resp.json()["error"]
    assert err["code"] == code and err["request_id"] == resp.headers["x-request-id"]


def test_feedback_lands_in_event_log_and_analytics(service: Service) -> None:
    with service.client() as c:
        answer = c.post("/api/chat?stream=false", json={"message": "Was kostet das Jugendcamp?"}).json()
        ok = c.post(
            "/api/feedback", json={"answer_id": answer["answer_id"], "rating": "down", "comment": "zu kurz"}
        )
        assert ok.status_code == 200
        bad = c.post("/api/feedback", json={"answer_id": answer["answer_id"], "rating": "meh"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_rating"
    from auskunft.events import analytics

    events = service.data_dir / "events"
    fb = analytics.feedback_summary(events)
    assert fb[0]["rating"] == "down" and fb[0]["example_question"] == "Was kostet das Jugendcamp?"
    assert "was kostet das jugendcamp?" in [q["question"] for q in analytics.top_questions(events, 100)]
    assert analytics.latency(events)[0]["n"] >= 1


def test_xss_in_message_is_never_reflected_as_html(service: Service) -> None:
    payload = "<img src=x onerror=alert(1)><script>alert(1)</script>"
    with service.client() as c:
        resp = c.post("/api/chat?stream=false", json={"message": payload})
        assert resp.headers["content-type"].startswith("application/json")
        assert resp.headers["x-content-type-options"] == "nosniff"
        demo = c.get("/demo")
        assert payload not in demo.text
