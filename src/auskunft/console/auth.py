"""Accounts: argon2 password hashes, log-in with lock-out, server-side sessions, personal API tokens."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from auskunft.console import audit
from auskunft.console.models import ROLES, ApiToken, ConsoleSession, User, utcnow
from auskunft.errors import AuskunftError, AuthError, ValidationError

log = logging.getLogger(__name__)
_HASHER = PasswordHasher()  # argon2id, the library's RFC 9106 low-memory profile
_DUMMY_HASH = _HASHER.hash("not-a-password")  # equal work for unknown e-mails (no user enumeration by timing)
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}$")
MIN_PASSWORD = 10
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
SESSION_HOURS = 12
TOKEN_DAYS = 90  # default of API_TOKEN_DAYS: a personal API token stops working this long after its creation
TOKEN_PREFIX = "ak_"  # noqa: S105 - a prefix, not a secret


class ForbiddenError(AuskunftError):
    code = "forbidden"
    http_status = 403


class LockedError(AuthError):
    code = "account_locked"
    http_status = 423

    def __init__(self, until: datetime) -> None:
        super().__init__(f"account locked until {until:%H:%M} UTC after too many failed log-ins")
        self.until = until


@dataclass(frozen=True)
class Identity:
    """The user behind a request (copied out of the DB session)."""

    id: int
    email: str
    role: str
    csrf: str = ""

    def can(self, role: str) -> bool:
        """admin > editor > viewer."""
        return ROLES.index(self.role) <= ROLES.index(role)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    check_password(password)
    return _HASHER.hash(password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"password too short: at least {MIN_PASSWORD} characters", code="weak_password")
    if len(password) > 1024:
        raise ValidationError("password longer than 1024 characters", code="weak_password")


def _verify(hash_: str, password: str) -> bool:
    try:
        return _HASHER.verify(hash_, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise ValidationError(f"not an e-mail address: {email!r}", code="invalid_email")
    return email


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}", code="invalid_role")
    return role


# ------------------------------------------------------------------------------------ users
def create_user(s: Session, email: str, password: str, role: str, actor: str) -> User:
    email, role = normalise_email(email), check_role(role)
    if s.scalar(select(User).where(User.email == email)) is not None:
        raise ValidationError(f"a user {email} exists already", code="user_exists")
    user = User(email=email, password_hash=hash_password(password), role=role, active=True, failed_logins=0)
    s.add(user)
    s.flush()
    audit.record(s, actor, "user.create", email, role=role)
    return user


def update_user(s: Session, user_id: int, actor: Identity, *, role: str, active: bool) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise ValidationError("unknown user", code="user_not_found")
    check_role(role)
    if user.id == actor.id and (role != "admin" or not active):
        raise ValidationError("you cannot demote or disable yourself", code="self_demotion")
    if user.role == "admin" and (role != "admin" or not active) and _active_admins(s) <= 1:
        raise ValidationError("the last active admin must stay an admin", code="last_admin")
    changes = {k: v for k, v in (("role", role), ("active", active)) if getattr(user, k) != v}
    user.role, user.active = role, active
    if not active:
        s.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    if changes:
        audit.record(s, actor.email, "user.update", user.email, **changes)
    return user


def _active_admins(s: Session) -> int:
    return int(s.scalar(select(func.count()).where(User.role == "admin", User.active.is_(True))) or 0)


def unlock_user(s: Session, user_id: int, actor: Identity) -> None:
    user = s.get(User, user_id)
    if user is not None:
        user.failed_logins, user.locked_until = 0, None
        audit.record(s, actor.email, "user.unlock", user.email)


def change_password(s: Session, ident: Identity, current: str, new: str, keep_session: str) -> None:
    user = s.get(User, ident.id)
    if user is None or not _verify(user.password_hash, current):
        raise AuthError("current password is wrong", code="wrong_password")
    user.password_hash = hash_password(new)
    # every other session of this user ends (a stolen cookie stops working)
    s.execute(
        delete(ConsoleSession).where(
            ConsoleSession.user_id == user.id, ConsoleSession.token_hash != _sha(keep_session)
        )
    )
    _revoke_all_tokens(s, user, ident.email)
    audit.record(s, ident.email, "user.password", user.email)


def users(s: Session) -> list[User]:
    return list(s.scalars(select(User).order_by(User.email)))


# ------------------------------------------------------------------------------------ log-in
def login(
    s: Session, email: str, password: str, *, now: datetime | None = None
) -> tuple[str, Identity] | AuthError:
    """Check the password; returns (session token for the cookie, identity), or the error to show.
    The error is returned, not raised, so the failure count is committed with the transaction.
    Lock-out after MAX_FAILED_LOGINS failures in a row for LOCK_MINUTES."""
    now = now or utcnow()
    try:
        email = normalise_email(email)
    except ValidationError:
        email = ""
    user = s.scalar(select(User).where(User.email == email)) if email else None
    refused = AuthError("wrong e-mail or password", code="bad_credentials")
    if user is None:
        _verify(_DUMMY_HASH, password)
        return refused
    # a locked account answers like a wrong password, after the same work: neither the status nor the time
    # tells whether an address has an account (the lock itself is shown to admins in the user list)
    if user.locked_until is not None and user.locked_until > now:
        _verify(user.password_hash, password)
        return refused
    if not _verify(user.password_hash, password) or not user.active:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
            audit.record(s, "system", "user.locked", user.email, minutes=LOCK_MINUTES)
            log.warning("console account locked after %d failed log-ins", MAX_FAILED_LOGINS)
        return refused
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    s.add(
        ConsoleSession(
            token_hash=_sha(token),
            user_id=user.id,
            csrf=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
        )
    )
    s.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    return token, Identity(user.id, user.email, user.role, csrf)


def identity_for_session(s: Session, token: str) -> Identity | None:
    if not token:
        return None
    row = s.execute(
        select(ConsoleSession, User)
        .join(User, User.id == ConsoleSession.user_id)
        .where(ConsoleSession.token_hash == _sha(token))
    ).first()
    if row is None:
        return None
    sess, user = row
    if sess.expires_at < utcnow() or not user.active:
        return None
    return Identity(user.id, user.email, user.role, sess.csrf)


def logout(s: Session, token: str) -> None:
    s.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _sha(token)))


def csrf_ok(ident: Identity, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(ident.csrf.encode(), (submitted or "").encode())


# ------------------------------------------------------------------------------------ API tokens
def create_token(s: Session, ident: Identity, name: str) -> str:
    name = name.strip()[:100]
    if not name:
        raise ValidationError("give the token a name", code="invalid_token_name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    s.add(ApiToken(user_id=ident.id, name=name, token_hash=_sha(token)))
    audit.record(s, ident.email, "token.create", name)
    return token


def tokens_of(s: Session, user_id: int) -> list[ApiToken]:
    return list(s.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def revoke_token(s: Session, ident: Identity, token_id: int) -> None:
    tok = s.get(ApiToken, token_id)
    if tok is None or (tok.user_id != ident.id and not ident.can("admin")):
        raise ValidationError("unknown token", code="token_not_found")
    s.delete(tok)
    audit.record(s, ident.email, "token.revoke", tok.name)


def token_expires(tok: ApiToken, max_age_days: int = TOKEN_DAYS) -> datetime:
    return tok.created_at + timedelta(days=max_age_days)


def identity_for_token(
    s: Session, token: str, *, max_age_days: int = TOKEN_DAYS, now: datetime | None = None
) -> Identity | None:
    """The active user a personal API token belongs to (records its last use); None for an unknown token,
    an inactive user, or a token older than `max_age_days` (API_TOKEN_DAYS)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = now or utcnow()
    row = s.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _sha(token))
    ).first()
    if row is None or not row[1].active or token_expires(row[0], max_age_days) <= now:
        return None
    row[0].last_used_at = now
    return Identity(row[1].id, row[1].email, row[1].role)


def set_password(s: Session, email: str, password: str, actor: str) -> None:
    """Operator reset from the command line: new password, lock-out lifted, sessions ended."""
    user = s.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise ValidationError(f"no user {email}", code="user_not_found")
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    s.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    _revoke_all_tokens(s, user, actor)
    audit.record(s, actor, "user.password_reset", user.email)


def _revoke_all_tokens(s: Session, user: User, actor: str) -> None:
    """A new password ends the user's personal API tokens too (a token taken with the old one dies)."""
    n = len(s.scalars(delete(ApiToken).where(ApiToken.user_id == user.id).returning(ApiToken.id)).all())
    if n:
        audit.record(s, actor, "token.revoke_all", user.email, tokens=n)
