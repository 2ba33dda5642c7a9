"""The console's library parts without a service: matching of curated answers, accounts and lock-out,
the knowledge-gap report, CSV export and retention over a real event log."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from auskunft.console import auth, curated, matching, paraphrase_eval, stats
from auskunft.console.db import ConsoleDB
from auskunft.console.forms import FormErrors
from auskunft.errors import ValidationError
from auskunft.events import EventLog
from tests.console import postgres


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    if not postgres.available():
        pytest.skip("PostgreSQL binaries missing (Debian package postgresql)")
    with postgres.postgres_server() as url:
        yield url


_DB_SEQ = iter(range(10_000))


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ConsoleDB]:
    """The same tests on both backends (SQLite: embedded default; Postgres: compose)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'console.db'}"
    else:  # a database of its own per test, created by the migration itself (as in compose)
        url = request.getfixturevalue("pg_server").rsplit("/", 1)[0] + f"/console_{next(_DB_SEQ)}"
    d = ConsoleDB(url)
    d.migrate()
    d.migrate()  # start-up runs it every time: a no-op the second time
    yield d
    d.close()


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        ("Wann ist das nächste Sommerfest?", "Wo findet das Sommerfest statt?", True),
        ("Wie hoch ist der Mitgliedsbeitrag?", "Wann wird der Mitgliedsbeitrag abgebucht?", True),
        ("Wer ist der erste Vorsitzende?", "Wann ist die Mitgliederversammlung?", True),
        ("Wann ist das nächste Sommerfest?", "wann ist sommerfest", False),
        ("Wie hoch ist das Startgeld?", "Was kostet die Teilnahme am Wettkampf?", False),
        ("Wo kann ich ein Kanu ausleihen?", "kanu leihen", False),  # no question word: no conflict
    ],
)
def test_questions_asking_for_different_kinds_of_answer_conflict(a: str, b: str, conflict: bool) -> None:
    assert matching.kinds_conflict(a, b) is conflict


def test_paraphrase_set_is_large_enough_and_split_by_topic() -> None:
    pairs = paraphrase_eval.load_pairs(paraphrase_eval.DEFAULT_FILE)
    labels = [p.label for p in pairs]
    assert labels.count("paraphrase") >= 60 and labels.count("near_miss") >= 60
    folds: dict[str, set[int]] = {}
    for p in pairs:
        folds.setdefault(p.topic, set()).add(p.fold)
    assert all(len(f) == 1 for f in folds.values())  # a topic never on both sides
    assert {p.fold for p in pairs} == {0, 1}


