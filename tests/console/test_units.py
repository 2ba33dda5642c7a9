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

from auskunft.console import auth, curated, stats
from auskunft.console.db import ConsoleDB
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
    ("visitor", "agree"),
    [
        ("wie hoch ist der mitgliedsbeitrag für vereine", True),
        ("Wie hoch ist der Mitgliedsbeitrag eines Vereins?", True),
        ("Wie hoch ist der Mitgliedsbeitrag für Einzelmitglieder?", False),  # another question, same topic
        ("Mitgliedsbeitrag?", False),  # too vague to be given someone's curated answer
        ("Wann beginnt die Saison?", False),
    ],
)
def test_key_terms_decide_with_the_embedding(visitor: str, agree: bool) -> None:
    assert curated.terms_agree("Wie hoch ist der Mitgliedsbeitrag für Vereine?", visitor) is agree
    assert curated.terms_agree("Wann beginnt die Saison?", "Wann endet die Saison?") is False


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
    calls = emb.calls
    assert matcher.match("Wann beginnt die Saison?") is None
    assert emb.calls == calls  # no shared key terms: not even embedded
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
        for kw, msg in (
            ({"question": "", "answer": "a", "sources": ""}, "required"),
            ({"question": "Wer?", "answer": "a", "sources": ""}, "no words"),
            ({"question": "Vereinsbeitrag?", "answer": "a", "sources": "ftp://x"}, "http"),
        ):
            with pytest.raises(ValidationError, match=msg):
                curated.save(s, "e", id_=None, active=True, **kw)


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
    done = {groups[0].key: datetime.now(UTC) + timedelta(seconds=1)}
    assert stats.knowledge_gaps(ev, done)[0].done
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
