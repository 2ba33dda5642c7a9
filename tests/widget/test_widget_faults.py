"""The widget under hostile answers and failures: script injection, rate limits, a server that is gone."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.fake_llm import Behaviour
from tests.support.procs import free_port
from tests.support.siteserver import serve_directory
from tests.widget.browser import DIST, ask, open_panel, shot, w
from tests.widget.conftest import ChatService

pytestmark = pytest.mark.browser

XSS_ANSWER = (
    'Antwort mit Bild <img src=x onerror="window.__pwned=1"> und '
    "[Link](javascript:window.__pwned=2) sowie <script>window.__pwned=3</script> "
    '<a href="javascript:window.__pwned=4">roh</a> [ok](https://example.org/ok)'
)


def test_injected_markup_executes_nothing(page: Page, service: ChatService) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(service.url("/demo"))
    open_panel(page)
    service.next_answer(XSS_ANSWER)
    item = ask(page, "Zeig mir etwas Gefährliches")
    answer = item.locator(".answer")
    expect(answer).to_contain_text("Antwort mit Bild")
    assert answer.locator("img, script, [onerror], iframe").count() == 0
    for a in answer.locator("a").all():  # every link left is http(s) and opens safely
        href = a.get_attribute("href")
        assert href is None or re.match(r"^https?://", href), href
        if href:
            assert a.get_attribute("rel") == "noopener noreferrer"
    # clicking every link must not run the payload either
    page.context.route(re.compile(r"^https?://example\.org/"), lambda r: r.fulfill(body="ok"))
    for a in answer.locator("a").all():
        a.click(modifiers=["Control"])
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    shot(page, "desktop-injection")


def test_llm_breaks_off_extractive_fallback_is_labelled(page: Page, service: ChatService) -> None:
    page.goto(service.url("/demo"))
    open_panel(page)
    service.script_llm(*[Behaviour(kind="broken", tokens_before_break=3, token_delay_s=0.05)] * 4)
    try:
        item = ask(page, "Welche Mahngebühr gilt bei Verzug?")
    finally:
        service.reset_llm()
    assert item.get_attribute("data-state") == "done"
    assert item.get_attribute("data-mode") == "extractive"
    expect(item.locator(".badge")).to_be_visible()
    expect(item.locator(".notice")).not_to_be_empty()
    answer = item.locator(".answer").inner_text()
    assert not answer.startswith("Laut den Dokumenten"), answer  # the broken-off model text was replaced
    assert item.locator(".sources a").count() >= 1
    shot(page, "desktop-extractive")


def test_rate_limit_shows_retry_time_and_blocks_sending(page: Page, limited_service: ChatService) -> None:
    page.goto(limited_service.url("/demo"))
    open_panel(page)
    item = None
    # the first request opens the session; the session limit counts the requests that carry its id
    for i in range(limited_service.burst + 2):
        item = ask(page, f"Frage Nummer {i}")
        if item.get_attribute("data-state") == "error":
            break
    assert item is not None and item.get_attribute("data-state") == "error"
    status = w(page, ".status")
    expect(status).to_have_attribute("data-kind", "rate_limited")
    assert re.search(r"\d+ s", status.inner_text()), status.inner_text()
    expect(w(page, "button.send")).to_be_disabled()
    expect(w(page, "textarea")).to_have_value(re.compile("Frage Nummer"))  # the question is kept
    shot(page, "desktop-rate-limited")


def test_server_unreachable_shows_error_and_offline_state(page: Page, tmp_path: Path) -> None:
    # a website embedding the widget whose chat service is down (nothing listens on the API port)
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(DIST / "widget.js", site / "widget.js")
    dead = f"http://127.0.0.1:{free_port()}"
    (site / "index.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>'
        f'<h1>Site</h1><script src="/widget.js" data-api="{dead}" defer></script></body></html>',
        encoding="utf-8",
    )
    with serve_directory(site) as srv:
        page.goto(srv.origin + "/index.html")
        open_panel(page)
        item = ask(page, "Is anybody there?")
        assert item.get_attribute("data-state") == "error"
        expect(item.locator(".err")).to_have_attribute("data-kind", "network")
        expect(item.locator(".err")).to_contain_text("Cannot reach the server")
        shot(page, "desktop-server-down")
        page.context.set_offline(True)
        expect(w(page, ".status")).to_have_attribute("data-kind", "offline")
        expect(w(page, "button.send")).to_be_disabled()
        shot(page, "desktop-offline")
        page.context.set_offline(False)
        expect(w(page, ".status")).to_be_hidden()
