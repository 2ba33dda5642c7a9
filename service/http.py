"""HTTP plumbing shared by the routes: JSON responses, error mapping (the one place), CORS, headers."""

from __future__ import annotations

import functools
import hmac
import ipaddress
import json
import logging
import os
import uuid
from typing import Any

from robyn import Headers, Request, Response

from auskunft.errors import AuskunftError, RateLimitedError, ServiceBusyError
from service.validation import parse_json  # noqa: F401 - re-exported for the routes

log = logging.getLogger("auskunft.service")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cache-Control": "no-store",
}


def request_id(request: Request) -> str:
    rid = request.headers.get("x-request-id") or ""
    return rid[:64] if rid and all(c.isalnum() or c in "-_." for c in rid) else uuid.uuid4().hex


def cors_headers(request: Request, allowed: list[str]) -> dict[str, str]:
    origin = request.headers.get("origin") or ""
    if origin and origin.rstrip("/") in allowed:
        return {
            "Access-Control-Allow-Origin": origin,
            "Vary": "Origin",
            "Access-Control-Expose-Headers": "Retry-After, X-Request-ID",
        }
    return {}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    h = {"Content-Type": "application/json; charset=utf-8", **SECURITY_HEADERS, **(headers or {})}
    return Response(
        status_code=status, headers=Headers(h), description=json.dumps(data, ensure_ascii=False, default=str)
    )


def error_response(exc: AuskunftError, rid: str, headers: dict[str, str] | None = None) -> Response:
    """The single mapping from the error hierarchy to HTTP."""
    h = dict(headers or {})
    h["X-Request-ID"] = rid
    if isinstance(exc, RateLimitedError | ServiceBusyError):
        h["Retry-After"] = str(exc.retry_after_s)
    body = {"error": {"code": exc.code, "message": exc.message, "request_id": rid}}
    if exc.http_status >= 500:
        log.error("request %s failed: %s", rid, exc)
    return json_response(body, exc.http_status, h)


def parse_trusted(spec: str) -> list[IPNetwork]:
    """TRUSTED_PROXIES: comma-separated addresses or CIDR networks."""
    nets: list[IPNetwork] = []
    for part in (p.strip() for p in spec.split(",")):
        if part:
            nets.append(ipaddress.ip_network(part, strict=False))
    return nets


def _addr(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:5123"
        value = value.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


@functools.cache
def _guard_secret() -> bytes:
    return os.environ.get("AUSKUNFT_GUARD_SECRET", "").encode()


def peer_address(request: Request) -> str:
    """The TCP peer. Behind the guard (service/guard.py) the worker's own peer is the guard on loopback;
    the guard names the real peer in a header, believed only with the guard's per-start secret."""
    secret = _guard_secret()
    if secret:
        sent = (request.headers.get("x-auskunft-guard") or "").encode()
        peer = request.headers.get("x-auskunft-peer") or ""
        if peer and hmac.compare_digest(sent, secret):
            return peer
    return request.ip_addr or "unknown"


def client_ip(request: Request, trust_proxy: bool, trusted: list[IPNetwork]) -> str:
    """The visitor's address. Behind a proxy: the right-most X-Forwarded-For hop that is not a trusted proxy.

    Proxies append the address they received the request from, so every entry left of the first one
    written by a trusted proxy is whatever the client chose to send (nginx `real_ip_recursive`, uvicorn's
    ProxyHeadersMiddleware do the same walk). The header is used only when the peer itself is trusted."""
    peer = peer_address(request)
    if not trust_proxy:
        return peer

    def is_trusted(a: IPAddress | None) -> bool:
        return a is not None and any(a.version == n.version and a in n for n in trusted)

    if not is_trusted(_addr(peer)):
        return peer
    hops = [h for h in ",".join(request.headers.get_all("x-forwarded-for") or []).split(",") if h.strip()]
    for hop in reversed(hops):
        addr = _addr(hop)
        if addr is None:  # garbage from the client side of the chain: stop at the last good hop
            break
        if not is_trusted(addr):
            return str(addr)
        peer = str(addr)
    return peer


def rate_key(ip: str) -> str:
    """The rate-limit bucket of an address: IPv4 per address, IPv6 per /64 (one subscriber's network)."""
    addr = _addr(ip)
    if isinstance(addr, ipaddress.IPv6Address):
        return "ip6:" + str(ipaddress.ip_network(f"{addr}/64", strict=False))
    return f"ip:{addr if addr is not None else ip}"


def sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
