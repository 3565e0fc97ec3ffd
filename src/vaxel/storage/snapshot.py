"""Loading what ``vaxel.domain.compliance.check`` looks at, in a few queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vaxel.domain.compliance import ComplianceSnapshot
from vaxel.storage.barring import BarringRepository
from vaxel.storage.callbacks import CallbackRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.models import AbsenceRow
from vaxel.storage.numbers import NumberRepository
from vaxel.storage.policy import PolicyRepository
from vaxel.storage.presence import absence_of
from vaxel.storage.voicemail import VoicemailRepository


def compliance_snapshot(session: Session, now: datetime) -> ComplianceSnapshot:
    """Everything the policy check needs, as domain objects, at ``now``."""
    directory = DirectoryRepository(session)
    return ComplianceSnapshot(
        units=directory.units_by_id(),
        people=directory.people(),
        assignments=NumberRepository(session).assignments(at=now),
        mailboxes=VoicemailRepository(session).mailboxes(),
        absences={r.person_id: absence_of(r) for r in session.scalars(select(AbsenceRow))},
        callbacks=CallbackRepository(session).tasks(),
        exceptions=BarringRepository(session).exceptions(),
        documents=PolicyRepository(session).documents(),
        now=now,
    )
