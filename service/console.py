"""Mounts the admin console (auskunft.console) on the Robyn app: request/response adaptation, the hooks
into the running chat service (index versions, curated answers, crawl, log-in rate limit) and the
personal API tokens of the admin API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from robyn import Headers, Request, Response, Robyn

from auskunft.config import Settings
from auskunft.console import audit, auth
from auskunft.console.app import create_console
from auskunft.console.curated import CuratedMatcher
from auskunft.console.db import ConsoleDB
from auskunft.console.views import LOGIN_ATTEMPTS_PER_IP
from auskunft.console.web import ConsoleConfig, Hooks, Reply, Req, Route
from auskunft.errors import AuthError

log = logging.getLogger("auskunft.service.console")
MAX_FORM_BYTES = 256 * 1024


class ConsoleMount:
    def __init__(
        self, app: Robyn, settings: Settings, runtime: Callable[[], Any], ip_of: Callable[[Request], str]
    ) -> None:
        self.settings = settings
        self.runtime = runtime
        self.ip_of = ip_of
        self.db = ConsoleDB(settings.console_db)
        self.db.migrate()  # before the worker processes start; every process opens its own engine later
        self.db.close()
        self.matcher: CuratedMatcher | None = None
        hooks = Hooks(
            index_manager=lambda: self.runtime().manager,
            on_live_changed=self._live_changed,
            curated_changed=self._curated_changed,
            login_limiter=self._login_limit,
            crawl=self._crawl,
            eval_metrics=self._eval_metrics,
            flow_runs=self._flow_runs if settings.prefect_api_url else None,
            matcher=lambda: self.matcher,  # the console's "Frage testen" box and open-question grouping
            passages=lambda q: self.runtime().engine.search(q),
            index_writer=self._index_writer,  # an excluded document leaves the live index at once
        )
        config = ConsoleConfig(
            events_dir=settings.events_dir,
            sources_file=settings.sources_file,
            runs_dir=settings.runs_dir,
            documents_dir=settings.documents_dir,
            cookie_secure=settings.console_cookie_secure,
            retention_days=settings.chat_log_retention_days,
            prefect_ui_url=settings.prefect_ui_url.rstrip("/"),
        )
        self.console = create_console(self.db, config, hooks)
        for route in self.console.routes:
            getattr(app, route.method.lower())(route.path)(self._handler(route))  # Robyn: /console/ too

    # ------------------------------------------------------------------------------------ start-up
    def curated_lookup(self, embedder: Any) -> Callable[[str], Any] | None:
        """The chat engine's curated-answer lookup (`build_runtime(curated=...)`), on the retriever's query
        embedder: curated answers go before retrieval."""
        if embedder is None:
            log.warning("curated answers off: the retriever has no query embedder")
            return None
        self.matcher = CuratedMatcher(self.db, embedder, self.settings.curated_min_similarity)
        return self.matcher.match

    def started(self) -> None:
        if self.settings.admin_token_hash is not None:
            log.warning(
                "ADMIN_TOKEN_HASH (the shared admin token) is deprecated: create personal API tokens in the "
                "console (My account) and remove it"
            )

    # ------------------------------------------------------------------------------------ hooks
    def _live_changed(self, collection: str) -> None:
        self.runtime().engine.use_version(collection)

    def _curated_changed(self) -> None:
        if self.matcher is not None:
            self.matcher.invalidate()

    async def _login_limit(self, key: str) -> tuple[bool, int]:
        return await self.runtime().limiter.hit(f"console-login:{key}", LOGIN_ATTEMPTS_PER_IP, 300)  # type: ignore[no-any-return]

    async def _crawl(self, name: str) -> dict:
        from service.crawls import start_crawl

        return await start_crawl(self.settings, name, log_prefix="console")

    def _index_writer(self) -> Any:
        from auskunft.console.index_ops import open_writer

        s = self.settings
        key = s.qdrant_api_key.get_secret_value() if s.qdrant_api_key else None
        return open_writer(s.qdrant_url, s.qdrant_path, key)

    def _flow_runs(self, source: str) -> list:
        from auskunft.console.prefect_runs import flow_runs

        return flow_runs(source, self.settings.prefect_ui_url)

    def _eval_metrics(self) -> dict[str, dict[str, float]]:
        """Newest evaluation metrics per index version from MLflow (empty when nothing was evaluated)."""
        s = self.settings
        if not s.mlflow_tracking_uri and not (s.data_dir / "mlflow.db").exists():
            return {}
        try:
            from auskunft.evaluation.tracking import list_runs

            runs = list_runs(s, max_results=200)
        except Exception as exc:  # noqa: BLE001 - the page shows versions without metrics
            log.warning("MLflow metrics unavailable: %s", exc)
            return {}
        out: dict[str, dict[str, float]] = {}
        metric_cols = [c for c in runs.columns if c not in ("run_id", "index", "dataset", "start_time")]
        for _, row in runs.iterrows():  # newest first
            if row["index"] and row["index"] not in out:
                out[row["index"]] = {c: float(row[c]) for c in metric_cols if row[c] == row[c]}  # NaN out
        return out

    # ------------------------------------------------------------------------------------ adaptation
    def _handler(self, route: Route) -> Callable:
        console, settings, ip_of = self.console, self.settings, self.ip_of

        async def handler(request: Request) -> Response:
            req = _req(request, ip_of(request))
            reply = await console.dispatch(route, req)
            return _response(reply, settings.console_cookie_secure)

        handler.__name__ = f"console_{route.method}_{route.path}".replace("/", "_").replace(":", "")
        return handler

    # ------------------------------------------------------------------------------------ admin API
    def check_api_token(self, request: Request) -> bool:
        """A personal API token of an active admin (`ak_…`) authorises the admin API."""
        header = request.headers.get("authorization") or ""
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not token.startswith(auth.TOKEN_PREFIX):
            return False
        with self.db.session() as s:
            ident = auth.identity_for_token(s, token, max_age_days=self.settings.api_token_days)
        if ident is None:
            raise AuthError("unknown or revoked API token")
        if not ident.can("admin"):
            raise auth.ForbiddenError("the admin API needs an admin's token")
        return True

    def api_actor(self, request: Request) -> str:
        """Who an admin API request acts as (for the audit log): the token's user, else the shared token."""
        header = request.headers.get("authorization") or ""
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if token.startswith(auth.TOKEN_PREFIX):
            with self.db.session() as s:
                ident = auth.identity_for_token(s, token, max_age_days=self.settings.api_token_days)
            if ident is not None:
                return ident.email
        return "admin-token"


