"""SIP registrations (bindings), persisted so that phones stay reachable across a restart.

The registrar keeps bindings in memory for the hot path and writes them through here. High
volume and machine-made, so these writes are not audited; they are published as changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vaxel.storage.db import note_change
from vaxel.storage.models import RegistrationRow


@dataclass(frozen=True, slots=True)
class Binding:
    """One contact bound to an account's address of record until ``expires_at``."""

    account_id: int
    aor: str
    contact: str
    expires_at: datetime
    updated_at: datetime
    call_id: str = ""
    cseq: int = 0
    q: float | None = None
    source: str = ""  # "ip:port" the REGISTER came from
    transport: str = "udp"
    path: tuple[str, ...] = field(default_factory=tuple)  # RFC 3327 Path headers
    instance_id: str = ""  # RFC 5626 +sip.instance
    reg_id: int | None = None
    user_agent: str = ""


def binding_of(row: RegistrationRow) -> Binding:
    return Binding(
        account_id=row.account_id,
        aor=row.aor,
        contact=row.contact,
        expires_at=row.expires_at,
        updated_at=row.updated_at,
        call_id=row.call_id,
        cseq=row.cseq,
        q=row.q,
        source=row.source,
        transport=row.transport,
        path=tuple(row.path or ()),
        instance_id=row.instance_id,
        reg_id=row.reg_id,
        user_agent=row.user_agent,
    )


class RegistrationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def save(self, binding: Binding) -> None:
        """Insert or refresh the binding of (account, contact)."""
        row = self.session.scalar(
            select(RegistrationRow).where(
                RegistrationRow.account_id == binding.account_id,
                RegistrationRow.contact == binding.contact,
            )
        )
        if row is None:
            row = RegistrationRow(account_id=binding.account_id, contact=binding.contact)
            self.session.add(row)
        row.aor = binding.aor
        row.expires_at = binding.expires_at
        row.updated_at = binding.updated_at
        row.call_id = binding.call_id
        row.cseq = binding.cseq
        row.q = binding.q
        row.source = binding.source
        row.transport = binding.transport
        row.path = list(binding.path)
        row.instance_id = binding.instance_id
        row.reg_id = binding.reg_id
        row.user_agent = binding.user_agent
        self.session.flush()
        note_change(self.session, "registration", binding.account_id)

    def remove(self, account_id: int, contact: str | None = None) -> int:
        """Remove one binding, or all of an account's (contact None); returns how many."""
        query = delete(RegistrationRow).where(RegistrationRow.account_id == account_id)
        if contact is not None:
            query = query.where(RegistrationRow.contact == contact)
        count = _rowcount(self.session.execute(query))
        if count:
            note_change(self.session, "registration", account_id)
        return count

    def active(self, now: datetime, account_id: int | None = None) -> list[Binding]:
        """Bindings not yet expired (all accounts, or one)."""
        query = (
            select(RegistrationRow)
            .where(RegistrationRow.expires_at > now)
            .order_by(RegistrationRow.account_id, RegistrationRow.id)
        )
        if account_id is not None:
            query = query.where(RegistrationRow.account_id == account_id)
        return [binding_of(r) for r in self.session.scalars(query)]

    def purge_expired(self, now: datetime) -> int:
        """Delete bindings that have expired; returns how many."""
        result = self.session.execute(
            delete(RegistrationRow).where(RegistrationRow.expires_at <= now)
        )
        return _rowcount(result)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
