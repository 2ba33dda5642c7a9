"""Helpers to drive the widget in headless Debian chromium (playwright sync API)."""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import Locator, Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "widget"
AXE_JS = REPO / "widget" / "node_modules" / "axe-core" / "axe.min.js"
DIST = REPO / "widget" / "dist"

HOST = "#auskunft-widget"  # the shadow host; playwright's CSS engine pierces the open shadow root


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def w(page: Page, selector: str) -> Locator:
    """A locator inside the widget's shadow root."""
    return page.locator(f"{HOST} {selector}")


def open_panel(page: Page) -> None:
    w(page, "button.launcher").click()
    w(page, ".panel").wait_for(state="visible")
    # wait for the opening animation (none under prefers-reduced-motion) to finish
    w(page, ".panel").evaluate("e => Promise.all(e.getAnimations().map(a => a.finished))")


def record_answer_growth(page: Page) -> None:
    """Record every length the streaming answer takes on (window.__akLens)."""
    page.evaluate(
        """() => {
          const root = document.querySelector('#auskunft-widget').shadowRoot;
          window.__akLens = [];
          new MutationObserver(() => {
            const answers = root.querySelectorAll('li.msg.bot .answer');
            const last = answers[answers.length - 1];
            const n = last ? last.textContent.length : 0;
            const lens = window.__akLens;
            if (n && lens[lens.length - 1] !== n) lens.push(n);
          }).observe(root, {subtree: true, childList: true, characterData: true});
        }"""
    )


def ask(page: Page, question: str, timeout_ms: int = 60_000) -> Locator:
    """Type a question, press Enter, wait until the answer is complete; returns its message item."""
    before = w(page, "li.msg.bot[data-state]").count()
    box = w(page, "textarea")
    box.fill(question)
    box.press("Enter")
    done = w(page, "li.msg.bot[data-state]").nth(before)
    done.wait_for(timeout=timeout_ms)
    return done


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def run_axe(page: Page) -> list[dict]:
    """Run axe-core over the page including the widget's shadow DOM; returns serious/critical violations."""
    page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
          const r = await axe.run({include: [['#auskunft-widget']]}, {resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                         nodes: v.nodes.map(n => n.target)}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]
