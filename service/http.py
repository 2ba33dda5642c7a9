"""HTTP plumbing shared by the routes: JSON responses, error mapping (the one place), CORS, headers."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from robyn import Headers, Request, Response

from auskunft.errors import AuskunftError, PayloadTooLargeError, RateLimitedError, ValidationError

log = logging.getLogger("auskunft.service")

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
    if isinstance(exc, RateLimitedError):
        h["Retry-After"] = str(exc.retry_after_s)
    body = {"error": {"code": exc.code, "message": exc.message, "request_id": rid}}
    if exc.http_status >= 500:
        log.error("request %s failed: %s", rid, exc)
    return json_response(body, exc.http_status, h)


def parse_json(request: Request, max_bytes: int) -> dict:
    body = request.body
    raw = body.encode() if isinstance(body, str) else (body or b"")
    if len(raw) > max_bytes:
        raise PayloadTooLargeError(f"request body larger than {max_bytes} bytes")
    if not raw.strip():
        raise ValidationError("empty request body: JSON expected", code="invalid_json")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"malformed JSON: {exc}", code="invalid_json") from exc
    if not isinstance(data, dict):
        raise ValidationError("JSON object expected", code="invalid_json")
    return data


def client_ip(request: Request, trust_proxy: bool) -> str:
    if trust_proxy:
        fwd = request.headers.get("x-forwarded-for")
        if fwd:
            return fwd.split(",")[0].strip()
    return request.ip_addr or "unknown"


def sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
