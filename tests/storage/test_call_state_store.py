"""Call state that must outlive the process: mailbox PINs, queue sign-ins, the accounts that may
authenticate today, and every call outcome (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from storage_helpers import CLI, NOW, Org

from vaxel.domain.accounts import DeviceKind
from vaxel.domain.calls import CallOutcome, CallRecord
from vaxel.domain.people import Person, PersonKind
from vaxel.domain.presence import Channel
from vaxel.storage import Change, Database, NotFound
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.audit import AuditRepository
from vaxel.storage.calls import CallRepository
from vaxel.storage.directory import DirectoryRepository
from vaxel.storage.queue_sign_ins import QueueSignInRepository, SignedIn
from vaxel.storage.voicemail import VoicemailRepository

HASH_A = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGFoYXNoYQ"
HASH_B = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGJoYXNoYg"
TODAY = NOW.date()


def contractor(db: Database, org: Org, last_day: date, email: str = "kim@konsult.se") -> int:
    with db.session() as s:
        return DirectoryRepository(s).add_person(
            Person(0, "Kim Konsult", email, org.it, kind=PersonKind.EXTERN, valid_to=last_day),
            actor="t", channel=CLI,
        ).id  # fmt: skip


# -- PINs ------------------------------------------------------------------------------------


def test_a_pin_hash_is_stored_audited_and_announced(db: Database, org: Org) -> None:
    with db.session() as s:
        box = VoicemailRepository(s).create_mailbox("4100", org.anna, actor="t", channel=CLI)
    seen: list[Change] = []
    db.changes.subscribe(seen.append)
    with db.session() as s:
        voicemail = VoicemailRepository(s)
        assert voicemail.pin_hash(box.id) is None
        voicemail.set_pin_hash(box.id, HASH_A, actor="anna", channel=Channel.PHONE)
    with db.session() as s:
        assert VoicemailRepository(s).pin_hash(box.id) == HASH_A
        entries = AuditRepository(s).entries(
            subject=f"mailbox:{box.id}", action_prefix="mailbox.pin"
        )
    assert [(e.actor, e.channel, e.detail) for e in entries] == [("anna", Channel.PHONE, "set")]
    assert HASH_A not in entries[0].detail  # the audit log never holds the hash
    assert seen == [Change("mailbox", box.id)]
    with pytest.raises(NotFound), db.session() as s:
        VoicemailRepository(s).pin_hash(box.id + 1)


def test_a_rehash_only_replaces_the_hash_it_checked(db: Database, org: Org) -> None:
    with db.session() as s:
        voicemail = VoicemailRepository(s)
        box = voicemail.create_mailbox("4100", org.anna, actor="t", channel=CLI)
        voicemail.set_pin_hash(box.id, HASH_A, actor="anna", channel=CLI)
    with db.session() as s:
        assert VoicemailRepository(s).replace_pin_hash(box.id, HASH_A, HASH_B)
    with db.session() as s:  # meanwhile the PIN was changed: the stale rehash must not win
        assert not VoicemailRepository(s).replace_pin_hash(box.id, HASH_A, "$argon2id$stale")
        assert VoicemailRepository(s).pin_hash(box.id) == HASH_B


def test_clearing_a_pin(db: Database, org: Org) -> None:
    with db.session() as s:
        voicemail = VoicemailRepository(s)
        box = voicemail.create_mailbox("4100", org.anna, actor="t", channel=CLI)
        assert not voicemail.clear_pin(box.id, actor="admin", channel=Channel.WEB)
        voicemail.set_pin_hash(box.id, HASH_A, actor="anna", channel=CLI)
    with db.session() as s:
        assert VoicemailRepository(s).clear_pin(box.id, actor="admin", channel=Channel.WEB)
    with db.session() as s:
        assert VoicemailRepository(s).pin_hash(box.id) is None
        [cleared, _] = AuditRepository(s).entries(action_prefix="mailbox.pin")
    assert (cleared.actor, cleared.detail) == ("admin", "cleared")


def test_imported_hashes_never_overwrite_a_pin(db: Database, org: Org) -> None:
    with db.session() as s:
        voicemail = VoicemailRepository(s)
        first = voicemail.create_mailbox("4100", org.anna, actor="t", channel=CLI)
        second = voicemail.create_mailbox("4101", org.chef, actor="t", channel=CLI)
        voicemail.set_pin_hash(second.id, HASH_B, actor="karin", channel=CLI)
    hashes = {first.id: HASH_A, second.id: HASH_A, second.id + 100: HASH_A}
    with db.session() as s:
        got = VoicemailRepository(s).import_pin_hashes(hashes, actor="system", channel=CLI)
    assert got == [first.id]
    with db.session() as s:
        voicemail = VoicemailRepository(s)
        assert (voicemail.pin_hash(first.id), voicemail.pin_hash(second.id)) == (HASH_A, HASH_B)
    with db.session() as s:  # a second import changes nothing
        assert VoicemailRepository(s).import_pin_hashes(hashes, actor="system", channel=CLI) == []


# -- queue sign-ins --------------------------------------------------------------------------


def test_queue_sign_ins_are_kept_in_order(db: Database, org: Org) -> None:
    seen: list[Change] = []
    db.changes.subscribe(seen.append)
    later = NOW + timedelta(minutes=5)
    with db.session() as s:
        sign_ins = QueueSignInRepository(s)
        sign_ins.sign_in("vaxeln", org.chef, "4001", later)
        sign_ins.sign_in("vaxeln", org.anna, "4002", NOW)
        sign_ins.sign_in("bygg", org.anna, "4002", NOW)  # another queue, another sign-in
    assert seen == [Change("queue_sign_in", org.chef), Change("queue_sign_in", org.anna)]
    with db.session() as s:  # signing in again: the first time stays, the number follows
        QueueSignInRepository(s).sign_in("vaxeln", org.anna, "anna-mobil", later)
    with db.session() as s:
        assert QueueSignInRepository(s).signed_in("vaxeln") == [
            SignedIn(org.anna, "Anna Lind", "anna-mobil", NOW),
            SignedIn(org.chef, "Karin Berg", "4001", later),
        ]
        assert QueueSignInRepository(s).sign_out("vaxeln", org.anna)
        assert not QueueSignInRepository(s).sign_out("vaxeln", org.anna)
    with db.session() as s:
        sign_ins = QueueSignInRepository(s)
        assert [x.person_id for x in sign_ins.signed_in("vaxeln")] == [org.chef]
        assert [x.person_id for x in sign_ins.signed_in("bygg")] == [org.anna]


def test_a_sign_in_of_someone_who_has_left_is_dropped(db: Database, org: Org) -> None:
    kim = contractor(db, org, last_day=TODAY)
    with db.session() as s:
        QueueSignInRepository(s).sign_in("vaxeln", kim, "4300", NOW)
        QueueSignInRepository(s).sign_in("vaxeln", org.anna, "4100", NOW)
    with db.session() as s:  # on the last day Kim still answers
        assert len(QueueSignInRepository(s).signed_in("vaxeln", on=TODAY)) == 2
    with db.session() as s:
        found = QueueSignInRepository(s).signed_in("vaxeln", on=TODAY + timedelta(days=1))
    assert [x.person_id for x in found] == [org.anna]
    with db.session() as s:  # and the row is gone, not only hidden
        assert [x.person_id for x in QueueSignInRepository(s).signed_in("vaxeln")] == [org.anna]


# -- the accounts that may authenticate ------------------------------------------------------


def test_only_the_accounts_of_people_who_work_today_are_in_service(db: Database, org: Org) -> None:
    kim = contractor(db, org, last_day=TODAY)
    with db.session() as s:
        newcomer = DirectoryRepository(s).add_person(
            Person(0, "Nya Nilsson", "nya@testby.se", org.it, valid_from=TODAY + timedelta(days=7)),
            actor="t", channel=CLI,
        ).id  # fmt: skip
        accounts = AccountRepository(s)
        for username, person in [("4100", org.anna), ("4300", kim), ("4400", newcomer)]:
            accounts.create(
                username, person, DeviceKind.DESK, "vaxel", "ett-langt-losen",
                actor="t", channel=CLI,
            )  # fmt: skip
        off = accounts.create(
            "4101", org.anna, DeviceKind.SOFTPHONE, "vaxel", "ett-langt-losen",
            actor="t", channel=CLI,
        )  # fmt: skip
        accounts.set_enabled(off.id, False, actor="t", channel=CLI)
        accounts.create(
            "4100", org.anna, DeviceKind.DESK, "annan.realm", "ett-langt-losen",
            actor="t", channel=CLI,
        )  # fmt: skip
    with db.session() as s:
        accounts = AccountRepository(s)

        def usernames(on: date) -> list[str]:
            return [a.username for a in accounts.in_service("vaxel", on)]

        assert usernames(TODAY) == ["4100", "4300"]  # Kim's last day
        assert usernames(TODAY + timedelta(days=1)) == ["4100"]
        assert usernames(TODAY + timedelta(days=7)) == ["4100", "4400"]


# -- call outcomes ---------------------------------------------------------------------------


def test_every_call_outcome_is_stored_and_read_back(db: Database, org: Org) -> None:
    """Outcomes are plain strings: a new one (callback) needs no migration on either database."""
    records = [
        CallRecord("+46701234567", "0", NOW + timedelta(seconds=i), outcome, org.it)
        for i, outcome in enumerate(CallOutcome)
    ]
    assert CallOutcome.CALLBACK in {r.outcome for r in records}
    with db.session() as s:
        CallRepository(s).add(records[0])
        CallRepository(s).add_many(records[1:])
    with db.session() as s:
        found = list(CallRepository(s).between(NOW, NOW + timedelta(hours=1)))
    assert found == records
