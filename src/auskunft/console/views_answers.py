"""Pages: open questions (grouped by meaning, merged by hand, with what the bot answered) and curated
answers (several wordings each, a "Frage testen" box, closing the open question they were written for)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import select

from auskunft.console import audit, curated, stats
from auskunft.console.forms import FormErrors
from auskunft.console.matching import same_intent
from auskunft.console.models import CuratedAnswer, DoneQuestion, QuestionMerge
from auskunft.console.web import PREFIX, Console, HttpError, Reply, Req, int_param, redirect, tr, user_of
from auskunft.errors import ValidationError

log = logging.getLogger(__name__)


def _sources_text(sources: list[dict]) -> str:
    return "\n".join(f"{s.get('url', '')} {s.get('title', '')}".strip() for s in sources or [])


def register(c: Console) -> None:  # noqa: C901 - one closure per page keeps the handlers beside their routes
    def matcher() -> Any:
        return c.hooks.matcher() if c.hooks.matcher is not None else None

    def titles(urls: list[str]) -> dict[str, str]:
        if c.config.documents_dir is None:
            return {}
        from auskunft.console.docsearch import DocumentIndex

        try:
            return DocumentIndex(c.config.documents_dir).titles(urls)
        except Exception as exc:  # noqa: BLE001 - URLs are shown instead
            log.warning("document titles unavailable: %s", exc)
            return {}

    # ------------------------------------------------------------------------------------ questions
    def gap_groups() -> list[stats.GapGroup]:
        with c.db.session() as s:
            done = {d.question: (d.done_at, d.answer_id) for d in s.scalars(select(DoneQuestion))}
            merges = {m.question: m.into for m in s.scalars(select(QuestionMerge))}
        m = matcher()
        same = None
        if m is not None:

            def same(a: str, b: str) -> bool:
                from auskunft.console.matching import pair_score

                return same_intent(pair_score(a, b, m.vector(a), m.vector(b)), m.params)

        return stats.knowledge_gaps(c.config.events_dir, done, same=same, merges=merges)

    @c.route("GET", "/questions", "viewer")
    async def questions(req: Req) -> Reply:
        groups = await asyncio.to_thread(gap_groups)
        show_done = req.query.get("done") == "1"
        visible = [g for g in groups if show_done or not g.done]
        urls = sorted({u for g in visible for u in g.retrieved})
        names = await asyncio.to_thread(titles, urls)
        return c.render(
            req,
            "questions.html",
            groups=visible,
            all_groups=[g for g in groups if not g.done],
            show_done=show_done,
            n_done=sum(g.done for g in groups),
            titles=names,
        )

    @c.route("POST", "/questions/done", "editor")
    async def mark_done(req: Req) -> Reply:
        key = stats.normalise(req.f("key"))
        if not key:
            raise ValidationError("which question?", code="missing_fields")
        with c.db.session() as s:
            if req.f("done", "1") == "1":
                curated.close_question(s, user_of(req).email, key, None)
            else:
                for k in [key, *[stats.normalise(v) for v in req.form.get("keys", [])]]:
                    row = s.get(DoneQuestion, k)
                    if row is not None:
                        s.delete(row)
                audit.record(s, user_of(req).email, "question.reopen", key)
        return redirect(PREFIX + "/questions", tr(req, "saved"))

    @c.route("POST", "/questions/merge", "editor")
    async def merge(req: Req) -> Reply:
        key, into = stats.normalise(req.f("key")), stats.normalise(req.f("into"))
        if not key or not into or key == into:
            raise ValidationError("which groups?", code="missing_fields")
        with c.db.session() as s:
            for k in {key, *[stats.normalise(v) for v in req.form.get("keys", [])]} - {into}:
                row = s.get(QuestionMerge, k)
                if row is None:
                    s.add(QuestionMerge(question=k, into=into, merged_by=user_of(req).email))
                else:
                    row.into = into
            audit.record(s, user_of(req).email, "question.merge", key, into=into)
        return redirect(PREFIX + "/questions", tr(req, "merged"))

    # ------------------------------------------------------------------------------------ curated answers
    @c.route("GET", "/answers", "viewer")
    async def answers(req: Req) -> Reply:
        with c.db.session() as s:
            rows = curated.all_answers(s)
        return c.render(req, "answers.html", answers=rows, test=None, q="")

    @c.route("GET", "/answers/test", "viewer")
    async def answer_test(req: Req) -> Reply:
        """What a question gets: the curated answer it matches, else the passages the search finds."""
        q = req.query.get("q", "").strip()[:500]
        with c.db.session() as s:
            rows = curated.all_answers(s)
        test: dict[str, Any] = {"candidates": [], "passages": [], "match": None, "error": ""}
        m = matcher()
        if q and m is not None:
            test["candidates"] = await asyncio.to_thread(m.candidates, q, 3)
            test["match"] = next((cand for cand in test["candidates"] if cand.matched), None)
        elif q:
            test["error"] = "no_matcher"
        if q and test["match"] is None and c.hooks.passages is not None:
            try:
                hits = await asyncio.to_thread(c.hooks.passages, q)
                test["passages"] = hits[:5]
            except Exception as exc:  # noqa: BLE001 - the box says what went wrong
                log.warning("test search failed: %s", exc)
                test["error"] = "search_failed"
        return c.render(req, "answers.html", answers=rows, test=test if q else None, q=q)

    def form_page(
        req: Req, a: CuratedAnswer, sources: str, wordings: str, status: int = 200, **kw: Any
    ) -> Reply:
        ctx: dict[str, Any] = {"errors": {}, "closes": ""} | kw
        return c.render(
            req, "answer_form.html", status=status, a=a, sources_text=sources, wordings_text=wordings, **ctx
        )

    @c.route("GET", "/answers/new", "editor")
    async def answer_new(req: Req) -> Reply:
        q = req.query.get("q", "")
        variants = [v for v in req.query.get("variants", "").split("\n") if v.strip() and v.strip() != q]
        blank = CuratedAnswer(question=q, answer="", sources=[], active=True)
        return form_page(req, blank, "", "\n".join(variants), closes=req.query.get("closes", ""))

    @c.route("GET", "/answers/:id", "editor")
    async def answer_edit(req: Req) -> Reply:
        with c.db.session() as s:
            row = s.get(CuratedAnswer, int_param(req.params["id"]))
        if row is None:
            raise HttpError(404, "not_found")
        return form_page(req, row, _sources_text(row.sources), "\n".join(row.wordings or []))

    async def answer_save(req: Req, id_: int | None) -> Reply:
        closes = stats.normalise(req.f("closes"))
        try:
            with c.db.session() as s:
                row = curated.save(
                    s,
                    user_of(req).email,
                    id_=id_,
                    question=req.f("question"),
                    answer=req.f("answer"),
                    sources=req.f("sources"),
                    active=req.flag("active"),
                    wordings=req.f("wordings"),
                    closes=closes,
                )
                new_id = row.id
        except FormErrors as exc:
            a = CuratedAnswer(
                id=id_, question=req.f("question"), answer=req.f("answer"), active=req.flag("active")
            )
            return form_page(
                req, a, req.f("sources"), req.f("wordings"), 422, errors=exc.errors, closes=closes
            )
        if c.hooks.curated_changed:
            c.hooks.curated_changed()
        msg = tr(req, "saved_closed") if closes else tr(req, "saved")
        return redirect(f"{PREFIX}/answers?saved={new_id}", msg)

    @c.route("POST", "/answers", "editor")
    async def answer_create(req: Req) -> Reply:
        return await answer_save(req, None)

    @c.route("POST", "/answers/:id", "editor")
    async def answer_update(req: Req) -> Reply:
        return await answer_save(req, int_param(req.params["id"]))

    @c.route("POST", "/answers/:id/delete", "editor")
    async def answer_delete(req: Req) -> Reply:
        with c.db.session() as s:
            curated.delete(s, user_of(req).email, int_param(req.params["id"]))
        if c.hooks.curated_changed:
            c.hooks.curated_changed()
        return redirect(PREFIX + "/answers", tr(req, "deleted"))
