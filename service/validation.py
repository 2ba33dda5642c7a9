"""The one validation layer for public API input.

Every POST body goes through :func:`parse_json`: JSON only (415 otherwise: a `text/plain` or form body is a
CORS "simple" request that any web page can make without a preflight), a size bound, valid UTF-8, bounded
nesting and item count, and no string anywhere in it that holds a lone surrogate. Field helpers then check
types and visible content. Whatever a client sends, the answer is a 4xx with a stable code, never a 500.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from robyn import Request

from auskunft.errors import PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError

MAX_DEPTH = 16  # deepest legitimate body: /v1 messages -> message -> content parts -> part
MAX_ITEMS = 5_000  # values (strings, numbers, containers) in one body
SESSION_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
ANSWER_ID_RE = re.compile(r"[0-9a-f]{32}")
# characters that render as nothing although they are letters or symbols (Hangul fillers, braille blank)
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _media_type(request: Request) -> str:
    raw = request.headers.get("content-type") or ""
    return raw.split(";", 1)[0].strip().lower()


def parse_json(request: Request, max_bytes: int) -> dict:
    """The request body as a JSON object whose every string is valid Unicode; ValidationError otherwise."""
    if _media_type(request) != "application/json":
        raise UnsupportedMediaTypeError("Content-Type must be application/json")
    body = request.body
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else (body or b"")
    if len(raw) > max_bytes:
        raise PayloadTooLargeError(f"request body larger than {max_bytes} bytes")
    if not raw.strip():
        raise ValidationError("empty request body: JSON expected", code="invalid_json")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValidationError("request body is not valid UTF-8", code="invalid_json") from exc
    except json.JSONDecodeError as exc:
        raise ValidationError(f"malformed JSON: {exc}", code="invalid_json") from exc
    except ValueError as exc:  # a number the decoder refuses to convert (an integer of > 4300 digits)
        raise ValidationError(f"malformed JSON: {exc}", code="invalid_json") from exc
    except RecursionError as exc:
        raise ValidationError(f"JSON nested deeper than {MAX_DEPTH} levels", code="invalid_json") from exc
    if not isinstance(data, dict):
        raise ValidationError("JSON object expected", code="invalid_json")
    check_tree(data)
    return data


def check_tree(data: Any) -> None:
    """Depth, size and Unicode validity of a decoded JSON value (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    items = 0
    while stack:
        value, depth = stack.pop()
        items += 1
        if items > MAX_ITEMS:
            raise ValidationError(f"JSON body has more than {MAX_ITEMS} values", code="invalid_json")
        if isinstance(value, str):
            _check_unicode(value)
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ValidationError(f"JSON nested deeper than {MAX_DEPTH} levels", code="invalid_json")
            if isinstance(value, dict):
                for key, child in value.items():
                    _check_unicode(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in value)


def _check_unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # "\ud800" is valid JSON but not text
        raise ValidationError(
            "text holds an unpaired surrogate (invalid Unicode)", code="invalid_unicode"
        ) from exc


def is_visible(text: str) -> bool:
    """True when the text shows something: a letter, digit, punctuation or symbol that is not blank.

    Whitespace, control and format characters (zero-width space, joiners, BOM, soft hyphen, bidi marks),
    combining marks on their own and blank fillers do not count."""
    return any(unicodedata.category(c)[0] in "LNPS" and c not in _BLANK for c in text)


def text_field(data: dict, key: str, max_chars: int, *, code: str, required: bool = True) -> str | None:
    """A text field: a string with visible content, at most `max_chars` long (checked before stripping)."""
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not is_visible(value):
        raise ValidationError(f"'{key}' must be a non-empty string", code=code)
    if len(value) > max_chars:
        raise ValidationError(f"'{key}' longer than {max_chars} characters", code=_too_long(code))
    return value.strip()


def _too_long(code: str) -> str:
    return "message_too_long" if code in ("invalid_message", "invalid_messages") else code


def session_id(data: dict) -> str | None:
    sid = data.get("session_id")
    if sid is not None and (not isinstance(sid, str) or not SESSION_RE.fullmatch(sid)):
        raise ValidationError("'session_id' must match [A-Za-z0-9_-]{1,64}", code="invalid_session")
    return sid


def source_names(data: dict, max_names: int = 50) -> list[str] | None:
    sources = data.get("sources")
    if sources is None:
        return None
    if (
        not isinstance(sources, list)
        or len(sources) > max_names
        or not all(isinstance(s, str) and len(s) <= 64 for s in sources)
    ):
        raise ValidationError(
            f"'sources' must be a list of at most {max_names} source names", code="invalid_sources"
        )
    return sources


def boolean(data: dict, key: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValidationError(f"'{key}' must be true or false", code=f"invalid_{key}")
    return value


def answer_id(data: dict) -> str:
    value = data.get("answer_id")
    if not isinstance(value, str) or not ANSWER_ID_RE.fullmatch(value):
        raise ValidationError("'answer_id' must be the id of an answer", code="invalid_answer_id")
    return value
