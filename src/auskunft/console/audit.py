"""The audit log: who changed what, when. Every change in the console writes one entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auskunft.console.models import AuditEntry


def record(s: Session, actor: str, action: str, target: str = "", **detail: object) -> None:
    s.add(AuditEntry(actor=actor, action=action, target=target[:500], detail=detail))


def recent(s: Session, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)))


def recorder(db: Any) -> Callable[[str, str, str, dict[str, Any]], None]:
    """An audit callback over the console database (`auskunft.catalog.SourceCatalog` takes one)."""

    def write(actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        with db.session() as s:
            record(s, actor, action, target, **detail)

    return write
