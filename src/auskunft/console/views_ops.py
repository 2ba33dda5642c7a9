"""Pages for operations: sources (same validation as `auskunft sources check`), crawl runs, index versions."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import quote

from auskunft.catalog import SourceCatalog
from auskunft.console import audit, runs, source_form
from auskunft.console.forms import FormErrors
from auskunft.console.models import Setting
from auskunft.console.runs import RunInfo
from auskunft.console.web import PREFIX, Console, HttpError, Reply, Req, redirect, tr
from auskunft.errors import AuskunftError, ValidationError
from auskunft.models import Source

log = logging.getLogger(__name__)
CRAWL_STARTING_S = 600  # "wird gestartet" until a run folder appears, at most this long


def runs_of(c: Console, source: str, limit: int = 20) -> list[RunInfo]:
    return runs.runs_of(c.config.runs_dir, source, limit)


def last_runs(c: Console) -> list[tuple[str, RunInfo | None]]:
    return [(s.name, next(iter(runs_of(c, s.name, 1)), None)) for s in _sources(c)]


def _sources(c: Console) -> list[Source]:
    return SourceCatalog(c.config.sources_file).sources()


def register(c: Console) -> None:  # noqa: C901
    # every change to sources.yml is audited, as the admin API's are (auskunft.catalog)
    catalog = SourceCatalog(c.config.sources_file, audit.recorder(c.db))

    # ------------------------------------------------------------------------------------ sources
    @c.route("GET", "/sources", "viewer")
    async def sources(req: Req) -> Reply:
        return c.render(req, "sources.html", items=last_runs(c))

    def form_values(req: Req) -> dict[str, str]:
        return {k: v[0] for k, v in req.form.items() if v and k != "csrf"}

    @c.route("GET", "/sources/new", "editor")
    async def source_new(req: Req) -> Reply:
        return c.render(req, "source_form.html", s=None, form=source_form.form_fields(None), errors={})

    async def saved(req: Req, source: Source) -> Reply:
        refused = await source_form.start_url_refusal(source)
        if refused is None:
            return redirect(f"{PREFIX}/sources/{source.name}", tr(req, "saved"))
        url, why = refused
        reply = redirect(f"{PREFIX}/sources/{source.name}")
        reply.headers["Location"] += "?warn=" + quote(
            tr(req, "warn_start_refused", url=url, why=runs.german_reason(why))
        )
        return reply

    @c.route("POST", "/sources", "editor")
    async def source_create(req: Req) -> Reply:
        assert req.user is not None
        existing = _sources(c)
        form = form_values(req)
        try:
            source = source_form.source_from_form(form, None, {s.name for s in existing})
        except FormErrors as exc:
            return c.render(req, "source_form.html", status=422, s=None, form=form, errors=exc.errors)
        catalog.add(source, req.user.email)
        return await saved(req, source)

    def find(name: str) -> tuple[Source, list[Source]]:
        all_ = _sources(c)
        for s in all_:
            if s.name == name:
                return s, all_
        raise HttpError(404, "not_found")

    async def detail_page(req: Req, source: Source, status: int = 200, **extra: Any) -> Reply:
        run_list = await asyncio.to_thread(runs_of, c, source.name)
        flow_runs, flow_error = await _flow_runs(source.name)
        ctx: dict[str, Any] = {"form": source_form.form_fields(source), "errors": {}} | extra
        return c.render(
            req,
            "source_detail.html",
            status=status,
            s=source,
            runs=run_list,
            live=_live(source.name, run_list),
            flow_runs=flow_runs,
            flow_error=flow_error,
            prefect=c.config.prefect_ui_url,
            warn=req.query.get("warn", ""),
            schedule_text=_schedule_text(req, source.schedule),
            **ctx,
        )

    @c.route("GET", "/sources/:name", "viewer")
    async def source_detail(req: Req) -> Reply:
        source, _ = find(req.params["name"])
        return await detail_page(req, source)

    def _live(name: str, run_list: list[RunInfo]) -> dict[str, Any] | None:
        """The run in progress, or a crawl started from here whose run folder is not there yet."""
        if run_list and run_list[0].state == "running":
            r = run_list[0]
            p = r.progress
            return {
                "state": "running",
                "run": r.run_id,
                "step": p.step if p else "crawl",
                "done": p.docs_done if p else 0,
                "total": p.docs_total if p else 0,
                "chunks": p.chunks if p else 0,
            }
        with c.db.session() as s:
            row = s.get(Setting, f"crawl_started:{name}")
            started = float(row.value) if row is not None else 0.0
        newest = run_list[0].started.timestamp() if run_list and run_list[0].started else 0.0
        if time.time() - started < CRAWL_STARTING_S and newest < started - 5:
            return {"state": "starting"}
        return None

    @c.route("GET", "/sources/:name/status", "viewer")
    async def source_status(req: Req) -> Reply:
        """The live status as JSON (the page polls it while a crawl runs)."""
        source, _ = find(req.params["name"])
        run_list = await asyncio.to_thread(runs_of, c, source.name, 1)
        live = _live(source.name, run_list)
        text = ""
        if live and live["state"] == "running":
            text = tr(
                req,
                "progress_text",
                step=tr(req, "step_" + (live["step"] or "crawl")),
                done=live["done"],
                total=live["total"] or "?",
                chunks=live["chunks"],
            )
        elif live:
            text = tr(req, "status_starting") + " …"
        last = run_list[0] if run_list else None
        body = {
            "live": bool(live),
            "text": text,
            "run": last.run_id if last else None,
            "state": last.state if last else None,
        }
        return Reply(body=json.dumps(body), content_type="application/json")

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
        form = form_values(req)
        try:
            new = source_form.source_from_form(form, source, set())
        except FormErrors as exc:
            return await detail_page(req, source, 422, form=form, errors=exc.errors)
        catalog.update(new, req.user.email)
        return await saved(req, new)

    @c.route("POST", "/sources/:name/delete", "admin")
    async def source_delete(req: Req) -> Reply:
        assert req.user is not None
        source, _ = find(req.params["name"])
        catalog.delete(source.name, req.user.email)
        return redirect(f"{PREFIX}/sources", tr(req, "deleted"))

    @c.route("POST", "/sources/:name/crawl", "editor")
    async def source_crawl(req: Req) -> Reply:
        assert req.user is not None
        source, _ = find(req.params["name"])
        if c.hooks.crawl is None:
            raise AuskunftError("crawling from the console is not set up in this process", code="no_crawl")
        result = await c.hooks.crawl(source.name)
        with c.db.session() as s:
            audit.record(s, req.user.email, "source.crawl", source.name, **result)
            key = f"crawl_started:{source.name}"
            row = s.get(Setting, key)
            if row is None:
                s.add(Setting(key=key, value=str(time.time())))
            else:
                row.value = str(time.time())
        return redirect(f"{PREFIX}/sources/{source.name}", tr(req, "crawl_started_live"))

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
            question=tr(req, "promote_q", v=n),
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
            question=tr(req, "rollback_q"),
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
        return redirect(f"{PREFIX}/versions", tr(req, "now_live", v=live.collection))


def _schedule_text(req: Req, cron: str | None) -> str:
    f = source_form.schedule_fields(cron)
    if f["frequency"] == "":
        return tr(req, "sched_manual")
    if f["frequency"] == "daily":
        return tr(req, "sched_text_daily", time=f["time"])
    if f["frequency"] == "weekly":
        day = tr(req, "weekdays").split(",")[int(f["weekday"])]
        return tr(req, "sched_text_weekly", day=day, time=f["time"])
    if f["frequency"] == "monthly":
        return tr(req, "sched_text_monthly", day=f["day"], time=f["time"])
    return f"cron: {cron}"
