"""sources.yml: load, validate, save."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from auskunft.errors import SourceError
from auskunft.models import Source

# Upper bounds: a source definition (from the file or the admin API) cannot make the crawler hammer a
# site, hold gigabytes per file or wait for hours.
LIMITS = {
    "concurrency": 64,
    "rate_limit_per_s": 1000.0,  # loopback mirrors in tests crawl fast; 1e9 is refused
    "max_file_bytes": 500_000_000,
    "timeout_s": 300.0,
    "max_pages": 1_000_000,
    "max_depth": 50,
    "max_crawl_s": 86_400.0,
}
MAX_PATTERN_CHARS = 500
_URL = re.compile(r"https?://[^/\s?#@]+(?:[/?#][^\s]*)?", re.IGNORECASE)
_ORIGIN = re.compile(r"https?://[^/\s?#@]+/?", re.IGNORECASE)
_HOST = re.compile(r"[A-Za-z0-9.\-\[\]:]+")
_USER_AGENT = re.compile(r"[\x20-\x7e]{1,200}")  # printable ASCII: no CR/LF header injection
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def check_pattern(pattern: str) -> str | None:
    """Why a URL regex is refused, or None. Catastrophic backtracking needs a repeat inside a repeat
    (`(a+)+`, `(\\w+\\s?)*`, `(.*a){20}`) or a back-reference; both are refused by structure, so a
    pattern never has to be run to be judged (the approach of RE2-style linters; Python has no regex timeout)."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"longer than {MAX_PATTERN_CHARS} characters"
    try:
        parsed = re._parser.parse(pattern)  # type: ignore[attr-defined]
    except re.error as exc:
        return str(exc)

    def walk(items: object, inside_repeat: bool) -> str | None:
        for op, av in items:  # type: ignore[attr-defined]
            name = str(op)
            if name in _REPEATS:
                lo, hi, body = av
                unbounded_or_many = hi is re._parser.MAXREPEAT or hi > 1  # type: ignore[attr-defined]
                if inside_repeat and unbounded_or_many:
                    return "nested quantifiers (catastrophic backtracking), e.g. (a+)+"
                why = walk(body, inside_repeat or unbounded_or_many)
            elif name in ("GROUPREF", "GROUPREF_EXISTS"):
                return "back-references are not allowed"
            elif name == "SUBPATTERN":
                why = walk(av[-1], inside_repeat)
            elif name == "BRANCH":
                if inside_repeat and not _distinct_starts(av[1]):
                    return "alternatives that can match the same text inside a repeat, e.g. (a|ab)+"
                why = next((w for b in av[1] if (w := walk(b, inside_repeat))), None)
            elif name in ("ASSERT", "ASSERT_NOT"):
                why = walk(av[1], inside_repeat)
            elif name == "ATOMIC_GROUP":
                why = walk(av, inside_repeat)
            else:
                why = None
            if why:
                return why
        return None

    return walk(parsed, False)


def _distinct_starts(branches: list) -> bool:
    """True when every alternative starts with a different literal character (so at most one can match)."""
    firsts = []
    for branch in branches:
        items = list(branch)
        if not items or str(items[0][0]) != "LITERAL":
            return False
        firsts.append(items[0][1])
    return len(set(firsts)) == len(firsts)


def validate_source(source: Source) -> Source:
    for pattern in [*source.include, *source.exclude]:
        why = check_pattern(pattern)
        if why:
            raise SourceError(f"source {source.name!r}: bad regex {pattern!r}: {why}")
    if not source.start_urls:
        raise SourceError(f"source {source.name!r}: start_urls is empty")
    for url in source.start_urls:
        if not _URL.fullmatch(url) or _CONTROL.search(url):
            raise SourceError(f"source {source.name!r}: not an http(s) URL: {url!r}")
    for url in [*source.host_aliases.keys(), *source.host_aliases.values()]:
        if not _ORIGIN.fullmatch(url):
            raise SourceError(
                f"source {source.name!r}: host_aliases maps origins (scheme://host[:port]), not an http(s) origin: {url!r}"
            )
    for host in source.allowed_hosts:
        if not _HOST.fullmatch(host):
            raise SourceError(f"source {source.name!r}: allowed_hosts takes host[:port] names, not {host!r}")
    if not _USER_AGENT.fullmatch(source.user_agent):
        raise SourceError(
            f"source {source.name!r}: user_agent must be 1-200 printable ASCII characters (no line breaks)"
        )
    if source.timeout_s <= 0 or source.max_file_bytes <= 0 or source.max_depth < 0:
        raise SourceError(
            f"source {source.name!r}: timeout_s and max_file_bytes must be positive, max_depth >= 0"
        )
    if source.schedule:
        from croniter import croniter

        if _CONTROL.search(source.schedule) or not croniter.is_valid(source.schedule):
            raise SourceError(f"source {source.name!r}: bad cron expression {source.schedule!r}")
    if source.rate_limit_per_s <= 0 or source.concurrency < 1 or source.max_pages < 1:
        raise SourceError(
            f"source {source.name!r}: rate_limit_per_s, concurrency and max_pages must be positive"
        )
    for field, limit in LIMITS.items():
        value = getattr(source, field)
        if not value <= limit:  # also refuses NaN
            raise SourceError(f"source {source.name!r}: {field} must be at most {limit}, not {value}")
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


