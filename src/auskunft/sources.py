"""sources.yml: load, validate, save."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from auskunft.errors import SourceError
from auskunft.models import Source


def validate_source(source: Source) -> Source:
    for pattern in [*source.include, *source.exclude]:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SourceError(f"source {source.name!r}: bad regex {pattern!r}: {exc}") from exc
    if not source.start_urls:
        raise SourceError(f"source {source.name!r}: start_urls is empty")
    for url in source.start_urls:
        if not re.match(r"^https?://[^/\s]+", url):
            raise SourceError(f"source {source.name!r}: not an http(s) URL: {url!r}")
    for url in [*source.host_aliases.keys(), *source.host_aliases.values()]:
        if not re.match(r"^https?://[^/\s]+/?$", url):
            raise SourceError(
                f"source {source.name!r}: host_aliases maps origins (scheme://host[:port]), not an http(s) origin: {url!r}"
            )
    for host in source.allowed_hosts:
        if not re.match(r"^[A-Za-z0-9.\-\[\]:]+$", host):
            raise SourceError(f"source {source.name!r}: allowed_hosts takes host[:port] names, not {host!r}")
    if source.timeout_s <= 0 or source.max_file_bytes <= 0 or source.max_depth < 0:
        raise SourceError(
            f"source {source.name!r}: timeout_s and max_file_bytes must be positive, max_depth >= 0"
        )
    if source.schedule:
        from croniter import croniter

        if not croniter.is_valid(source.schedule):
            raise SourceError(f"source {source.name!r}: bad cron expression {source.schedule!r}")
    if source.rate_limit_per_s <= 0 or source.concurrency < 1 or source.max_pages < 1:
        raise SourceError(
            f"source {source.name!r}: rate_limit_per_s, concurrency and max_pages must be positive"
        )
    return source


def source_from_dict(raw: object, origin: str = "source") -> Source:
    """One source from a mapping (a sources.yml entry, an admin API body): unknown fields are errors."""
    if not isinstance(raw, dict):
        raise SourceError(f"{origin}: expected a mapping, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(Source.model_fields))
    if unknown:  # a typo such as `max_dept` must not be silently ignored
        raise SourceError(
            f"{origin} ({raw.get('name', '?')}): unknown field {unknown[0]!r}; known: {', '.join(Source.model_fields)}"
        )
    try:
        source = Source.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SourceError(f"{origin} ({raw.get('name', '?')}) field {where!r}: {first['msg']}") from exc
    return validate_source(source)


def parse_sources(data: object, origin: str = "sources") -> list[Source]:
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("sources", []), list):
        raise SourceError(f"{origin}: expected a mapping with a 'sources:' list")
    out = [
        source_from_dict(raw, f"{origin}: source #{i + 1}") for i, raw in enumerate(data.get("sources") or [])
    ]
    names = [s.name for s in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SourceError(f"{origin}: duplicate source names {dupes}")
    return out


def load_sources(path: Path) -> list[Source]:
    path = Path(path)
    if not path.exists():
        raise SourceError(f"sources file {path} not found: copy sources.example.yml or set SOURCES_FILE")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: invalid YAML: {exc}") from exc
    return parse_sources(data, str(path))


def save_sources(path: Path, sources: list[Source]) -> None:
    parse_sources({"sources": [s.model_dump(mode="json") for s in sources]}, str(path))  # validate first
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    payload = {
        "sources": [
            s.model_dump(mode="json", exclude_defaults=True) | {"name": s.name, "start_urls": s.start_urls}
            for s in sources
        ]
    }
    tmp.write_text(yaml.safe_dump(payload, sort_keys=False, allow_unicode=True), encoding="utf-8")
    tmp.replace(path)
