"""Accounts, registrations, voicemail, barring, the policy register, calls and web users."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from storage_helpers import CLI, NOW, Org

from vaxel.domain.accounts import DeviceKind, digest_ha1
from vaxel.domain.barring import BarringClass, BarringException, ExceptionKind
from vaxel.domain.calls import CallOutcome, CallRecord
from vaxel.domain.errors import DomainError
from vaxel.domain.policy_register import TELEFONIPOLICY, Revision
from vaxel.domain.voicemail import GreetingState
from vaxel.storage import Change, Database
from vaxel.storage.accounts import AccountRepository
from vaxel.storage.barring import DEFAULT_CLASS, BarringRepository
from vaxel.storage.calls import CallRepository
from vaxel.storage.policy import PolicyRepository
from vaxel.storage.registrations import Binding, RegistrationRepository
from vaxel.storage.users import MAX_FAILED_LOGINS, Role, UserRepository
from vaxel.storage.voicemail import VoicemailRepository


def test_sip_account_keeps_only_digests(db: Database, org: Org) -> None:
    with db.session() as s:
        account = AccountRepository(s).create(
            "4100",
            org.anna,
            DeviceKind.SOFTPHONE,
            "vaxel",
            "ett-langt-losen",
            actor="t",
            channel=CLI,
        )
    with db.session() as s:
        accounts = AccountRepository(s)
        stored = accounts.account("vaxel", "4100")
        assert stored == account
        assert stored.ha1("SHA-256") == digest_ha1("4100", "vaxel", "ett-langt-losen", "SHA-256")
        accounts.set_password(account.id, "ett-annat-losen", actor="t", channel=CLI)
        accounts.set_enabled(account.id, False, actor="t", channel=CLI)
        assert accounts.account("vaxel", "4100") is None  # disabled accounts cannot register
    with pytest.raises(DomainError), db.session() as s:
        AccountRepository(s).create(
            "4101", org.anna, DeviceKind.DESK, "vaxel", "kort", actor="t", channel=CLI
        )


def test_registrations_survive_and_expire(db: Database, org: Org) -> None:
    with db.session() as s:
        account = AccountRepository(s).create(
            "4100",
            org.anna,
            DeviceKind.SOFTPHONE,
            "vaxel",
            "ett-langt-losen",
            actor="t",
            channel=CLI,
        )
    seen: list[Change] = []
    db.changes.subscribe(seen.append)
    binding = Binding(
        account.id, "sip:4100@vaxel", "sip:4100@192.0.2.7:5062;transport=tcp",
        NOW + timedelta(minutes=10), NOW, call_id="abc", cseq=2, source="192.0.2.7:5062",
        transport="tcp", path=("<sip:edge.example;lr>",), instance_id="<urn:uuid:1>", reg_id=1,
    )  # fmt: skip
    with db.session() as s:
        RegistrationRepository(s).save(binding)
        RegistrationRepository(s).save(binding)  # a refresh updates, never duplicates
    assert seen == [Change("registration", account.id)]
    with db.session() as s:
        registrations = RegistrationRepository(s)
        assert registrations.active(NOW) == [binding]
        assert registrations.active(NOW + timedelta(minutes=11)) == []
        assert registrations.purge_expired(NOW + timedelta(minutes=11)) == 1


def test_mailbox_greeting_and_messages(db: Database, org: Org) -> None:
    with db.session() as s:
        voicemail = VoicemailRepository(s)
        box = voicemail.create_mailbox("4100", org.anna, actor="t", channel=CLI)
        assert box.greeting is GreetingState.DEFAULT
        voicemail.set_greeting(
            box.id, GreetingState.RECORDED, "greetings/4100.wav", actor="anna", channel=CLI
        )
        message = voicemail.add_message(box.id, "+46701234567", NOW, 12.5, "vm/1.wav")
    with db.session() as s:
        voicemail = VoicemailRepository(s)
        assert voicemail.mailbox("4100").greeting is GreetingState.RECORDED  # type: ignore[union-attr]
        assert voicemail.unheard_counts() == {box.id: 1}
        voicemail.mark_heard(message.id, actor="anna", channel=CLI)
        assert voicemail.messages(box.id, unheard_only=True) == []
        assert voicemail.delete_older_than(
            NOW + timedelta(days=1), actor="system", channel=CLI
        ) == ["vm/1.wav"]


def test_barring_exception_is_decided_by_the_verksamhetschef(db: Database, org: Org) -> None:
    exception = BarringException(
        org.anna, ExceptionKind.AFTER_HOURS, org.chef, "Beredskap", NOW, NOW + timedelta(days=90)
    )
    with db.session() as s:
        barring = BarringRepository(s)
        assert barring.class_of(org.anna) is DEFAULT_CLASS
        barring.set_class(org.anna, BarringClass.INTERNATIONAL, actor="t", channel=CLI)
        barring.add_exception(exception, actor="karin", channel=CLI, now=NOW)
    with pytest.raises(DomainError) as info, db.session() as s:
        wrong = BarringException(
            org.chef, ExceptionKind.PRIVATE_USE, org.anna, "Nej", NOW, NOW + timedelta(days=1)
        )
        BarringRepository(s).add_exception(wrong, actor="anna", channel=CLI, now=NOW)
    assert info.value.field == "decided_by"
    with db.session() as s:
        barring = BarringRepository(s)
        assert barring.class_of(org.anna) is BarringClass.INTERNATIONAL
        (stored,) = barring.exceptions(org.anna, at=NOW + timedelta(days=1))
        assert stored.decided_by_id == org.chef and stored.decided_at == NOW
        assert barring.exceptions(at=NOW + timedelta(days=91)) == []


def test_policy_register_and_acknowledgements(db: Database, org: Org) -> None:
    with db.session() as s:
        policy = PolicyRepository(s)
        doc = policy.add_document(TELEFONIPOLICY, actor="t", channel=CLI)
        doc = policy.add_revision(
            doc.id, Revision(date(2023, 9, 1), "Översyn", "§ 99"), actor="t", channel=CLI
        )
        assert policy.acknowledge(org.anna, doc.id, at=NOW, actor="anna", channel=CLI)
        assert not policy.acknowledge(org.anna, doc.id, at=NOW, actor="anna", channel=CLI)
    with db.session() as s:
        policy = PolicyRepository(s)
        stored = policy.document_by_title("Policy för telefoni")
        assert stored is not None and stored.paragraph == "§ 126"
        assert [r.on for r in stored.revisions] == [date(2020, 9, 14), date(2023, 9, 1)]
        assert policy.acknowledgements(doc.id) == {org.anna: NOW}


def test_call_records_round_trip_in_the_kommuns_time(db: Database, org: Org) -> None:
    record = CallRecord(
        "+46701234567", "+46101304100", NOW, CallOutcome.ANSWERED, org.it,
        answered_at=NOW + timedelta(seconds=7), ended_at=NOW + timedelta(minutes=3),
        answered_by="4100",
    )  # fmt: skip
    with db.session() as s:
        calls = CallRepository(s)
        calls.add(record, call_id="x1")
        assert calls.add_many([record] * 3) == 3
    with db.session() as s:
        calls = CallRepository(s)
        found = list(calls.between(NOW - timedelta(hours=1), NOW + timedelta(hours=1)))
        assert found == [record] * 4
        assert found[0].started_at.tzinfo is not None and found[0].wait_s == 7
        assert calls.count() == 4 and calls.delete_before(NOW + timedelta(seconds=1)) == 4


def test_web_user_log_in_and_lock_out(db: Database, org: Org) -> None:
    with db.session() as s:
        UserRepository(s).create(
            "Karin", "ett-bra-losenord", Role.CHEF, now=NOW, actor="admin", channel=CLI,
            person_id=org.chef,
        )  # fmt: skip
    with db.session() as s:
        user = UserRepository(s).authenticate("karin", "ett-bra-losenord", NOW)
        assert user is not None and user.role is Role.CHEF and user.person_id == org.chef
    for _ in range(MAX_FAILED_LOGINS):
        with db.session() as s:
            assert UserRepository(s).authenticate("karin", "fel", NOW) is None
    with db.session() as s:
        users = UserRepository(s)
        assert users.authenticate("karin", "ett-bra-losenord", NOW) is None  # locked
        assert users.authenticate("karin", "ett-bra-losenord", NOW + timedelta(minutes=16))
        assert users.authenticate("nobody", "x", NOW) is None
