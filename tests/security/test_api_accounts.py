"""Probe 2, accounts (issue 16: N30 and the note on tokens), on a real console database (SQLite, migrated):
log-in answers do not tell which addresses have accounts, personal API tokens expire and die with a
password change."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from auskunft.console import auth
from auskunft.console.db import ConsoleDB

PASSWORD = "richtig-geheim-1"


@pytest.fixture()
def db(tmp_path: Path) -> Iterator[ConsoleDB]:
    d = ConsoleDB(f"sqlite:///{tmp_path / 'console.db'}")
    d.migrate()
    with d.session() as s:
        auth.create_user(s, "a@x.example", PASSWORD, "admin", "cli")
    yield d
    d.close()


def _login(db: ConsoleDB, email: str, password: str, now: datetime) -> tuple[object, float]:
    t0 = time.perf_counter()
    with db.session() as s:
        result = auth.login(s, email, password, now=now)
    return result, time.perf_counter() - t0


def test_locked_unknown_and_wrong_look_the_same(db: ConsoleDB) -> None:
    """N30: after the lock-out, the right password, a wrong one and an unknown address all get the same
    error (the service maps it to 401), after the same argon2 work."""
    now = datetime.now(UTC)
    for _ in range(auth.MAX_FAILED_LOGINS):
        _login(db, "a@x.example", "falsch", now)
    results = {
        "locked, right password": _login(db, "a@x.example", PASSWORD, now),
        "locked, wrong password": _login(db, "a@x.example", "falsch", now),
        "unknown address": _login(db, "b@x.example", PASSWORD, now),
    }
    for name, (err, _) in results.items():
        assert isinstance(err, auth.AuthError) and not isinstance(err, auth.LockedError), name
        assert (err.code, err.http_status, err.message) == (
            "bad_credentials",
            401,
            "wrong e-mail or password",
        ), name
    times = [t for _, t in results.values()]
    assert min(times) > 0.3 * max(times), times  # each one hashed (argon2 takes tens of ms), none skipped


def _ident(db: ConsoleDB) -> auth.Identity:
    with db.session() as s:
        user = auth.users(s)[0]
        return auth.Identity(user.id, user.email, user.role)


def test_tokens_expire_after_the_configured_days(db: ConsoleDB) -> None:
    with db.session() as s:
        token = auth.create_token(s, _ident(db), "ci")
    now = datetime.now(UTC)
    with db.session() as s:
        assert auth.identity_for_token(s, token, now=now) is not None
        assert auth.identity_for_token(s, token, now=now + timedelta(days=auth.TOKEN_DAYS - 1)) is not None
        assert auth.identity_for_token(s, token, now=now + timedelta(days=auth.TOKEN_DAYS + 1)) is None
        later = now + timedelta(days=10)
        assert auth.identity_for_token(s, token, max_age_days=7, now=later) is None  # API_TOKEN_DAYS=7
        assert auth.identity_for_token(s, token, max_age_days=30, now=later) is not None


@pytest.mark.parametrize("how", ["change", "reset"])
def test_a_new_password_revokes_the_users_tokens(db: ConsoleDB, how: str) -> None:
    ident = _ident(db)
    with db.session() as s:
        token = auth.create_token(s, ident, "ci")
    with db.session() as s:
        if how == "change":
            auth.change_password(s, ident, PASSWORD, "ganz-neues-geheimnis", keep_session="")
        else:
            auth.set_password(s, ident.email, "ganz-neues-geheimnis", "cli")
    with db.session() as s:
        assert auth.identity_for_token(s, token) is None
        assert auth.tokens_of(s, ident.id) == []
