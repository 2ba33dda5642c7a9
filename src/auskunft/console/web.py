"""The console's HTTP layer without a web framework: requests in, pages or redirects out.

`Console` holds what the pages need (database, paths, hooks into the running service) and dispatches
`Req` to the handlers registered with `route`; service/console.py adapts Robyn to it. Every POST needs the
CSRF token of the session (or of the log-in form); every page names the least role it needs.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape

from auskunft.console import auth, i18n
from auskunft.console.auth import Identity
from auskunft.console.db import ConsoleDB
from auskunft.console.models import ROLES
from auskunft.errors import AuskunftError

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "ak_console"
LOGIN_CSRF_COOKIE = "ak_console_login"
LANG_COOKIE = "ak_console_lang"
PREFIX = "/console"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
MAY_WHILE_MUST_CHANGE = {f"{PREFIX}/account", f"{PREFIX}/account/password", f"{PREFIX}/logout"}
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "application/javascript; charset=utf-8"}


@dataclass
class Req:
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)  # path parameters
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, list[str]] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    ip: str = ""
    # filled in by the dispatcher
    user: Identity | None = None
    lang: str = "de"

    def f(self, name: str, default: str = "") -> str:
        values = self.form.get(name)
        return values[0] if values else default

    def flag(self, name: str) -> bool:
        return self.f(name) in ("on", "true", "1", "yes")


@dataclass
class Cookie:
    name: str
    value: str
    max_age: int | None = None


@dataclass
class Reply:
    status: int = 200
    body: str | bytes = ""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[Cookie] = field(default_factory=list)


Handler = Callable[[Req], Awaitable[Reply]]


@dataclass
class Route:
    method: str
    path: str  # Robyn syntax: /console/answers/:id
    handler: Handler
    role: str | None  # None: no log-in needed


@dataclass
class Hooks:
    """What the console needs from the running service (all optional: the pages say what is missing)."""

    index_manager: Callable[[], Any] | None = None  # -> IndexManager
    on_live_changed: Callable[[str], None] | None = None  # the chat engine picks up a new live version
    curated_changed: Callable[[], None] | None = None
    login_limiter: Callable[[str], Awaitable[tuple[bool, int]]] | None = None  # key -> (allowed, retry_s)
    crawl: Callable[[str], Awaitable[dict]] | None = None  # source name -> {"via": ..., "run_id": ...}
    eval_metrics: Callable[[], dict[str, dict[str, float]]] | None = None  # collection -> newest metrics
    flow_runs: Callable[[str], list] | None = None  # source -> [FlowRunInfo] from the Prefect API
    matcher: Callable[[], Any] | None = None  # -> the service's CuratedMatcher (None while it has none)
    passages: Callable[[str], list] | None = None  # question -> [RetrievedChunk] the bot would use
    index_writer: Callable[[], Any] | None = None  # -> a writable VectorStore (closed by the caller)


@dataclass
class ConsoleConfig:
    events_dir: Path
    sources_file: Path
    runs_dir: Path
    documents_dir: Path | None = None
    cookie_secure: bool = True
    retention_days: int = 365
    prefect_ui_url: str = ""
    mlflow_uri: str = ""


class HttpError(AuskunftError):
    def __init__(self, status: int, key: str) -> None:
        super().__init__(key, code=key)
        self.http_status = status


class Console:
    def __init__(self, db: ConsoleDB, config: ConsoleConfig, hooks: Hooks | None = None) -> None:
        self.db = db
        self.config = config
        self.hooks = hooks or Hooks()
        self.routes: list[Route] = []
        self.jinja = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.jinja.filters["berlin"] = i18n.berlin
        self.jinja.globals["action_text"] = i18n.action_text  # pages: registered by console/app.py

    # ------------------------------------------------------------------------------------ routing
    def route(self, method: str, path: str, role: str | None) -> Callable[[Handler], Handler]:
        assert role is None or role in ROLES

        def deco(fn: Handler) -> Handler:
            self.routes.append(Route(method, PREFIX + path, fn, role))
            return fn

        return deco

    async def dispatch(self, route: Route, req: Req) -> Reply:
        req.lang = i18n.pick(req.cookies.get(LANG_COOKIE), req.headers.get("accept-language"))
        try:
            if route.role is not None:
                token = req.cookies.get(SESSION_COOKIE, "")
                with self.db.session() as s:
                    req.user = auth.identity_for_session(s, token)
                if req.user is None:
                    if req.method == "GET":
                        return redirect(f"{PREFIX}/login?next={quote(req.path)}")
                    raise HttpError(401, "csrf_failed")
                if req.method == "POST" and not auth.csrf_ok(req.user, req.f("csrf")):
                    raise HttpError(403, "csrf_failed")
                if not req.user.can(route.role):
                    raise HttpError(403, "forbidden")
                if req.path not in MAY_WHILE_MUST_CHANGE:
                    from auskunft.console.users import must_change_password

                    with self.db.session() as s:
                        if must_change_password(s, req.user.id):
                            return redirect(f"{PREFIX}/account", i18n.text(req.lang)("must_change_now"))
            reply = await route.handler(req)
        except HttpError as exc:
            reply = self.render(req, "message.html", status=exc.http_status, message=exc.code)
        except AuskunftError as exc:  # validation and the like: the page says what was wrong
            reply = self.render(
                req,
                "message.html",
                status=exc.http_status,
                message=None,
                detail=i18n.error_text(req.lang, exc),
            )
        except Exception:
            log.exception("console %s %s failed", req.method, req.path)
            reply = self.render(req, "message.html", status=500, message="error", detail="internal error")
        reply.headers.setdefault("Content-Security-Policy", CSP)
        reply.headers.setdefault("X-Frame-Options", "DENY")
        reply.headers.setdefault("X-Content-Type-Options", "nosniff")
        reply.headers.setdefault("Referrer-Policy", "same-origin")
        reply.headers.setdefault("Cache-Control", "no-store")
        return reply

    # ------------------------------------------------------------------------------------ rendering
    def render(self, req: Req, template: str, status: int = 200, **ctx: Any) -> Reply:
        t = i18n.text(req.lang)
        html = self.jinja.get_template(template).render(
            t=t,
            lang=req.lang,
            user=req.user,
            csrf=req.user.csrf if req.user else "",
            path=req.path,
            prefix=PREFIX,
            flash=req.query.get("msg", ""),
            **ctx,
        )
        return Reply(status=status, body=html)

    def static(self, name: str) -> Reply:
        path = (HERE / "static" / name).resolve()
        if (
            path.parent != (HERE / "static").resolve()
            or not path.is_file()
            or path.suffix not in STATIC_TYPES
        ):
            return Reply(status=404, body="not found", content_type="text/plain")
        return Reply(
            body=path.read_bytes(),
            content_type=STATIC_TYPES[path.suffix],
            headers={"Cache-Control": "public, max-age=300"},
        )

    def plain_http(self, req: Req) -> bool:
        """Secure cookies are set but this request came over plain HTTP: the browser drops them."""
        return self.config.cookie_secure and req.headers.get("x-forwarded-proto", "http").lower() != "https"

    def session_cookie(self, value: str, max_age: int) -> Cookie:
        return Cookie(SESSION_COOKIE, value, max_age)


def redirect(location: str, msg: str = "") -> Reply:
    if msg:
        location += ("&" if "?" in location else "?") + "msg=" + quote(msg)
    return Reply(status=303, headers={"Location": location})


def login_csrf() -> str:
    return secrets.token_urlsafe(24)


def same_token(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def hashed_ip(ip: str) -> str:
    """Rate-limit key for a client address; the address itself is stored nowhere."""
    return hashlib.sha256(("console-login|" + ip).encode()).hexdigest()[:24]


# ------------------------------------------------------------------------------------ page helpers
def user_of(req: Req) -> Identity:
    """The signed-in user of a page that needs one (the route's role check ran before the handler)."""
    assert req.user is not None
    return req.user


def int_param(value: str) -> int:
    """A numeric id from the path; anything else is a 404."""
    if not value.isdigit():
        raise HttpError(404, "not_found")
    return int(value)


def tr(req: Req, key: str, **kw: object) -> str:
    """`key` in the request's language."""
    return i18n.text(req.lang)(key, **kw)
