"""The console in headless Debian chromium: log-in/out, lock-out, roles, every page at 360 px and desktop
with axe (no serious or critical violations), a curated answer changing what the widget answers, promote
and roll back through the confirmation page. Screenshots go to docs/console/ for the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from auskunft.models import doc_id_for
from tests.console.browser import log_in, page_for
from tests.console.support import ConsoleService
from tests.widget.browser import AXE_JS, DIST, ask, open_panel, w

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs" / "console"
PAGES = [  # (path, screenshot name or "")
    ("/console/login", "login"),
    ("/console", "overview"),
    ("/console/questions", "questions"),
    ("/console/answers/test?q=Wie+hoch+ist+der+Mitgliedsbeitrag%3F", "answers"),
    ("/console/answers/new?q=Wo+kann+ich+ein+Kanu+ausleihen%3F", "answer-form"),
    ("/console/sources", ""),
    ("/console/sources/new", "source-form"),
    ("/console/sources/verband", "source"),
    ("/console/documents?q=Mahngeb%C3%BChr", "documents"),
    (
        "/console/documents/verband/"
        + doc_id_for("https://www.dkpv.example/dokumente/beitragsordnung-2026.pdf"),
        "document",
    ),
    (
        "/console/documents/verband/"
        + doc_id_for("https://www.dkpv.example/dokumente/beitragsordnung-2026.pdf")
        + "?tab=chunks",
        "chunks",
    ),
    ("/console/versions", "versions"),
    ("/console/versions/1/promote", ""),
    ("/console/users", "users"),
    ("/console/audit", "audit"),
    ("/console/account", ""),
]


def _axe(page: Page) -> list[dict]:
    page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                         nodes: v.nodes.map(n => n.target)}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def test_login_logout(browser: Browser, svc: ConsoleService) -> None:
    page = page_for(browser, svc)
    page.goto(svc.base + "/console/sources")
    assert "/console/login?next=/console/sources" in page.url
    log_in(
        page, svc, "admin", goto=False
    )  # the admin the CLI created (`auskunft admin create-user … --password-stdin`)
    page.wait_for_url("**/console/sources")
    assert page.get_by_role("heading", level=1).inner_text() == "Quellen"
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url("**/console/login")
    page.goto(svc.base + "/console")
    assert "/console/login" in page.url
    page.context.close()


def test_lock_out_and_role_enforcement(browser: Browser, svc: ConsoleService) -> None:
    page = page_for(browser, svc)
    for _ in range(5):
        log_in(page, svc, "editor", "ganz-falsches-passwort")
    log_in(page, svc, "editor")  # locked: the right password is refused too (same message, no hint)
    assert "/console/login" in page.url and page.get_by_role("alert").count() == 1
    page.context.close()
    page = page_for(browser, svc)
    log_in(page, svc, "viewer")
    page.wait_for_url("**/console")
    nav = page.get_by_role("navigation").inner_text()
    assert "Quellen" in nav and "Benutzer" not in nav and "Protokoll" not in nav
    assert page.goto(svc.base + "/console/users").status == 403  # type: ignore[union-attr]
    assert "Berechtigung" in page.get_by_role("heading", level=1).inner_text()
    page.goto(svc.base + "/console/answers")
    assert page.get_by_role("link", name="Neue kuratierte Antwort").count() == 0
    page.context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_every_page_accessible_and_fits(browser: Browser, svc: ConsoleService, width: int) -> None:
    page = page_for(browser, svc, width, bypass_csp=True)
    page.goto(svc.base + "/demo")  # one question so the overview and the questions page have content
    if (DIST / "widget.js").exists():
        open_panel(page)
        ask(page, "Wo kann ich ein Kanu ausleihen?")
    DOCS.mkdir(parents=True, exist_ok=True)
    for path, name in PAGES:
        if path != "/console/login" and "/console/login" in page.url:
            log_in(page, svc, "admin")
            page.wait_for_url("**/console")
        page.goto(svc.base + path)
        assert page.locator("main h1").count() == 1, path
        bad = _axe(page)
        assert not bad, (path, width, bad)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, (path, width, overflow)
        if path == "/console/versions" and width == 360:  # the status column stays on screen
            status = page.locator("table.versions thead th", has_text="Status")
            box = status.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 360, box
        if name:
            page.screenshot(
                path=str(DOCS / f"{name}-{'360' if width == 360 else 'desktop'}.png"), full_page=True
            )
        if path == "/console/login":
            log_in(page, svc, "admin")
            page.wait_for_url("**/console")
    page.context.close()


def test_curated_answer_changes_what_the_widget_answers(browser: Browser, svc: ConsoleService) -> None:
    if not (DIST / "widget.js").exists():
        pytest.fail("widget/dist/widget.js missing: run `npm ci && npm run build` in widget/")
    question = "Welche Versicherung brauchen Vereine für Turniere?"
    visitor = page_for(browser, svc, 400)
    visitor.goto(svc.base + "/demo")
    open_panel(visitor)
    before = ask(visitor, question)
    assert "Antwort der Redaktion" not in before.inner_text()

    editor = page_for(browser, svc)
    log_in(editor, svc, "admin")
    editor.wait_for_url("**/console")
    editor.goto(svc.base + "/console/questions")
    # the group headed by the question (another open group names it too, in its "merge into" list)
    card = editor.locator("article.gap", has=editor.get_by_role("heading", name=question, exact=True))
    card.get_by_role("link", name="Kuratierte Antwort schreiben").click()
    assert editor.get_by_label("Frage").input_value() == question  # taken over from the report
    editor.get_by_label("Antwort", exact=True).fill(
        "Für Turniere brauchen Vereine die **Sportversicherung des Landessportbunds**; der Verband hilft bei Fragen."
    )
    editor.get_by_label("Quellen").fill("https://www.dkpv.example/mitgliedschaft/ Mitgliedschaft")
    editor.get_by_role("button", name="Speichern").click()
    editor.wait_for_url("**/console/answers?saved=*")
    assert question in editor.locator("table").inner_text()

    after = ask(visitor, "Welche Versicherung brauchen Vereine für Turniere")
    text = after.inner_text()
    assert "Sportversicherung des Landessportbunds" in text
    assert "Antwort der Redaktion" in text
    assert after.get_attribute("data-mode") == "curated"
    assert (
        w(visitor, "li.msg.bot").last.locator("a[href='https://www.dkpv.example/mitgliedschaft/']").count()
        >= 1
    )
    DOCS.mkdir(parents=True, exist_ok=True)
    visitor.screenshot(path=str(DOCS / "widget-curated-answer.png"))
    visitor.context.close()
    editor.context.close()


def test_promote_and_roll_back(browser: Browser, svc: ConsoleService) -> None:
    page = page_for(browser, svc)
    log_in(page, svc, "admin")
    page.wait_for_url("**/console")
    page.goto(svc.base + "/console/versions")
    live = page.locator("tr.live th").inner_text()
    assert live == "Version 2"
    page.locator("tr", has_text="Version 1").get_by_role("link", name="Live schalten").click()
    assert "Version 1 live schalten?" in page.locator("main").inner_text()
    page.get_by_role("button", name="Ja, ausführen").click()
    assert "auskunft__v1 ist jetzt live." in page.get_by_role("status").inner_text()
    assert page.locator("tr.live th").inner_text() == "Version 1"
    page.get_by_role("link", name="Zurückrollen").click()
    page.get_by_role("button", name="Ja, ausführen").click()
    assert "auskunft__v2 ist jetzt live." in page.get_by_role("status").inner_text()
    assert page.locator("tr.live th").inner_text() == "Version 2"
    page.context.close()


def test_matomo_opt_in_pushes_chat_events_without_text(browser: Browser, svc: ConsoleService) -> None:
    if not (DIST / "widget.js").exists():
        pytest.fail("widget/dist/widget.js missing: run `npm ci && npm run build` in widget/")
    page = page_for(browser, svc, 400)
    host = (
        "<!doctype html><html lang='de'><head><title>Verein</title><script>window._paq = [];</script></head>"
        f"<body><main><h1>Verein</h1></main><script src='{svc.base}/widget.js' data-matomo='true' defer></script>"
        "</body></html>"
    )
    page.route(
        svc.base + "/matomo-host.html", lambda route: route.fulfill(body=host, content_type="text/html")
    )
    page.goto(svc.base + "/matomo-host.html")
    open_panel(page)
    question = "Wo kann ich ein Kanu ausleihen?"
    ask(page, question)
    events = page.evaluate("window._paq")
    # one answer event with the outcome's label (which outcome depends on the answer thresholds), never the text
    answer_events = [e for e in events if e[:3] == ["trackEvent", "Auskunft", "answer"]]
    assert len(answer_events) == 1 and answer_events[0][3] in ("answered", "not_found", "closest"), events
    assert question not in str(events)
    page.context.close()
    plain = page_for(browser, svc, 400)  # without the attribute nothing is pushed
    plain.route(
        svc.base + "/matomo-host.html",
        lambda route: route.fulfill(body=host.replace(" data-matomo='true'", ""), content_type="text/html"),
    )
    plain.goto(svc.base + "/matomo-host.html")
    open_panel(plain)
    ask(plain, question)
    assert plain.evaluate("window._paq") == []
    plain.context.close()
