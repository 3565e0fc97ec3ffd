"""The audit log: who changed what, when, through which channel (written by every repository)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from vaxel.domain.audit import AuditEntry
from vaxel.domain.clock import TZ
from vaxel.domain.presence import Channel
from vaxel.storage.models import AuditRow, core


def audit(
    session: Session,
    actor: str,
    channel: Channel | str,
    action: str,
    subject: str,
    detail: str = "",
    at: datetime | None = None,
) -> None:
    """Add one entry to the audit log in the caller's transaction."""
    session.add(
        AuditRow(
            at=at or datetime.now(TZ),
            actor=actor,
            channel=str(channel),
            action=action,
            subject=subject,
            detail=detail,
        )
    )


def audit_many(session: Session, entries: Iterable[AuditEntry]) -> None:
    """Add many entries at once (bulk import)."""
    rows = [
        {
            "at": e.at,
            "actor": e.actor,
            "channel": str(e.channel),
            "action": e.action,
            "subject": e.subject,
            "detail": e.detail,
        }
        for e in entries
    ]
    if rows:
        session.execute(insert(core(AuditRow)), rows)


class AuditRepository:
    """Reads the audit log (writes go through ``audit()`` inside each repository)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def entries(
        self,
        *,
        subject: str | None = None,
        actor: str | None = None,
        action_prefix: str | None = None,
        since: datetime | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        """The newest entries first, filtered."""
        query = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(AuditRow.subject == subject)
        if actor is not None:
            query = query.where(AuditRow.actor == actor)
        if action_prefix is not None:
            query = query.where(AuditRow.action.startswith(action_prefix))
        if since is not None:
            query = query.where(AuditRow.at >= since)
        return [
            AuditEntry(
                at=r.at,
                actor=r.actor,
                channel=Channel(r.channel),
                action=r.action,
                subject=r.subject,
                detail=r.detail,
            )
            for r in self.session.scalars(query)
        ]
