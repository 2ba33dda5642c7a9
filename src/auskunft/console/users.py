"""User management beside auth.py's log-in logic: a password reset with a forced change at the next log-in,
deleting an account (never oneself, never the last active admin)."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from auskunft.console import audit, auth
from auskunft.console.auth import Identity
from auskunft.console.models import ConsoleSession, User
from auskunft.errors import ValidationError


def _active_admins(s: Session) -> int:
    return int(s.scalar(select(func.count()).where(User.role == "admin", User.active.is_(True))) or 0)


def _get(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise ValidationError("unknown user", code="user_not_found")
    return user


def reset_password(s: Session, user_id: int, actor: Identity) -> tuple[str, str]:
    """A temporary password (shown once to the admin); the user must choose a new one at the next log-in.
    Lock-out lifted, every session of the user ended. Returns (e-mail, temporary password)."""
    user = _get(s, user_id)
    temporary = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    user.password_hash = auth.hash_password(temporary)
    user.must_change_password = True
    user.failed_logins, user.locked_until = 0, None
    s.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    audit.record(s, actor.email, "user.password_reset", user.email)
    return user.email, temporary


def delete_user(s: Session, user_id: int, actor: Identity) -> str:
    user = _get(s, user_id)
    if user.id == actor.id:
        raise ValidationError("you cannot delete yourself", code="self_delete")
    if user.role == "admin" and user.active and _active_admins(s) <= 1:
        raise ValidationError("the last active admin cannot be deleted", code="last_admin")
    email = user.email
    s.delete(user)
    audit.record(s, actor.email, "user.delete", email)
    return email


def must_change_password(s: Session, user_id: int) -> bool:
    return bool(s.scalar(select(User.must_change_password).where(User.id == user_id)))


def password_changed(s: Session, user_id: int) -> None:
    user = s.get(User, user_id)
    if user is not None:
        user.must_change_password = False
