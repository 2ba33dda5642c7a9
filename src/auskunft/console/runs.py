"""Crawl runs as the console shows them: what a run folder tells (summary, step outputs, crawl manifest,
progress), counted as new / changed / unchanged / skipped / blocked / failed with reasons in German, and an
honest status: a run that fetched nothing is a warning, not ok."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from auskunft.pipeline.progress import PROGRESS_FILE, ProgressState, read_state

COUNT_KEYS = ("new", "changed", "unchanged", "skipped", "blocked", "failed", "gone")
RUNNING_FOR_S = 6 * 3600  # a run folder without a summary older than this is not running any more

# (pattern on the crawler's English reason, German text); first match wins
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"disallowed by robots\.txt", re.I), "robots.txt der Website verbietet den Abruf"),
    (re.compile(r"robots\.txt unavailable", re.I), "robots.txt nicht erreichbar: nichts abgerufen"),
    (
        re.compile(r"SSRF guard|non-public address|private|loopback|link-local", re.I),
        "Adresse gesperrt: privates oder internes Netz (allow_private nur in sources.yml)",
    ),
    (re.compile(r"redirects to (\S+)", re.I), "leitet weiter auf {0}"),
    (re.compile(r"\b404\b|not found", re.I), "Seite nicht gefunden (404)"),
    (re.compile(r"\b410\b", re.I), "Seite gelöscht (410)"),
    (re.compile(r"\b403\b|forbidden", re.I), "Zugriff verweigert (403)"),
    (re.compile(r"\b5\d\d\b", re.I), "Fehler des Servers (5xx)"),
    (re.compile(r"timed? ?out|timeout", re.I), "Zeitüberschreitung"),
    (re.compile(r"too large|max_file_bytes|bytes", re.I), "Datei zu groß"),
    (re.compile(r"no longer linked", re.I), "nicht mehr verlinkt: aus dem Index entfernt"),
    (re.compile(r"out of scope|not in scope|excluded", re.I), "außerhalb des Bereichs der Quelle"),
    (re.compile(r"content type|unsupported", re.I), "Dateiart wird nicht gelesen"),
    (re.compile(r"name or service|resolve|DNS|getaddrinfo", re.I), "Hostname nicht auflösbar"),
    (re.compile(r"connect", re.I), "Verbindung fehlgeschlagen"),
)


def german_reason(reason: str | None) -> str:
    if not reason:
        return "ohne Angabe"
    for pattern, text in _REASONS:
        m = pattern.search(reason)
        if m:
            return text.format(*m.groups())
    return reason


def _blocked(reason: str | None) -> bool:
    return bool(reason) and bool(
        re.search(r"robots\.txt|SSRF|non-public|private|loopback|link-local", reason or "")
    )


@dataclass
class RunInfo:
    run_id: str
    started: datetime | None
    state: str  # "ok", "warning", "failed", "running"
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float | None = None
    notebooks: dict[str, str] = field(default_factory=dict)
    reasons: list[tuple[str, str, str]] = field(default_factory=list)  # (status, url, German reason)
    error: str | None = None
    progress: ProgressState | None = None

    @property
    def ok(self) -> bool | None:  # the old meaning, for callers that only know ok / failed / running
        return None if self.state == "running" else self.state in ("ok", "warning")

    @property
    def fetched(self) -> int:
        return sum(self.counts.get(k, 0) for k in ("new", "changed", "unchanged"))


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _started(run_id: str) -> datetime | None:
    try:
        return datetime.strptime(run_id.split("-")[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def run_info(run_dir: Path) -> RunInfo:
    """What a run folder tells: summary.json (flow runs), else the step outputs the notebooks recorded; the
    crawl manifest gives the counts and reasons per URL."""
    rid = run_dir.name
    info = RunInfo(run_id=rid, started=_started(rid), state="running")
    summary = _read_json(run_dir / "summary.json")
    finished = False
    if summary:
        finished = True
        info.state = "ok" if summary.get("ok") else "failed"
        info.seconds = round(sum((summary.get("timings") or {}).values()), 1) or None
        info.notebooks = dict(summary.get("notebooks") or {})
        info.error = summary.get("error")
    else:
        steps = {s: _read_json(run_dir / f"{s}.outputs.json") for s in ("crawl", "extract", "index")}
        if all(steps.values()):
            finished, info.state = True, "ok"
            info.seconds = round(sum(float(s.get("seconds") or 0) for s in steps.values()), 1)
        info.notebooks = {s: str(run_dir / f"{s}.ipynb") for s in steps if (run_dir / f"{s}.ipynb").exists()}
    records = _read_json(run_dir / "crawl_manifest.json").get("records") or []
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for r in records:
        status, reason = r.get("status", "failed"), r.get("error")
        key = "blocked" if status in ("skipped", "failed") and _blocked(reason) else status
        counts[key] = counts.get(key, 0) + 1
        if key in ("skipped", "blocked", "failed", "gone"):
            info.reasons.append((key, r.get("url", ""), german_reason(reason)))
    if not records and summary.get("counts"):
        counts.update({k: int(v) for k, v in summary["counts"].items() if isinstance(v, int)})
    info.counts = counts
    info.reasons = info.reasons[:100]
    if finished and info.state == "ok" and info.fetched == 0:
        info.state = "warning"  # nothing fetched: a refused start URL, robots.txt, an empty site
    if not finished:
        started = info.started.timestamp() if info.started else 0.0
        if time.time() - started > RUNNING_FOR_S:
            info.state = "failed"
            info.error = info.error or "abgebrochen (kein Abschluss)"
        elif (run_dir / PROGRESS_FILE).exists():
            info.progress, _ = read_state(run_dir / PROGRESS_FILE)
    return info


def runs_of(runs_dir: Path, source: str, limit: int = 20) -> list[RunInfo]:
    base = runs_dir / source
    if not base.is_dir():
        return []
    dirs = sorted((p for p in base.iterdir() if p.is_dir()), reverse=True)[:limit]
    return [run_info(d) for d in dirs]
