"""Console tables (SQLAlchemy 2.0 declarative). Changes here need a migration in migrations/versions/."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ROLES = ("admin", "editor", "viewer")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite drops the offset; it is put back on reading)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)  # after an admin's reset


class ConsoleSession(Base):
    """A login: the cookie carries the token, the table only its SHA-256 (a DB leak yields no sessions)."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """A personal token for the admin API (bearer); stored as SHA-256, shown once at creation."""

    __tablename__ = "console_api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuditEntry(Base):
    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))  # e-mail (kept when the user is deleted), or "cli"
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(500), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class CuratedAnswer(Base):
    __tablename__ = "console_curated_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    wordings: Mapped[list | None] = mapped_column(JSON, nullable=True)  # further wordings of the question
    answer: Mapped[str] = mapped_column(Text)
    sources: Mapped[list] = mapped_column(JSON, default=list)  # [{"url": ..., "title": ...}]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    times_used: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def all_wordings(self) -> list[str]:
        """The question and its further wordings (what a visitor question is matched against)."""
        return [self.question, *[w for w in (self.wordings or []) if w and w != self.question]]


class DoneQuestion(Base):
    """A question (normalised wording) an editor marked as handled in the unanswered report."""

    __tablename__ = "console_done_questions"

    question: Mapped[str] = mapped_column(String(500), primary_key=True)
    done_by: Mapped[str] = mapped_column(String(254))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # closed by this curated answer


class QuestionMerge(Base):
    """An editor put the group of `question` (normalised wording) into the group of `into`."""

    __tablename__ = "console_question_merges"

    question: Mapped[str] = mapped_column(String(500), primary_key=True)
    into: Mapped[str] = mapped_column(String(500))
    merged_by: Mapped[str] = mapped_column(String(254))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Setting(Base):
    """Small key/value state (e.g. when retention last ran)."""

    __tablename__ = "console_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
