"""The source form: plain fields (schedule picker, "nur unter …" / "nicht unter …") to and from a `Source`,
every wrong field reported at once with a German message next to it; regexes and cron under "Erweitert"."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

from auskunft.console.forms import Collector
from auskunft.crawl.guard import check_url, literal_refusal
from auskunft.errors import AuskunftError, SourceError
from auskunft.models import Source
from auskunft.sources import check_remote_edit, source_from_dict

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$")
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
FREQUENCIES = ("", "daily", "weekly", "monthly", "custom")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# ------------------------------------------------------------------------------------ schedule
def schedule_fields(cron: str | None) -> dict[str, str]:
    """The picker's fields for a stored cron expression (anything else: "custom" with the expression)."""
    if not cron:
        return {"frequency": "", "time": "03:00", "weekday": "1", "day": "1", "cron": ""}
    parts = cron.split()
    if len(parts) == 5 and parts[0].isdigit() and parts[1].isdigit() and parts[3] == "*":
        time = f"{int(parts[1]):02d}:{int(parts[0]):02d}"
        minute_hour = {"time": time, "weekday": "1", "day": "1", "cron": cron}
        if parts[2] == "*" and parts[4] == "*":
            return minute_hour | {"frequency": "daily"}
        if parts[2] == "*" and parts[4].isdigit():
            return minute_hour | {"frequency": "weekly", "weekday": str(int(parts[4]) % 7)}
        if parts[2].isdigit() and parts[4] == "*":
            return minute_hour | {"frequency": "monthly", "day": parts[2]}
    return {"frequency": "custom", "time": "03:00", "weekday": "1", "day": "1", "cron": cron}


def schedule_from(form: dict[str, str], errors: Collector) -> str | None:
    freq = form.get("frequency", "")
    if freq not in FREQUENCIES:
        freq = ""
    if freq == "":
        return None
    if freq == "custom":
        cron = " ".join(form.get("cron", "").split())
        from croniter import croniter

        if not cron or len(cron.split()) != 5 or not croniter.is_valid(cron):
            errors.add("cron", "err_cron")
            return None
        return cron
    m = TIME.match(form.get("time", "").strip())
    if not m:
        errors.add("time", "err_time")
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if freq == "daily":
        return f"{minute} {hour} * * *"
    if freq == "weekly":
        day = form.get("weekday", "1")
        if not day.isdigit() or not 0 <= int(day) <= 6:
            errors.add("weekday", "err_range", lo=0, hi=6)
            return None
        return f"{minute} {hour} * * {int(day)}"
    day = form.get("day", "1")
    if not day.isdigit() or not 1 <= int(day) <= 28:
        errors.add("day", "err_range", lo=1, hi=28)
        return None
    return f"{minute} {hour} {int(day)} * *"


# ------------------------------------------------------------------------------------ scope
def _prefix_regex(prefix: str, start_urls: list[str]) -> str | None:
    """`^` + the escaped URL prefix; a path ("/verband/") is taken on the start URLs' hosts."""
    if prefix.startswith(("http://", "https://")):
        return "^" + re.escape(prefix)
    if prefix.startswith("/"):
        origins = sorted({f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in start_urls if "://" in u})
        if not origins:
            return "^https?://[^/]+" + re.escape(prefix)
        if len(origins) == 1:
            return "^" + re.escape(origins[0] + prefix)
        return "^(?:" + "|".join(re.escape(o) for o in origins) + ")" + re.escape(prefix)
    return None


_PREFIX_FORM = re.compile(r"^\^((?:https?\\?:|\(\?:)[^()|*+?\[\]{}]*?(?:\))?[^()|*+?\[\]{}]*)$")


def split_scope(patterns: list[str]) -> tuple[list[str], list[str]]:
    """(prefixes shown as "nur/nicht unter …", the other patterns shown as regexes)."""
    prefixes, regexes = [], []
    for p in patterns:
        body = p[1:] if p.startswith("^") else ""
        plain = body.replace("\\", "") if body else ""
        if body and re.escape(plain) == body and plain.startswith(("http://", "https://")):
            prefixes.append(plain)
        else:
            regexes.append(p)
    return prefixes, regexes


