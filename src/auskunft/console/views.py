"""Pages: log-in, overview, unanswered questions, curated answers, account, users, audit log, export."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from auskunft.console import audit, auth, i18n, stats
from auskunft.console.auth import LockedError
from auskunft.console.models import Setting, User
from auskunft.console.web import (
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    PREFIX,
    Console,
    Cookie,
    HttpError,
    Reply,
    Req,
    hashed_ip,
    login_csrf,
    redirect,
    same_token,
    tr,
    user_of,
)

LOGIN_ATTEMPTS_PER_IP = 10  # per 5 minutes, on top of the per-account lock-out
RETENTION_EVERY_S = 6 * 3600


def register(c: Console) -> None:  # noqa: C901 - one closure per page keeps the handlers beside their routes
    # ------------------------------------------------------------------------------------ public
    @c.route("GET", "/static/:name", None)
    async def static(req: Req) -> Reply:
        return c.static(req.params.get("name", ""))

    @c.route("GET", "/lang", None)
    async def lang(req: Req) -> Reply:
        nxt = req.query.get("next", PREFIX)
        if not nxt.startswith(PREFIX) or "//" in nxt:
            nxt = PREFIX
        reply = redirect(nxt)
        if req.query.get("to") in ("de", "en"):
            reply.cookies.append(Cookie(LANG_COOKIE, req.query["to"], 365 * 86400))
        return reply

    @c.route("GET", "/login", None)
    async def login_page(req: Req) -> Reply:
        token = login_csrf()
        reply = c.render(
            req,
            "login.html",
            login_token=token,
            next=_next(req.query.get("next", "")),
            error="",
            plain_http=c.plain_http(req),
        )
        reply.cookies.append(Cookie(LOGIN_CSRF_COOKIE, token, 3600))
        return reply

    @c.route("POST", "/login", None)
    async def login(req: Req) -> Reply:
        nxt = _next(req.f("next"))
        if not same_token(req.cookies.get(LOGIN_CSRF_COOKIE, ""), req.f("csrf")):
            if not req.cookies.get(LOGIN_CSRF_COOKIE) and c.plain_http(req):
                raise HttpError(403, "secure_cookie_lost")  # says why, not "the form expired"
            raise HttpError(403, "csrf_failed")

        def again(status: int, error: str) -> Reply:
            token = login_csrf()
            reply = c.render(
                req,
                "login.html",
                status=status,
                login_token=token,
                next=nxt,
                error=error,
                email=req.f("email"),
            )
            reply.cookies.append(Cookie(LOGIN_CSRF_COOKIE, token, 3600))
            return reply

        if c.hooks.login_limiter is not None:
            allowed, retry = await c.hooks.login_limiter(hashed_ip(req.ip))
            if not allowed:
                reply = again(429, tr(req, "rate_limited", s=retry))
                reply.headers["Retry-After"] = str(retry)
                return reply
        email, password = req.f("email"), req.f("password")

        def attempt() -> Any:
            with c.db.session() as s:
                return auth.login(s, email, password)

        result = await asyncio.to_thread(attempt)  # argon2 takes tens of milliseconds
        if isinstance(result, LockedError):
            return again(423, tr(req, "account_locked", until=i18n.berlin(result.until, "%H:%M")))
        if isinstance(result, Exception):
            return again(401, tr(req, "bad_credentials"))
        token, _ident = result
        reply = redirect(nxt)
        reply.cookies.append(c.session_cookie(token, auth.SESSION_HOURS * 3600))
        reply.cookies.append(Cookie(LOGIN_CSRF_COOKIE, "", 0))
        return reply

    @c.route("POST", "/logout", "viewer")
    async def logout(req: Req) -> Reply:
        from auskunft.console.web import SESSION_COOKIE

        with c.db.session() as s:
            auth.logout(s, req.cookies.get(SESSION_COOKIE, ""))
        reply = redirect(PREFIX + "/login")
        reply.cookies.append(c.session_cookie("", 0))
        return reply

    # ------------------------------------------------------------------------------------ overview
    @c.route("GET", "", "viewer")
    async def overview(req: Req) -> Reply:
        _retention(c)
        ov = await asyncio.to_thread(stats.overview, c.config.events_dir, 30)
        live, crawls = None, []
        if c.hooks.index_manager is not None:
            try:
                live = await asyncio.to_thread(c.hooks.index_manager().live)
            except Exception:  # noqa: BLE001 - the overview shows what it can
                live = None
        from auskunft.console.views_ops import last_runs

        crawls = last_runs(c)
        return c.render(req, "overview.html", ov=ov, chart=_chart(ov.days), live=live, crawls=crawls)

    @c.route("GET", "/export/questions.csv", "editor")
    async def export(req: Req) -> Reply:
        body = await asyncio.to_thread(stats.questions_csv, c.config.events_dir)
        with c.db.session() as s:
            audit.record(s, user_of(req).email, "export.questions")
        return Reply(
            body=body,
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="auskunft-questions.csv"'},
        )

    @c.route("GET", "/audit", "admin")
    async def audit_log(req: Req) -> Reply:
        with c.db.session() as s:
            rows = audit.recent(s, 300)
        return c.render(req, "audit.html", entries=rows)


# ------------------------------------------------------------------------------------ helpers


def _next(value: str) -> str:
    return value if value.startswith(PREFIX) and "//" not in value and "\\" not in value else PREFIX


def _retention(c: Console) -> None:
    """Apply the chat log retention at most every few hours (on the overview, so no timer is needed)."""
    if c.config.retention_days <= 0:
        return
    with c.db.session() as s:
        row = s.get(Setting, "retention_ran")
        now = time.time()
        if row is not None and now - float(row.value) < RETENTION_EVERY_S:
            return
        if row is None:
            s.add(Setting(key="retention_ran", value=str(now)))
        else:
            row.value = str(now)
    deleted = stats.apply_retention(c.config.events_dir, c.config.retention_days)
    if deleted:
        with c.db.session() as s:
            audit.record(s, "system", "retention", f"{len(deleted)} files", days=c.config.retention_days)


def _chart(days: list[dict], width: int = 600, height: int = 160) -> dict:
    """Bar geometry for the inline SVG chart (no JavaScript, no CDN)."""
    top = max([d["asked"] for d in days] + [1])
    n = max(len(days), 1)
    bw = width / n
    bars = []
    for i, d in enumerate(days):
        h_all = round(d["asked"] / top * (height - 20), 1)
        h_ok = round(d["answered"] / top * (height - 20), 1)
        bars.append(
            {
                "x": round(i * bw + 1, 1),
                "w": round(max(bw - 2, 1), 1),
                "y_all": round(height - h_all, 1),
                "h_all": h_all,
                "y_ok": round(height - h_ok, 1),
                "h_ok": h_ok,
                "label": f"{d['day']}: {d['asked']} / {d['answered']}",
                "day": d["day"],
            }
        )
    return {"width": width, "height": height, "bars": bars, "max": top}


def user_is_locked(u: User, now: datetime | None = None) -> bool:
    return u.locked_until is not None and u.locked_until > (now or datetime.now(UTC))
