"""The console's browser tests' helpers: headless Debian chromium, a page of its own per visitor, logging in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, Playwright

from tests.console.support import PASSWORD, USERS, ConsoleService
from tests.widget.browser import CHROMIUM, CHROMIUM_ARGS


def launch(p: Playwright) -> Browser:
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def page_for(browser: Browser, svc: ConsoleService, width: int = 1280, *, bypass_csp: bool = False) -> Page:
    """A browser of its own (own address for the per-address log-in limit). bypass_csp: only to inject
    axe-core (the console's CSP refuses inline scripts, as it should)."""
    ctx = browser.new_context(
        viewport={"width": width, "height": 900},
        locale="de-DE",
        bypass_csp=bypass_csp,
        extra_http_headers={"X-Forwarded-For": svc.fresh_ip()},
    )
    page = ctx.new_page()
    page.on("pageerror", lambda e: pytest.fail(f"uncaught error in the page: {e}"))
    return page


def log_in(
    page: Page, svc: ConsoleService, role: str, password: str = PASSWORD, *, goto: bool = True
) -> None:
    if goto:
        page.goto(svc.base + "/console/login")
    page.get_by_label("E-Mail").fill(USERS.get(role, role))
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