def _entry(source: Source) -> dict:
    return source.model_dump(mode="json", exclude_defaults=True) | {
        "name": source.name,
        "start_urls": source.start_urls,
    }


def save_sources(path: Path, sources: list[Source]) -> None:
    """Write the list back, keeping the file's comments, key order and untouched entries as they were
    (ruamel.yaml round trip); validated first, replaced atomically."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    parse_sources({"sources": [s.model_dump(mode="json") for s in sources]}, str(path))  # validate first
    path = Path(path)
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    doc = rt.load(path.read_text(encoding="utf-8")) if path.exists() else None
    if not isinstance(doc, CommentedMap):
        doc = CommentedMap()
    old = doc.get("sources")
    if not isinstance(old, CommentedSeq):
        old = CommentedSeq()
    wanted = {source.name: source for source in sources}
    for i in reversed(range(len(old))):  # in place, so comments stay on the entries they belong to
        entry = old[i]
        if not isinstance(entry, CommentedMap) or entry.get("name") not in wanted:
            del old[i]
    present = set()
    for entry in old:
        source = wanted[entry["name"]]
        present.add(source.name)
        fields = _entry(source)
        full = source.model_dump(mode="json")
        for key in list(entry):
            if key not in fields and key in full and entry[key] != full[key]:
                entry[key] = full[key]  # back to the default: written out, so its comment stays
        for key, value in fields.items():
            if entry.get(key) != value:
                entry[key] = value
    old.extend(CommentedMap(_entry(s)) for s in sources if s.name not in present)
    doc["sources"] = old
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        rt.dump(doc, fh)
    tmp.replace(path)


# ----------------------------------------------------------------------------------------- remote edits
# Fields a remote edit (admin API, console) cannot switch on: they widen what the crawler may reach
# inside the operator's network. They are set in sources.yml (whoever can edit that file already owns the
# host). This is the split Prefect and Qdrant make between API-writable and file/env-only settings.
FILE_ONLY = ("allow_private",)
SCOPE_FIELDS = ("start_urls", "allowed_hosts", "host_aliases")
_LOCAL_NAMES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet", ".corp")


def _public_host(host: str) -> bool:
    """True when every address the host name (or literal) stands for is globally routable."""
    import ipaddress
    import socket

    host = host.strip("[]").lower().rstrip(".")
    try:
        addrs = [ipaddress.ip_address(host)]
    except ValueError:
        if host == "localhost" or host.endswith(_LOCAL_NAMES) or "." not in host:
            return False
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except OSError:
            return False
        addrs = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    for addr in addrs:
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        if not addr.is_global or addr.is_multicast:
            return False
    return bool(addrs)


def check_remote_edit(raw: dict, new: Source, old: Source | None) -> Source:
    """A source sent through the admin API (or console), checked against what only the file may do.

    `allow_private` cannot be switched on; a source the file trusts with private addresses keeps its
    scope (start URLs, allowed hosts, aliases) as the file has it; alias targets must be public hosts.
    Blocking (resolves alias host names): call it off the event loop."""
    from urllib.parse import urlsplit

    was_private = bool(old and old.allow_private)
    if new.allow_private and not was_private:
        raise SourceError(
            f"source {new.name!r}: allow_private can only be switched on in sources.yml (not through the API)",
            code="file_only_setting",
        )
    if was_private and "allow_private" not in raw:
        new = new.model_copy(update={"allow_private": True})
    if new.allow_private and old is not None:
        changed = [f for f in SCOPE_FIELDS if getattr(new, f) != getattr(old, f)]
        if changed:
            raise SourceError(
                f"source {new.name!r} may reach private addresses (allow_private in sources.yml): "
                f"its {', '.join(changed)} can only be changed in the file",
                code="file_only_setting",
            )
    old_targets = set(old.host_aliases.values()) if old else set()
    for target in new.host_aliases.values():
        if target in old_targets:
            continue
        host = urlsplit(target).hostname or ""
        if not _public_host(host):
            raise SourceError(
                f"source {new.name!r}: host_aliases target {target!r} is not a public host; "
                "aliases to internal addresses can only be set in sources.yml",
                code="file_only_setting",
            )
    return new
