"""What every route group is registered with: `register(app, ctx)` in service/routes_*.py and
service/openai_compat.py gets one `RouteContext` (the settings, the running runtime, the client's IP) and
wraps its handlers in `ctx.guarded` (request id, CORS headers, errors mapped to HTTP in one place, the access
log line). Visitor routes also share the admission and rate-limit checks here."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from robyn import Headers, Request, Response

from auskunft.chat.factory import Runtime
from auskunft.config import Settings
from auskunft.errors import AuskunftError, RateLimitedError
from service.http import (
    IPNetwork,
    client_ip,
    cors_headers,
    error_response,
    parse_trusted,
    rate_key,
    request_id,
)

log = logging.getLogger("auskunft.service")

Handler = Callable[[Request, str, dict[str, str]], Awaitable[Any]]  # (request, request id, CORS headers)
Route = Callable[[Request], Awaitable[Any]]


@dataclass
class RouteContext:
    settings: Settings
    runtime: Callable[[], Runtime]  # raises AuskunftError("not_ready") until start-up has built it
    trusted: list[IPNetwork] = field(default_factory=list)

    @classmethod
    def create(cls, settings: Settings, runtime: Callable[[], Runtime]) -> RouteContext:
        return cls(settings, runtime, parse_trusted(settings.trusted_proxies))

    def ip_of(self, request: Request) -> str:
        return client_ip(request, self.settings.trust_proxy, self.trusted)

    def guarded(self, handler: Handler) -> Route:
        settings = self.settings

        async def wrapper(request: Request) -> Any:
            rid = request_id(request)
            cors = cors_headers(request, settings.allowed_origins)
            t0 = time.perf_counter()
            try:
                resp = await handler(request, rid, cors)
            except AuskunftError as exc:
                resp = error_response(exc, rid, cors)
            except Exception:
                log.exception("request %s: unexpected error", rid)
                resp = error_response(AuskunftError("internal error"), rid, cors)
            if isinstance(resp, Response):
                resp.headers.set("X-Request-ID", rid)
            log.info(
                "request %s %s %s %.1fms",
                rid,
                request.method,
                request.url.path,
                (time.perf_counter() - t0) * 1000,
            )
            return resp

        wrapper.__name__ = handler.__name__
        return wrapper

    def preflight(self) -> Route:
        """The CORS preflight (OPTIONS) of a visitor route: 204 for an allowed origin, else 403."""
        settings = self.settings

        async def _preflight(request: Request) -> Response:
            cors = cors_headers(request, settings.allowed_origins)
            if not cors:
                return Response(status_code=403, headers=Headers({}), description="origin not allowed")
            cors.update(
                {
                    "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
                    "Access-Control-Allow-Headers": "Content-Type, X-Request-ID",
                    "Access-Control-Max-Age": "600",
                }
            )
            return Response(status_code=204, headers=Headers(cors), description="")

        return _preflight

    # ------------------------------------------------------------------------------------ visitor checks
    def admit(self) -> None:
        """Quick refusal (503 + Retry-After) while the search queue is full, before any work is done."""
        gate = self.runtime().engine.gate
        if gate is not None:
            gate.admit_or_raise()

    async def rate_limit(self, ip: str, session_id: str | None) -> None:
        s, limiter = self.settings, self.runtime().limiter
        allowed, retry = await limiter.hit(rate_key(ip), s.rate_limit_ip_per_min, 60)  # type: ignore[attr-defined]
        if allowed and session_id:
            allowed, retry = await limiter.hit(f"session:{session_id}", s.rate_limit_session_per_min, 60)  # type: ignore[attr-defined]
        if not allowed:
            raise RateLimitedError(f"too many requests, retry in {retry} s", retry_after_s=retry)


def client_id(ip: str) -> str:
    """The client's IP as the event log keeps it (hashed)."""
    return hashlib.sha256(ip.encode()).hexdigest()[:16]
