"""Presence: set and clear with history and audit; back to available at the return time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from storage_helpers import CLI, NOW, Org

from vaxel.domain.errors import DomainError
from vaxel.domain.presence import Absence, AbsenceReason, Channel
from vaxel.storage import Change, Database
from vaxel.storage.audit import AuditRepository
from vaxel.storage.presence import PresenceRepository


def test_set_and_clear_keep_history_and_audit(db: Database, org: Org) -> None:
    seen: list[Change] = []
    db.changes.subscribe(seen.append)
    back = NOW + timedelta(hours=1)
    with db.session() as s:
        absence = PresenceRepository(s).set_absence(
            org.anna, Absence(AbsenceReason.LUNCH, back, note="Åter 11"), "anna", Channel.WEB, NOW
        )
        assert absence.set_by == "anna" and absence.set_at == NOW
    assert seen == [Change("absence", org.anna)]
    with db.session() as s:
        presence = PresenceRepository(s)
        current = presence.current(org.anna, NOW + timedelta(minutes=5))
        assert current is not None and current.reason is AbsenceReason.LUNCH
        assert current.until == back and current.note == "Åter 11"
        assert presence.all_current(NOW).keys() == {org.anna}
        assert presence.clear_absence(
            org.anna, "växeln", Channel.OPERATOR, NOW + timedelta(minutes=30)
        )
        assert not presence.clear_absence(org.anna, "växeln", Channel.OPERATOR, NOW)
    with db.session() as s:
        presence = PresenceRepository(s)
        assert presence.current(org.anna, NOW) is None
        history = presence.history(org.anna)
        assert [(h.absence is None, h.by, h.channel) for h in history] == [
            (True, "växeln", Channel.OPERATOR),
            (False, "anna", Channel.WEB),
        ]
        entries = AuditRepository(s).entries(subject=f"person:{org.anna}", action_prefix="absence")
        actions = [e.action for e in entries]
        assert actions[:2] == ["absence.clear", "absence.set"]


def test_invalid_absence_is_refused_and_nothing_is_written(db: Database, org: Org) -> None:
    with pytest.raises(DomainError) as info, db.session() as s:
        PresenceRepository(s).set_absence(
            org.anna, Absence(AbsenceReason.MOTE, None), "anna", CLI, NOW
        )
    assert info.value.field == "until"
    with db.session() as s:
        assert PresenceRepository(s).history(org.anna) == []


def test_sick_without_return_is_allowed(db: Database, org: Org) -> None:
    with db.session() as s:
        PresenceRepository(s).set_absence(
            org.anna, Absence(AbsenceReason.SJUK, None), "c", CLI, NOW
        )
    with db.session() as s:
        current = PresenceRepository(s).current(org.anna, NOW + timedelta(days=30))
        assert current is not None and current.until is None


def test_available_again_by_itself_at_the_return_time(db: Database, org: Org) -> None:
    back = NOW + timedelta(hours=1)
    with db.session() as s:
        PresenceRepository(s).set_absence(
            org.anna, Absence(AbsenceReason.MOTE, back), "anna", CLI, NOW
        )
    with db.session() as s:
        presence = PresenceRepository(s)
        assert presence.current(org.anna, back) is None
        assert presence.all_current(back) == {}
        assert presence.expire(back + timedelta(seconds=1)) == [org.anna]
    with db.session() as s:
        history = PresenceRepository(s).history(org.anna)
        assert history[0].absence is None and history[0].channel is Channel.SYSTEM
        assert history[0].at == back
