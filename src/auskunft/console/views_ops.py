"""Pages for operations: sources (same validation as `auskunft sources check`), crawl runs, index versions."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from auskunft.console import audit
from auskunft.console.web import PREFIX, Console, HttpError, Reply, Req, redirect
from auskunft.errors import AuskunftError, SourceError, ValidationError
from auskunft.models import Source
from auskunft.sources import check_remote_edit, load_sources, save_sources, source_from_dict

log = logging.getLogger(__name__)
LIST_FIELDS = ("start_urls", "include", "exclude", "allowed_hosts")
INT_FIELDS = ("max_depth", "max_pages")
BOOL_FIELDS = ("render_js", "follow_pdfs")


@dataclass
class RunInfo:
    run_id: str
    started: str
    ok: bool | None  # None: still running or no summary
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float | None = None
    notebooks: dict[str, str] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def run_info(run_dir: Path) -> RunInfo:
    """What a run folder tells: summary.json (flow runs), else the step outputs the notebooks recorded."""
    rid = run_dir.name
    try:
        started = datetime.strptime(rid.split("-")[0], "%Y%m%dT%H%M%SZ").strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        started = rid
    info = RunInfo(run_id=rid, started=started, ok=None)
    summary = _read_json(run_dir / "summary.json")
    if summary:
        info.ok = bool(summary.get("ok"))
        info.counts = dict(summary.get("counts") or {})
        info.seconds = round(sum((summary.get("timings") or {}).values()), 1) or None
        info.notebooks = dict(summary.get("notebooks") or {})
        info.error = summary.get("error")
    else:
        steps = {s: _read_json(run_dir / f"{s}.outputs.json") for s in ("crawl", "extract", "index")}
        if steps["crawl"]:
            info.counts = dict(steps["crawl"].get("counts") or {})
        if all(steps.values()):
            info.ok = True
            info.seconds = round(sum(float(s.get("seconds") or 0) for s in steps.values()), 1)
        info.notebooks = {s: str(run_dir / f"{s}.ipynb") for s in steps if (run_dir / f"{s}.ipynb").exists()}
    manifest = _read_json(run_dir / "crawl_manifest.json")
    records = manifest.get("records") or []
    if records and not info.counts:
        for r in records:
            info.counts[r.get("status", "?")] = info.counts.get(r.get("status", "?"), 0) + 1
    info.failures = [
        (r.get("url", ""), r.get("error") or "") for r in records if r.get("status") == "failed"
    ][:50]
    return info


def runs_of(c: Console, source: str, limit: int = 20) -> list[RunInfo]:
    base = c.config.runs_dir / source
    if not base.is_dir():
        return []
    dirs = sorted((p for p in base.iterdir() if p.is_dir()), reverse=True)[:limit]
    return [run_info(d) for d in dirs]


def last_runs(c: Console) -> list[tuple[str, RunInfo | None]]:
    return [(s.name, next(iter(runs_of(c, s.name, 1)), None)) for s in _sources(c)]


def _sources(c: Console) -> list[Source]:
    return load_sources(c.config.sources_file) if c.config.sources_file.exists() else []


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def source_from_form(req: Req, base: Source | None) -> Source:
    """The form's fields over the stored source (fields the form does not show are kept), validated like
    `auskunft sources check` and the admin API do."""
    raw: dict[str, Any] = base.model_dump(mode="json") if base else {}
    raw["name"] = base.name if base else req.f("name").strip()
    for name in LIST_FIELDS:
        raw[name] = _lines(req.f(name))
    for name in INT_FIELDS:
        value = req.f(name).strip()
        if value:
            if not value.isdigit():
                raise SourceError(f"{name}: a whole number is needed, not {value!r}")
            raw[name] = int(value)
    for name in BOOL_FIELDS:
        raw[name] = req.flag(name)
    raw["schedule"] = req.f("schedule").strip() or None
    # what only sources.yml may do (reach private addresses, widen such a source's scope) stays file-only here
    return check_remote_edit(raw, source_from_dict(raw, "form"), base)


def register(c: Console) -> None:  # noqa: C901
    # ------------------------------------------------------------------------------------ sources
    @c.route("GET", "/sources", "viewer")
    async def sources(req: Req) -> Reply:
        return c.render(req, "sources.html", items=last_runs(c))

    @c.route("GET", "/sources/new", "editor")
    async def source_new(req: Req) -> Reply:
        return c.render(req, "source_form.html", s=None, form={}, error="")

    def form_values(req: Req) -> dict[str, Any]:
        return {k: v[0] for k, v in req.form.items() if v}

    @c.route("POST", "/sources", "editor")
    async def source_create(req: Req) -> Reply:
        assert req.user is not None
        try:
            source = source_from_form(req, None)
            existing = _sources(c)
            if any(s.name == source.name for s in existing):
                raise SourceError(f"a source named {source.name!r} exists already")
            save_sources(c.config.sources_file, [*existing, source])
        except SourceError as exc:
            return c.render(
                req, "source_form.html", status=422, s=None, form=form_values(req), error=str(exc)
            )
        with c.db.session() as s:
            audit.record(s, req.user.email, "source.create", source.name, start_urls=source.start_urls)
        return redirect(f"{PREFIX}/sources/{source.name}", _t(req, "saved"))

    def find(name: str) -> tuple[Source, list[Source]]:
        all_ = _sources(c)
        for s in all_:
            if s.name == name:
                return s, all_
        raise HttpError(404, "not_found")

    @c.route("GET", "/sources/:name", "viewer")
    async def source_detail(req: Req) -> Reply:
        source, _ = find(req.params["name"])
        runs = await asyncio.to_thread(runs_of, c, source.name)
        flow_runs, flow_error = await _flow_runs(source.name)
        return c.render(
            req,
            "source_detail.html",
            s=source,
            runs=runs,
            flow_runs=flow_runs,
            flow_error=flow_error,
            form={},
            error="",
            prefect=c.config.prefect_ui_url,
        )

    async def _flow_runs(name: str) -> tuple[list, str]:
        if c.hooks.flow_runs is None:
            return [], ""
        try:
            return await asyncio.to_thread(c.hooks.flow_runs, name), ""
        except Exception as exc:  # noqa: BLE001 - the page shows the run folders anyway
            log.warning("Prefect API unavailable: %s", exc)
            return [], f"Prefect API: {type(exc).__name__}"

    @c.route("POST", "/sources/:name", "editor")
    async def source_update(req: Req) -> Reply:
        assert req.user is not None
        source, all_ = find(req.params["name"])
        try:
            new = source_from_form(req, source)
            save_sources(c.config.sources_file, [new if s.name == source.name else s for s in all_])
        except SourceError as exc:
            runs = runs_of(c, source.name)
            return c.render(
                req,
                "source_detail.html",
                status=422,
                s=source,
                runs=runs,
                flow_runs=[],
                flow_error="",
                form=form_values(req),
                error=str(exc),
                prefect=c.config.prefect_ui_url,
            )
        changed = {
            k: v for k, v in new.model_dump(mode="json").items() if source.model_dump(mode="json").get(k) != v
        }
        with c.db.session() as s:
            audit.record(s, req.user.email, "source.update", source.name, **changed)
        return redirect(f"{PREFIX}/sources/{source.name}", _t(req, "saved"))

    @c.route("POST", "/sources/:name/delete", "editor")
    async def source_delete(req: Req) -> Reply:
        assert req.user is not None
        source, all_ = find(req.params["name"])
        save_sources(c.config.sources_file, [s for s in all_ if s.name != source.name])
        with c.db.session() as s:
            audit.record(s, req.user.email, "source.delete", source.name)
        return redirect(f"{PREFIX}/sources", _t(req, "deleted"))

    @c.route("POST", "/sources/:name/crawl", "editor")
    async def source_crawl(req: Req) -> Reply:
        assert req.user is not None
        source, _ = find(req.params["name"])
        if c.hooks.crawl is None:
            raise AuskunftError("crawling from the console is not set up in this process", code="no_crawl")
        result = await c.hooks.crawl(source.name)
        with c.db.session() as s:
            audit.record(s, req.user.email, "source.crawl", source.name, **result)
        return redirect(
            f"{PREFIX}/sources/{source.name}", _t(req, "crawl_started", via=result.get("via", ""))
        )

    # ------------------------------------------------------------------------------------ index versions
    def manager() -> Any:
        if c.hooks.index_manager is None:
            raise AuskunftError("no index in this process", code="no_index")
        return c.hooks.index_manager()

    @c.route("GET", "/versions", "viewer")
    async def versions(req: Req) -> Reply:
        m = manager()
        items = await asyncio.to_thread(m.list_versions)
        metrics = await asyncio.to_thread(c.hooks.eval_metrics) if c.hooks.eval_metrics else {}
        items = sorted(items, key=lambda v: v.version, reverse=True)
        can_rollback = any(v.live for v in items) and len(items) > 1
        return c.render(req, "versions.html", versions=items, metrics=metrics, can_rollback=can_rollback)

    def version_number(req: Req) -> int:
        raw = req.params.get("n", "").lstrip("v")
        if not raw.isdigit():
            raise ValidationError("version must be a number", code="invalid_version")
        return int(raw)

    @c.route("GET", "/versions/:n/promote", "admin")
    async def promote_confirm(req: Req) -> Reply:
        n = version_number(req)
        return c.render(
            req,
            "confirm.html",
            question=_t(req, "promote_q", v=n),
            action=f"{PREFIX}/versions/{n}/promote",
            back=f"{PREFIX}/versions",
        )

    @c.route("POST", "/versions/:n/promote", "admin")
    async def promote(req: Req) -> Reply:
        assert req.user is not None
        n = version_number(req)
        live = await asyncio.to_thread(manager().promote, n)
        return _switched(req, "index.promote", live)

    @c.route("GET", "/versions/rollback", "admin")
    async def rollback_confirm(req: Req) -> Reply:
        return c.render(
            req,
            "confirm.html",
            question=_t(req, "rollback_q"),
            action=f"{PREFIX}/versions/rollback",
            back=f"{PREFIX}/versions",
        )

    @c.route("POST", "/versions/rollback", "admin")
    async def rollback(req: Req) -> Reply:
        live = await asyncio.to_thread(manager().rollback)
        return _switched(req, "index.rollback", live)

    def _switched(req: Req, action: str, live: Any) -> Reply:
        assert req.user is not None
        if c.hooks.on_live_changed is not None:
            c.hooks.on_live_changed(live.collection)
        with c.db.session() as s:
            audit.record(s, req.user.email, action, live.collection)
        return redirect(f"{PREFIX}/versions", _t(req, "now_live", v=live.collection))


def _t(req: Req, key: str, **kw: object) -> str:
    from auskunft.console.i18n import text

    return text(req.lang)(key, **kw)
