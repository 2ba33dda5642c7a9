"""The chat widget in headless chromium against the real service (marker `browser`)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.support.fake_llm import Behaviour
from tests.widget.browser import ask, open_panel, record_answer_growth, run_axe, shot, w
from tests.widget.conftest import ChatService

pytestmark = pytest.mark.browser

QUESTION = "Wie hoch ist der Mitgliedsbeitrag?"


def _storage(page: Page) -> str:
    return page.evaluate("() => JSON.stringify(Object.entries(sessionStorage))")


def test_streams_answer_with_citations(page: Page, service: ChatService) -> None:
    page.goto(service.url("/demo"))
    open_panel(page)
    expect(w(page, "[role=dialog]")).to_have_attribute("aria-modal", "true")
    expect(w(page, "textarea")).to_be_focused()
    record_answer_growth(page)
    # a question no other test asks: the answer cache replays repeated questions in one piece
    item = ask(page, "Bis wann muss der Mitgliedsbeitrag bezahlt werden?")
    assert item.get_attribute("data-state") == "done", item.inner_text()
    lens = page.evaluate("window.__akLens")
    assert len(lens) >= 3 and lens == sorted(lens), f"answer did not grow in steps: {lens}"
    links = item.locator(".sources a")
    assert links.count() >= 1
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href") or ""
        assert re.match(r"^https?://", href)
        assert links.nth(i).get_attribute("target") == "_blank"
        assert "noopener" in (links.nth(i).get_attribute("rel") or "")
    live = w(page, "[aria-live=polite]")
    expect(live).to_contain_text(item.locator(".answer").inner_text()[:40])
    shot(page, "desktop-answer")


def test_embedded_on_the_organisation_website_cross_origin(page: Page, service: ChatService) -> None:
    # the demo website on its own origin embeds <script src="CHATBOT_HOST/widget.js">: the API base comes
    # from the script's origin, and the service lets the website's origin call it (CORS)
    assert service.website and service.website != service.base
    page.goto(service.website + "/index.html")
    expect(page.locator("h1")).to_contain_text("Kanupolo")
    open_panel(page)
    with page.expect_request(re.compile(r"/api/chat$")) as req:
        item = ask(page, "Welche Voraussetzungen hat die Trainerlizenz?")
    assert req.value.url == service.url("/api/chat")
    assert item.get_attribute("data-state") == "done", item.inner_text()
    assert item.locator(".sources a").count() >= 1
    page.click("a[href='/mitgliedschaft/']")  # navigate on the website: the conversation stays
    expect(w(page, "li.msg.user .bubble")).to_have_text("Welche Voraussetzungen hat die Trainerlizenz?")
    shot(page, "desktop-demo-site")


def test_citation_opens_page_in_new_tab(page: Page, service: ChatService) -> None:
    page.goto(service.url("/demo"))
    open_panel(page)
    item = ask(page, QUESTION)
    pdf = item.locator(".sources a[href*='#page=']")
    assert pdf.count() >= 1, item.inner_html()  # the index holds a PDF: its citation jumps to the page
    link = pdf.first
    href = link.get_attribute("href") or ""
    assert re.search(r"\.pdf#page=\d+$", href), href
    # the cited website answers with a stub page, whether or not it is reachable from here
    target = href.split("#")[0]
    page.context.route(
        lambda url: url.split("#")[0] == target, lambda r: r.fulfill(body="cited", content_type="text/html")
    )
    with page.context.expect_page() as info:
        link.click()
    popup = info.value
    popup.wait_for_load_state("commit")
    assert popup.url == href
    popup.close()


def test_feedback_reaches_server(page: Page, service: ChatService) -> None:
    page.goto(service.url("/demo"))
    open_panel(page)
    item = ask(page, QUESTION)
    answer_id = item.get_attribute("data-answer-id")
    assert answer_id
    up = item.locator("button[data-rating=up]")
    with page.expect_response(re.compile(r"/api/feedback$")) as resp:
        up.click()
    assert resp.value.ok
    expect(up).to_have_attribute("aria-pressed", "true")
    assert service.feedback_for(answer_id) == ("up", None)
    expect(item.locator(".fb-thanks")).to_be_visible()


def test_thumbs_down_with_comment(page: Page, service: ChatService) -> None:
    page.goto(service.url("/demo"))
    open_panel(page)
    item = ask(page, QUESTION)
    answer_id = item.get_attribute("data-answer-id") or ""
    item.locator("button[data-rating=down]").click()
    comment = item.locator(".fb-comment textarea")
    expect(comment).to_be_focused()
    comment.fill("Die Frist fehlt.")
    with page.expect_response(re.compile(r"/api/feedback$")) as resp:
        comment.press("Enter")
    assert resp.value.ok
    expect(item.locator("button[data-rating=down]")).to_have_attribute("aria-pressed", "true")
    assert service.feedback_for(answer_id) == ("down", "Die Frist fehlt.")


def test_history_survives_reload_and_new_conversation_clears(page: Page, service: ChatService) -> None:
    page.goto(service.url("/demo"))
    open_panel(page)
    ask(page, QUESTION)
    answer = w(page, "li.msg.bot .answer").first.inner_text()
    page.reload()
    expect(w(page, ".panel")).to_be_visible()  # stays open across navigation
    expect(w(page, "li.msg.user .bubble")).to_have_text(QUESTION)
    expect(w(page, "li.msg.bot .answer").first).to_have_text(answer)
    assert "session" in _storage(page).lower()
    w(page, "button.new").click()
    expect(w(page, "li.msg.user")).to_have_count(0)
    page.reload()
    expect(w(page, "li.msg.user")).to_have_count(0)
    assert QUESTION not in _storage(page)


def test_navigation_during_streaming_leaves_no_spinner(page: Page, service: ChatService) -> None:
    page.goto(service.url("/demo"))
    open_panel(page)
    service.script_llm(Behaviour(first_token_delay_s=3.0))
    try:
        box = w(page, "textarea")
        box.fill("Wie lange gilt die Trainerlizenz?")
        box.press("Enter")
        expect(w(page, "li.msg.bot .typing")).to_be_visible()
        page.reload()  # the visitor moves on while the answer is still coming
    finally:
        service.reset_llm()
    item = w(page, "li.msg.bot").last
    expect(item.locator(".err")).to_have_attribute("data-kind", "stream")
    expect(w(page, ".typing")).to_have_count(0)
    expect(w(page, "button.send")).to_be_enabled()


def test_keyboard_escape_focus_trap_and_newline(page: Page, service: ChatService) -> None:
    page.goto(service.url("/demo"))
    open_panel(page)
    box = w(page, "textarea")
    box.press("Shift+Enter")
    box.type("x")
    assert box.input_value() == "\nx"  # Shift+Enter is a newline, nothing was sent
    expect(w(page, "li.msg.user")).to_have_count(0)
    for _ in range(8):  # Tab cycles inside the dialog
        page.keyboard.press("Tab")
        inside = page.evaluate(
            "() => { const r = document.querySelector('#auskunft-widget').shadowRoot;"
            " return !!r.activeElement && r.querySelector('.panel').contains(r.activeElement); }"
        )
        assert inside
    page.keyboard.press("Escape")
    expect(w(page, ".panel")).to_be_hidden()
    expect(w(page, "button.launcher")).to_be_focused()
    expect(w(page, "button.launcher")).to_have_attribute("aria-expanded", "false")


def test_mobile_full_screen(browser: Browser, service: ChatService) -> None:
    ctx = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = ctx.new_page()
        page.goto(service.url("/demo"))
        shot(page, "mobile-closed")
        open_panel(page)
        box = w(page, ".panel").bounding_box()
        assert box and [round(box[k]) for k in ("x", "y", "width", "height")] == [0, 0, 375, 740], box
        expect(w(page, "button.launcher")).to_be_hidden()
        ask(page, QUESTION)
        shot(page, "mobile-answer")
    finally:
        ctx.close()


def test_dark_mode_reduced_motion_and_english(browser: Browser, service: ChatService) -> None:
    ctx = browser.new_context(color_scheme="dark", reduced_motion="reduce")
    try:
        page = ctx.new_page()

        def english(route: Route) -> None:  # the demo page with an English embed
            body = route.fetch().text().replace('data-lang="de"', 'data-lang="en"')
            route.fulfill(body=body, content_type="text/html; charset=utf-8")

        page.route(service.url("/demo"), english)
        page.goto(service.url("/demo"))
        expect(w(page, "button.launcher")).to_have_attribute("aria-label", "Open chat")
        open_panel(page)
        expect(w(page, "textarea")).to_have_attribute("aria-label", "Your question")
        bg = w(page, ".panel").evaluate("e => getComputedStyle(e).backgroundColor")
        assert bg == "rgb(28, 31, 36)"  # dark palette
        anim = w(page, ".panel").evaluate("e => getComputedStyle(e).animationName")
        assert anim == "none"
        ask(page, "What does the coaching licence require?")
        violations = run_axe(page)  # the dark palette keeps its contrast too
        assert violations == [], violations
        shot(page, "desktop-dark-en")
    finally:
        ctx.close()


def test_hostile_page_css_does_not_break_widget(page: Page, service: ChatService) -> None:
    page.goto(service.url("/demo"))
    page.add_style_tag(
        content="* { all: unset !important } button { display: none !important }"
        " div { position: static !important; display: none !important; opacity: 0 !important; }"
    )
    launcher = w(page, "button.launcher")
    expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    assert box and box["width"] >= 40 and box["height"] >= 40
    open_panel(page)
    item = ask(page, QUESTION)
    assert item.get_attribute("data-state") == "done"
    expect(w(page, "button.send")).to_be_visible()
    shot(page, "desktop-hostile-css")


def test_axe_no_serious_violations(page: Page, service: ChatService) -> None:
    page.goto(service.url("/demo"))
    open_panel(page)
    ask(page, QUESTION)
    violations = run_axe(page)
    assert violations == [], violations
    # the check did look inside the shadow root
    inside = page.evaluate(
        """async () => {
          const r = await axe.run({include: [['#auskunft-widget']]}, {resultTypes: ['passes']});
          return r.passes.some(p => p.nodes.some(n => Array.isArray(n.target[0])));
        }"""
    )
    assert inside