def _cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {k: v.value for k, v in jar.items()}


def _req(request: Request, ip: str) -> Req:
    body = request.body
    raw = body.encode() if isinstance(body, str) else (body or b"")
    form: dict[str, list[str]] = {}
    if request.method == "POST" and raw and len(raw) <= MAX_FORM_BYTES:
        form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    query = {k: v for k, v in (request.query_params.to_dict() or {}).items()}
    headers = {k.lower(): v for k, v in request.headers.to_dict().items()}
    return Req(
        method=request.method,
        path=request.url.path.rstrip("/") or "/",
        params=dict(request.path_params or {}),
        # Robyn 0.88 hands query values over still percent-encoded
        query={unquote_plus(k): unquote_plus(v[0] if isinstance(v, list) else v) for k, v in query.items()},
        form=form,
        cookies=_cookies(request.headers.get("cookie") or ""),
        headers={k: (v[0] if isinstance(v, list) else v) for k, v in headers.items()},
        ip=ip,
    )


def _response(reply: Reply, secure: bool) -> Response:
    headers = {"Content-Type": reply.content_type, **reply.headers}
    resp = Response(status_code=reply.status, headers=Headers(headers), description=reply.body)
    for c in reply.cookies:
        resp.set_cookie(
            c.name,
            c.value,
            path="/console",
            max_age=c.max_age,
            secure=secure,
            http_only=True,
            same_site="Strict",
        )
    return resp


_MOUNT: ConsoleMount | None = None


def mount(
    app: Robyn, settings: Settings, runtime: Callable[[], Any], ip_of: Callable[[Request], str]
) -> ConsoleMount:
    """Register the console's routes (migrating its database first); at start-up the runtime is built with
    `curated=mount.curated_lookup`, then `started()`."""
    global _MOUNT
    _MOUNT = ConsoleMount(app, settings, runtime, ip_of)
    return _MOUNT


def current() -> ConsoleMount | None:
    return _MOUNT


def api_actor(request: Request) -> str:
    return _MOUNT.api_actor(request) if _MOUNT is not None else "admin-token"


def record_audit(actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
    """An admin API change in the console's audit log, beside the console's own."""
    if _MOUNT is not None:
        audit.recorder(_MOUNT.db)(actor, action, target, detail)


def api_token_ok(request: Request) -> bool:
    """True for a personal API token of an active admin; raises AuthError for an unknown `ak_` token;
    False for anything else (the caller checks the deprecated shared ADMIN_TOKEN_HASH)."""
    return _MOUNT is not None and _MOUNT.check_api_token(request)
