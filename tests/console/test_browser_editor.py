"""What an editor does in headless Debian chromium, against the real service: a visitor's wording of a
curated question gets the curated answer (and the "Frage testen" box says so), a source whose start URL the
address guard refuses warns at once, a run that fetched nothing is a warning, every wrong source field gets
its German message at once, the full-text search finds a word inside a PDF, and excluding a document takes
it out of the answers without a crawl."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Browser, Page

from auskunft.models import doc_id_for
from tests.console.browser import log_in, page_for
from tests.console.support import USERS, ConsoleService
from tests.widget.browser import DIST, ask, open_panel

pytestmark = pytest.mark.browser
PDF_URL = "https://www.dkpv.example/dokumente/beitragsordnung-2026.pdf"


def _editor(browser: Browser, svc: ConsoleService, role: str = "editor") -> Page:
    page = page_for(browser, svc)
    log_in(page, svc, role)
    page.wait_for_url("**/console")
    return page


def test_a_visitor_wording_gets_the_curated_answer(browser: Browser, svc: ConsoleService) -> None:
    if not (DIST / "widget.js").exists():
        pytest.fail("widget/dist/widget.js missing: run `npm ci && npm run build` in widget/")
    page = _editor(browser, svc)
    page.goto(svc.base + "/console/answers/new")
    page.get_by_label("Frage", exact=True).fill("Wann ist das nächste Sommerfest?")
    page.get_by_label("Weitere Formulierungen").fill("Wann findet das Sommerfest statt?\nwann ist sommerfest")
    page.get_by_label("Antwort", exact=True).fill("Das Sommerfest ist am **27. Juni** am Bootshaus.")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url("**/console/answers?*")
    # the test box: which curated answer a visitor's wording gets (case and punctuation differ)
    page.get_by_role("searchbox", name="Frage testen").fill("Wann findet das Sommerfest statt")
    page.get_by_role("button", name="Testen").click()
    result = page.locator("#test-result")
    assert "Antwort der Redaktion" in result.inner_text()
    assert "Wann ist das nächste Sommerfest?" in result.inner_text()
    # a question with another intent gets passages, not the curated answer
    page.get_by_role("searchbox", name="Frage testen").fill("Wie hoch ist der Mitgliedsbeitrag für Vereine?")
    page.get_by_role("button", name="Testen").click()
    text = page.locator("#test-result").inner_text()
    assert "Keine kuratierte Antwort passt" in text and "Mitgliedschaft" in text
    page.context.close()
    visitor = page_for(browser, svc, 400)
    visitor.goto(svc.base + "/demo")
    open_panel(visitor)
    answer = ask(visitor, "wann findet das sommerfest statt")
    assert "27. Juni" in answer.inner_text() and answer.get_attribute("data-mode") == "curated"
    visitor.context.close()


def test_saving_a_source_with_a_refused_start_url_warns_at_once(
    browser: Browser, svc: ConsoleService
) -> None:
    page = _editor(browser, svc)
    page.goto(svc.base + "/console/sources/new")
    page.get_by_label("Name (kurz, für Adressen)").fill("lokal")
    page.get_by_label("Start-URLs").fill("http://127.0.0.1:9/verband/")
    page.get_by_role("button", name="Anlegen").click()
    page.wait_for_url("**/console/sources/lokal**")
    warning = page.locator("#source-warning")
    assert "kann nicht gecrawlt werden" in warning.inner_text()
    assert "privates oder internes Netz" in warning.inner_text()
    assert warning.get_attribute("role") == "alert"
    # editors cannot delete sources; admins can
    assert page.get_by_role("button", name="Löschen").count() == 0
    page.context.close()
    admin = _editor(browser, svc, "admin")
    admin.goto(svc.base + "/console/sources/lokal")
    admin.once("dialog", lambda d: d.accept())
    admin.get_by_role("button", name="Löschen").click()
    admin.wait_for_url("**/console/sources?*")
    admin.context.close()


def test_a_run_that_fetched_nothing_is_a_warning(browser: Browser, svc: ConsoleService) -> None:
    run = svc.data_dir / "runs" / "verband" / "20261204T101500Z-0001"
    run.mkdir(parents=True, exist_ok=True)
    (run / "summary.json").write_text(json.dumps({"ok": True, "timings": {"crawl": 1.2}}), encoding="utf-8")
    record = {
        "url": "https://www.dkpv.example/",
        "source": "verband",
        "status": "skipped",
        "error": "SSRF guard: 127.0.0.1 resolves to non-public address 127.0.0.1",
    }
    (run / "crawl_manifest.json").write_text(json.dumps({"records": [record]}), encoding="utf-8")
    page = _editor(browser, svc)
    page.goto(svc.base + "/console/sources/verband")
    row = page.locator("tr.run-warning").first
    assert "Warnung" in row.inner_text() and "1 gesperrt" in row.inner_text()
    details = page.locator("tr.sub").first.inner_text()
    assert "Nichts abgerufen" in details and "privates oder internes Netz" in details
    page.goto(svc.base + "/console/sources")
    assert "Warnung" in page.locator("table").inner_text()  # not "ok"
    page.context.close()


def test_every_wrong_source_field_gets_its_german_message_at_once(
    browser: Browser, svc: ConsoleService
) -> None:
    page = _editor(browser, svc)
    page.goto(svc.base + "/console/sources/new")
    page.get_by_label("Name (kurz, für Adressen)").fill("Mein Verband")
    page.get_by_label("Start-URLs").fill("localhost:8765/verband/")
    page.get_by_label("Maximale Linktiefe").fill("tief")
    page.get_by_label("Automatisch crawlen").select_option("custom")
    page.locator("details.advanced summary").click()
    page.get_by_label("Zeitplan im cron-Format").fill("jeden Montag")
    page.get_by_role("button", name="Anlegen").click()
    assert "4 markierte" in page.get_by_role("alert").inner_text()
    for field, words in (
        ("name", "Nur Kleinbuchstaben"),
        ("start_urls", "keine vollständige Web-Adresse"),
        ("max_depth", "ganze Zahl"),
        ("cron", "cron-Format"),
    ):
        box = page.locator(f"#{field}")
        assert box.get_attribute("aria-invalid") == "true", field
        assert f"{field}-error" in (box.get_attribute("aria-describedby") or ""), field
        assert words in page.locator(f"#{field}-error").inner_text(), field
    assert page.locator("#name").input_value() == "Mein Verband"  # what was typed stays
    page.context.close()


def test_full_text_search_finds_a_word_inside_a_pdf(browser: Browser, svc: ConsoleService) -> None:
    page = _editor(browser, svc)
    page.goto(svc.base + "/console/documents")
    page.get_by_role("searchbox").fill("Mahngebühr")
    page.get_by_role("button", name="Suchen").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    assert (
        "Beitragsordnung 2026" in rows.first.inner_text()
        and "Mahngebühr von 10 Euro" in rows.first.inner_text()
    )
    page.get_by_role("searchbox").fill("gebühr")  # inside the compound word
    page.get_by_role("button", name="Suchen").click()
    assert "Beitragsordnung 2026" in page.locator("tbody").inner_text()
    page.get_by_role("link", name="Beitragsordnung 2026").click()
    page.get_by_role("link", name="Abschnitte im Index").click()
    chunks = page.locator("article.chunk")
    assert chunks.count() >= 1 and "Überschriften" in chunks.first.inner_text()
    page.context.close()


def _cited(svc: ConsoleService, question: str) -> list[str]:
    with httpx.Client(base_url=svc.base, timeout=60, trust_env=False) as c:
        r = c.post(
            "/api/chat?stream=false", json={"message": question}, headers={"X-Forwarded-For": svc.fresh_ip()}
        )
        r.raise_for_status()
        return [x["url"].split("#")[0] for x in r.json()["citations"]]


def test_excluding_a_document_removes_it_from_answers_without_a_crawl(
    browser: Browser, svc: ConsoleService
) -> None:
    question = "Wie hoch ist die Mahngebühr bei Verzug?"
    assert PDF_URL in _cited(svc, question)
    page = _editor(browser, svc)
    page.goto(svc.base + "/console/documents/verband/" + doc_id_for(PDF_URL))
    page.get_by_role("button", name="Aus dem Index ausschließen").click()
    assert "sofort aus dem Live-Index entfernt" in page.get_by_role("status").first.inner_text()
    assert "Ausgeschlossen" in page.locator("main").inner_text()
    page.context.close()
    import time

    deadline = time.monotonic() + 15  # the serving process picks up the new generation within a second
    cited = _cited(svc, question)
    while PDF_URL in cited and time.monotonic() < deadline:
        time.sleep(0.5)
        cited = _cited(svc, question + " ")
    assert PDF_URL not in cited
    sources = (svc.work / "sources.yml").read_text(encoding="utf-8")
    assert "beitragsordnung" in sources  # kept out of later crawls too
    assert USERS["editor"]