class WordEmbedder:
    """Deterministic bag-of-words vectors (the matcher needs only embed_query); counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def embed_query(self, text: str) -> list[float]:
        self.calls += 1
        terms = curated.key_terms(text)
        return [
            1.0 if any(t.startswith(p) for t in terms) else 0.0
            for p in ("mitglied", "verein", "saison", "lizenz")
        ] + [0.1]


def test_matcher_picks_up_edits_and_respects_the_threshold(db: ConsoleDB) -> None:
    emb = WordEmbedder()
    matcher = curated.CuratedMatcher(db, emb, min_similarity=0.9, refresh_s=3600)
    assert matcher.match("Wie hoch ist der Mitgliedsbeitrag für Vereine?") is None
    with db.session() as s:
        row = curated.save(
            s,
            "e@x.example",
            id_=None,
            question="Wie hoch ist der Mitgliedsbeitrag für Vereine?",
            answer="120 Euro im Jahr.",
            sources="https://x.example/beitrag Beitragsordnung",
            active=True,
        )
    assert matcher.match("Mitgliedsbeitrag für Vereine?") is None  # cached table: not re-read yet
    matcher.invalidate()
    hit = matcher.match("wie hoch ist der mitgliedsbeitrag für vereine")
    assert (
        hit is not None and hit.answer == "120 Euro im Jahr." and hit.sources[0]["title"] == "Beitragsordnung"
    )
    assert matcher.match("Wann beginnt die Saison?") is None
    with db.session() as s:
        curated.save(
            s, "e@x.example", id_=row.id, question=row.question, answer="x", sources="", active=False
        )
    matcher.invalidate()
    assert matcher.match("wie hoch ist der mitgliedsbeitrag für vereine") is None
    with db.session() as s:
        assert s.get(curated.CuratedAnswer, row.id).times_used == 1  # type: ignore[union-attr]


def test_curated_answer_validation(db: ConsoleDB) -> None:
    with db.session() as s:
        for kw, errors in (
            (
                {"question": "", "answer": "", "sources": ""},
                {"question": "err_required", "answer": "err_required"},
            ),
            ({"question": "Wer?", "answer": "a", "sources": ""}, {"question": "err_no_key_terms"}),
            (
                {"question": "Vereinsbeitrag?", "answer": "a", "sources": "ftp://x"},
                {"sources": "err_source_line"},
            ),
        ):
            with pytest.raises(FormErrors) as exc:  # every wrong field at once, each with its message key
                curated.save(s, "e", id_=None, active=True, **kw)
            assert {k: v[0] for k, v in exc.value.errors.items()} == errors


def test_lock_out_after_five_failures_and_expiry(db: ConsoleDB) -> None:
    with db.session() as s:
        auth.create_user(s, "A@X.example", "richtig-geheim-1", "editor", "cli")
    now = datetime.now(UTC)
    for i in range(5):
        with db.session() as s:
            err = auth.login(s, "a@x.example", "falsch", now=now)
        assert isinstance(err, auth.AuthError) and err.code == "bad_credentials"  # locked: the same answer
    with db.session() as s:
        refused = auth.login(s, "a@x.example", "richtig-geheim-1", now=now)
        assert isinstance(refused, auth.AuthError) and refused.code == "bad_credentials"
    later = now + timedelta(minutes=auth.LOCK_MINUTES + 1)
    with db.session() as s:
        token, ident = auth.login(s, "a@x.example", "richtig-geheim-1", now=later)  # type: ignore[misc]
    with db.session() as s:
        assert auth.identity_for_session(s, token) == ident
        assert auth.identity_for_session(s, token + "x") is None
    with db.session() as s:
        assert isinstance(auth.login(s, "nobody@x.example", "whatever-pass"), auth.AuthError)


def test_users_validation_and_last_admin(db: ConsoleDB) -> None:
    with db.session() as s:
        admin = auth.create_user(s, "admin@x.example", "richtig-geheim-1", "admin", "cli")
        other = auth.create_user(s, "other@x.example", "richtig-geheim-1", "admin", "cli")
        for email, pw, role, msg in (
            ("kein-mail", "richtig-geheim-1", "viewer", "e-mail"),
            ("n@x.example", "kurz", "viewer", "too short"),
            ("n@x.example", "richtig-geheim-1", "root", "role"),
            ("ADMIN@x.example", "richtig-geheim-1", "viewer", "exists"),
        ):
            with pytest.raises(ValidationError, match=msg):
                auth.create_user(s, email, pw, role, "cli")
        me = auth.Identity(admin.id, admin.email, "admin")
        auth.update_user(s, other.id, me, role="viewer", active=True)
        with pytest.raises(ValidationError, match="yourself"):
            auth.update_user(s, admin.id, me, role="editor", active=True)
        assert admin.password_hash.startswith("$argon2id$")


def _write(events: Path, day: str, rows: list[dict]) -> None:
    events.mkdir(parents=True, exist_ok=True)
    with open(events / f"events-{day}-1.jsonl", "a", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"ts": f"{day}T10:00:00+00:00", **r}) + "\n")


def test_gaps_grouped_with_thumbs_down_and_done(tmp_path: Path) -> None:
    ev = tmp_path / "events"
    today = datetime.now(UTC).date().isoformat()
    chat = {"kind": "chat", "error": None, "mode": "extractive", "latency_ms": 50.0}
    _write(
        ev,
        today,
        [
            chat
            | {
                "answer_id": "a1",
                "question": "Wo kann ich ein Kanu ausleihen?",
                "found": False,
                "retrieved": ["https://x/boote"],
            },
            chat
            | {
                "answer_id": "a2",
                "question": "Kanu ausleihen wo?",
                "found": False,
                "retrieved": ["https://x/boote"],
            },
            chat | {"answer_id": "a3", "question": "Wie hoch ist der Beitrag?", "found": True},
            {"kind": "feedback", "answer_id": "a3", "rating": "down", "comment": "veraltet"},
            chat | {"answer_id": "a4", "question": "Trainerlizenz?", "found": True},
            chat | {"answer_id": "a5", "question": "kaputt", "found": False, "error": "internal_error"},
        ],
    )
    groups = stats.knowledge_gaps(ev, {})
    assert [(g.question, g.asked) for g in groups][:1] == [("Wo kann ich ein Kanu ausleihen?", 2)]
    assert groups[0].retrieved["https://x/boote"] == 2
    beitrag = next(g for g in groups if "Beitrag" in g.question)
    assert beitrag.thumbs_down == 1 and beitrag.comments == ["veraltet"] and beitrag.not_found == 0
    assert not any("kaputt" in g.question or "Trainer" in g.question for g in groups)
    done = {groups[0].key: (datetime.now(UTC) + timedelta(days=1), 7)}  # after the 10:00 events
    closed = stats.knowledge_gaps(ev, done)[0]
    assert closed.done and closed.answer_id == 7  # closed by curated answer #7
    # grouped by a `same` decision (the console passes the embedding matcher) and merged by hand
    apart = stats.knowledge_gaps(ev, {}, same=lambda a, b: False)
    assert len([g for g in apart if "anu" in g.question]) == 2
    merged = stats.knowledge_gaps(
        ev, {}, same=lambda a, b: False, merges={"kanu ausleihen wo": "wo kann ich ein kanu ausleihen"}
    )
    assert [(g.question, g.asked) for g in merged][:1] == [("Wo kann ich ein Kanu ausleihen?", 2)]
    ov = stats.overview(ev, 30)
    assert (ov.asked, ov.answered, ov.not_found, ov.failed, ov.feedback_down) == (5, 2, 2, 1, 1)
    assert ov.days[-1] == {"day": today, "asked": 5, "answered": 2}


def test_empty_log_and_log_without_feedback(tmp_path: Path) -> None:
    assert stats.overview(tmp_path / "none").asked == 0
    assert stats.knowledge_gaps(tmp_path / "none", {}) == []
    _write(
        tmp_path / "ev",
        datetime.now(UTC).date().isoformat(),
        [{"kind": "chat", "question": "x?", "found": False, "error": None}],
    )
    assert len(stats.knowledge_gaps(tmp_path / "ev", {})) == 1


def test_csv_has_no_visitor_ids_and_no_formulas(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "ev")
    log.write(
        "chat",
        answer_id="a",
        session=log.hash_id("s"),
        client=log.hash_id("198.51.100.7"),
        question='=HYPERLINK("http://evil")',
        found=False,
        error=None,
        mode="extractive",
    )
    rows = list(csv.DictReader(io.StringIO(stats.questions_csv(tmp_path / "ev"))))
    assert rows[0]["question"].startswith("'=")
    assert "session" not in rows[0] and "client" not in rows[0]


def test_retention_deletes_only_old_day_files(tmp_path: Path) -> None:
    ev = tmp_path / "ev"
    today = date(2026, 11, 25)
    for d in ("2025-01-01", "2026-08-26", "2026-08-27", "2026-11-25"):  # 08-27: exactly 90 days old, kept
        _write(ev, d, [{"kind": "chat", "question": "q"}])
    (ev / ".salt").write_text("s")
    deleted = stats.apply_retention(ev, 90, today=today)
    assert [p.name for p in deleted] == ["events-2025-01-01-1.jsonl", "events-2026-08-26-1.jsonl"]
    assert sorted(p.name for p in ev.iterdir()) == [
        ".salt",
        "events-2026-08-27-1.jsonl",
        "events-2026-11-25-1.jsonl",
    ]
    assert stats.apply_retention(ev, 0, today=today) == []