def _scope(
    form: dict[str, str], field: str, regex_field: str, start: list[str], errors: Collector
) -> list[str]:
    out: list[str] = []
    for i, line in enumerate(_lines(form.get(field, "")), 1):
        rx = _prefix_regex(line, start)
        if rx is None:
            errors.add(field, "err_prefix", line=i)
        else:
            out.append(rx)
    for i, line in enumerate(_lines(form.get(regex_field, "")), 1):
        try:
            re.compile(line)
        except re.error as exc:
            errors.add(regex_field, "err_regex", line=i, why=str(exc))
            continue
        out.append(line)
    return out


# ------------------------------------------------------------------------------------ the form
def form_fields(s: Source | None) -> dict[str, str]:
    """The form's values for a stored source (or the defaults for a new one)."""
    if s is None:
        return {"max_depth": "5", "max_pages": "2000", "follow_pdfs": "on"} | schedule_fields("0 3 * * *")
    only, include_rx = split_scope(s.include)
    not_, exclude_rx = split_scope(s.exclude)
    out = {
        "name": s.name,
        "start_urls": "\n".join(s.start_urls),
        "only_under": "\n".join(only),
        "not_under": "\n".join(not_),
        "include": "\n".join(include_rx),
        "exclude": "\n".join(exclude_rx),
        "allowed_hosts": "\n".join(s.allowed_hosts),
        "max_depth": str(s.max_depth),
        "max_pages": str(s.max_pages),
        "render_js": "on" if s.render_js else "",
        "follow_pdfs": "on" if s.follow_pdfs else "",
    }
    return out | schedule_fields(s.schedule)


def source_from_form(form: dict[str, str], base: Source | None, taken: set[str]) -> Source:
    """The submitted fields over the stored source (fields the form does not show are kept), checked like
    `auskunft sources check` and the admin API; raises FormErrors with every wrong field."""
    errors = Collector()
    raw: dict[str, Any] = base.model_dump(mode="json") if base else {}
    if base is None:
        name = form.get("name", "").strip()
        if not name:
            errors.add("name", "err_required")
        elif not NAME.match(name):
            errors.add("name", "err_name_pattern")
        elif name in taken:
            errors.add("name", "err_name_taken")
        raw["name"] = name
    start = _lines(form.get("start_urls", ""))
    if not start:
        errors.add("start_urls", "err_required")
    for url in start:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.add("start_urls", "err_url", url=url)
            break
    raw["start_urls"] = start
    raw["include"] = _scope(form, "only_under", "include", start, errors)
    raw["exclude"] = _scope(form, "not_under", "exclude", start, errors)
    hosts = _lines(form.get("allowed_hosts", ""))
    for h in hosts:
        if not HOST.match(h):
            errors.add("allowed_hosts", "err_host", host=h)
    raw["allowed_hosts"] = hosts
    for field, lo, hi in (("max_depth", 0, 50), ("max_pages", 1, 1_000_000)):
        value = form.get(field, "").strip()
        if not value:
            continue
        if not value.isdigit():
            errors.add(field, "err_whole_number")
        elif not lo <= int(value) <= hi:
            errors.add(field, "err_range", lo=lo, hi=hi)
        else:
            raw[field] = int(value)
    raw["render_js"] = form.get("render_js") == "on"
    raw["follow_pdfs"] = form.get("follow_pdfs") == "on"
    raw["schedule"] = schedule_from(form, errors)
    errors.raise_if_any()
    try:
        # what only sources.yml may do (reach private addresses, widen such a source's scope) stays file-only
        return check_remote_edit(raw, source_from_dict(raw, "form"), base)
    except SourceError as exc:
        errors.add("form", "err_source", detail=str(exc))
        errors.raise_if_any()
        raise


async def start_url_refusal(source: Source, timeout_s: float = 5.0) -> tuple[str, str] | None:
    """(start URL, why) when the crawler's address guard would refuse a start URL, else None."""
    for url in source.start_urls:
        why = literal_refusal(url)
        if why is None:
            try:
                await asyncio.wait_for(check_url(url, allow_private=source.allow_private), timeout_s)
            except AuskunftError as exc:
                why = str(exc)
            except (TimeoutError, OSError) as exc:
                why = f"{type(exc).__name__}: {exc}"
        if why:
            return url, why
    return None
