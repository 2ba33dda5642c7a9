"""The widget's share of the hardening (issue 10), in real chromium: links in answers clickable only to the
answer's sources or allowed hosts (live, and with a service that would not have rewritten them), and the
`busy` state of admission control (503 before the stream, or a `busy` event in it)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, Route, expect

from tests.support.dkpv import SITE
from tests.widget.browser import ask, open_panel, shot, w
from tests.widget.conftest import ChatService

pytestmark = pytest.mark.browser
SOURCE = f"{SITE}/mitgliedschaft/"
EVIL_ANSWER = (
    "Der Beitrag beträgt 120 Euro [1]. [Mitgliederlogin](https://evil.example/login?session=abc) "
    "![pixel](https://evil.example/p.png) <https://evil.example/auto> https://evil.example/bare "
    f"[Mitgliedschaft]({SOURCE})"
)


def _links(page: Page) -> list[str]:
    item = w(page, "li.msg.bot[data-state]").last
    return [a.get_attribute("href") or "" for a in item.locator(".answer a").all()]


def test_live_answer_links_only_to_its_sources(page: Page, service: ChatService) -> None:
    page.goto(service.url("/demo"))
    open_panel(page)
    service.next_answer(EVIL_ANSWER)
    item = ask(page, "Wie hoch ist der Mitgliedsbeitrag für Vereine?")
    answer = item.locator(".answer")
    expect(answer).to_contain_text("Mitgliederlogin")
    hrefs = _links(page)
    assert not [h for h in hrefs if "evil" in h], hrefs
    assert answer.locator("img").count() == 0
    assert any(h.startswith(SOURCE) for h in hrefs), hrefs  # a source of the answer stays a link


def _sse(*events: tuple[str, dict]) -> str:
    return "".join(f"event: {e}\ndata: {json.dumps(d)}\n\n" for e, d in events)


def test_widget_keeps_foreign_links_unclickable_even_if_the_service_did_not(
    page: Page, service: ChatService
) -> None:
    """Defence in depth: a crafted stream (an older or compromised service) with a raw phishing link."""
    source = {"n": 1, "url": SOURCE, "title": "Mitgliedschaft", "page": None, "snippet": "", "source": "demo"}
    body = _sse(
        (
            "meta",
            {"session_id": "s1", "answer_id": "a" * 32, "mode": "llm", "link_hosts": ["allowed.example"]},
        ),
        ("sources", {"sources": [source]}),
        ("token", {"text": EVIL_ANSWER + " [erlaubt](https://allowed.example/x)"}),
        (
            "done",
            {
                "answer_id": "a" * 32,
                "session_id": "s1",
                "answer": EVIL_ANSWER + " [erlaubt](https://allowed.example/x)",
                "mode": "llm",
                "citations": [source],
                "found": True,
            },
        ),
    )
    page.route(
        re.compile(r".*/api/chat$"),
        lambda r: r.fulfill(status=200, body=body, headers={"Content-Type": "text/event-stream"}),
    )
    page.goto(service.url("/demo"))
    open_panel(page)
    ask(page, "Beitrag?")
    hrefs = _links(page)
    assert not [h for h in hrefs if "evil" in h], hrefs
    assert any(h.startswith(SOURCE) for h in hrefs) and "https://allowed.example/x" in hrefs, hrefs
    expect(w(page, "li.msg.bot[data-state]").last.locator(".answer")).to_contain_text("Mitgliederlogin")


def _busy(route: Route, how: str, retry_after_s: int) -> None:
    if how == "503":
        route.fulfill(
            status=503,
            body=json.dumps({"error": {"code": "busy", "message": "busy", "request_id": "x"}}),
            headers={"Content-Type": "application/json", "Retry-After": str(retry_after_s)},
        )
    else:
        route.fulfill(
            status=200,
            body=_sse(
                ("meta", {"session_id": "s2", "answer_id": "b" * 32, "mode": "extractive"}),
                ("busy", {"code": "busy", "message": "busy", "retry_after_s": retry_after_s}),
            ),
            headers={"Content-Type": "text/event-stream"},
        )


@pytest.mark.parametrize("how", ["503", "event"])
def test_busy_service_is_asked_again_twice_then_shows_when_to_retry_and_keeps_the_question(
    page: Page, service: ChatService, how: str
) -> None:
    calls: list[int] = []

    def busy(route: Route) -> None:
        calls.append(1)
        _busy(route, how, 1 if len(calls) < 3 else 7)  # two short waits, then the last word: 7 s

    page.route(re.compile(r".*/api/chat$"), busy)
    page.goto(service.url("/demo"))
    open_panel(page)
    w(page, "textarea").fill("Gibt es einen Familientarif?")
    w(page, "textarea").press("Enter")
    expect(w(page, "li.msg.bot .bubble.waiting")).to_be_visible()  # it says that it is waiting
    item = w(page, "li.msg.bot[data-state]").last
    item.wait_for(timeout=30_000)
    assert len(calls) == 3  # the first try and two more, by itself
    assert item.get_attribute("data-state") == "error"
    expect(item.locator(".err")).to_have_attribute("data-kind", "busy")
    status = w(page, ".status")
    expect(status).to_have_attribute("data-kind", "busy")
    assert re.search(r"[4-7] s", status.inner_text()), status.inner_text()
    expect(w(page, "button.send")).to_be_disabled()
    expect(w(page, "textarea")).to_have_value("Gibt es einen Familientarif?")
    shot(page, f"desktop-busy-{how}")


def test_busy_once_then_answered_without_the_visitor_pressing_again(page: Page, service: ChatService) -> None:
    calls: list[int] = []

    def busy_once(route: Route) -> None:
        calls.append(1)
        if len(calls) == 1:
            _busy(route, "503", 1)
        else:
            route.continue_()

    page.route(re.compile(r".*/api/chat$"), busy_once)
    page.goto(service.url("/demo"))
    open_panel(page)
    item = ask(page, "Wie hoch ist der Mitgliedsbeitrag für Vereine?")
    assert len(calls) == 2
    assert item.get_attribute("data-state") == "done"
    expect(item.locator(".answer")).not_to_be_empty()
    expect(w(page, ".status")).to_be_hidden()
