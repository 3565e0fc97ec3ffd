from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from vaxel.domain.barring import BarringException, ExceptionKind
from vaxel.domain.callbacks import CallbackReason, CallbackTask
from vaxel.domain.clock import TZ
from vaxel.domain.compliance import (
    ComplianceSnapshot,
    Finding,
    FindingKind,
    check,
    count_by_kind,
)
from vaxel.domain.numbers import NumberAssignment, NumberKind
from vaxel.domain.organisation import Unit, UnitKind
from vaxel.domain.people import Person, PersonKind
from vaxel.domain.policy_register import TELEFONIPOLICY
from vaxel.domain.presence import Absence, AbsenceReason
from vaxel.domain.voicemail import GreetingState, Mailbox

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=TZ)

UNITS = {
    1: Unit(1, "Arvika kommun", UnitKind.KOMMUN),
    2: Unit(2, "Samhällsbyggnadsnämnden", UnitKind.NAMND, parent_id=1),
    3: Unit(3, "Bygglov", UnitKind.ENHET, parent_id=2, verksamhetschef_id=100),
    4: Unit(4, "Arvika Fastighets AB", UnitKind.BOLAG, parent_id=1),
}
ANNA = Person(1, "Anna Berg", "anna.berg@arvika.se", 3)
BO = Person(2, "Bo Ek", "bo.ek@arvika.se", 4)
CONTRACTOR = Person(
    3, "Cia Kon", "cia@konsult.se", 3, kind=PersonKind.EXTERN, valid_to=date(2026, 11, 30)
)


def snapshot(**changes: object) -> ComplianceSnapshot:
    fields: dict[str, object] = {
        "units": UNITS,
        "people": [ANNA, BO, CONTRACTOR],
        "assignments": [],
        "mailboxes": [],
        "absences": {},
        "callbacks": [],
        "exceptions": [],
        "documents": [],
        "now": NOW,
    }
    fields.update(changes)
    return ComplianceSnapshot(**fields)  # type: ignore[arg-type]


def extensions(*pairs: tuple[str, int]) -> list[NumberAssignment]:
    """Extensions assigned now, as (extension, person id); a negative id is a unit's."""
    return [
        NumberAssignment(
            f"+4657016{ext}", NumberKind.EXTENSION if owner > 0 else NumberKind.FUNCTION,
            person_id=owner if owner > 0 else None, unit_id=-owner if owner < 0 else None,
            extension=ext, valid_from=NOW - timedelta(days=100),
        )
        for ext, owner in pairs
    ]  # fmt: skip


def kinds(findings: list[Finding]) -> list[FindingKind]:
    return [f.kind for f in findings]


def test_a_clean_organisation_has_no_findings() -> None:
    boxes = [Mailbox(1, "4123", 1, GreetingState.RECORDED)]
    assert check(snapshot(mailboxes=boxes)) == []


def test_missing_and_default_greetings() -> None:
    boxes = [
        Mailbox(1, "4123", 1, GreetingState.NONE),
        Mailbox(2, "4124", 2, GreetingState.DEFAULT),
        Mailbox(3, "4125", 3, GreetingState.NONE),  # the contractor has left: not this finding
    ]
    numbers = extensions(("4123", 1), ("4124", 2), ("4125", 3))
    findings = check(snapshot(mailboxes=boxes, assignments=numbers))
    # The contractor's number is reported once, as past_end_date_with_numbers.
    assert kinds(findings) == [FindingKind.MISSING_GREETING] * 2 + [
        FindingKind.PAST_END_DATE_WITH_NUMBERS
    ]
    findings = [f for f in findings if f.kind is FindingKind.MISSING_GREETING]
    by_subject = {f.subject: f for f in findings}
    assert "saknar hälsningsfras" in by_subject["Anna Berg"].detail
    assert "standardhälsningen" in by_subject["Bo Ek"].detail
    assert by_subject["Anna Berg"].unit_path == "Arvika kommun / Samhällsbyggnadsnämnden / Bygglov"
    assert by_subject["Bo Ek"].unit_id == 4


def test_absent_without_return() -> None:
    lunch_forever = Absence(AbsenceReason.LUNCH, None)
    fresh_sick = Absence(AbsenceReason.SJUK, None, set_at=NOW - timedelta(days=3))
    long_sick = Absence(AbsenceReason.SJUK, None, set_at=NOW - timedelta(days=30))
    timed = Absence(AbsenceReason.MOTE, NOW + timedelta(hours=1))
    assert kinds(check(snapshot(absences={1: lunch_forever}))) == [
        FindingKind.ABSENT_WITHOUT_RETURN
    ]
    assert check(snapshot(absences={1: fresh_sick, 2: timed})) == []
    [finding] = check(snapshot(absences={1: long_sick}))
    assert "utan känd återkomst sedan 2026-11-02" in finding.detail


def test_overdue_callback() -> None:
    task = CallbackTask(
        7, "+46701234567", 1, CallbackReason.MISSED_CALL, NOW - timedelta(days=3),
        NOW - timedelta(days=1), attempts=3,
    )  # fmt: skip
    not_yet = replace(task, id=8, due_at=NOW + timedelta(hours=1))
    [finding] = check(snapshot(callbacks=[task, not_yet]))
    assert finding.kind is FindingKind.OVERDUE_CALLBACK
    assert finding.subject == "Anna Berg" and finding.unit_id == 3
    assert "+46701234567" in finding.detail and "3 försök" in finding.detail
    unit_task = replace(task, for_person_id=None, for_unit_id=4)
    [finding] = check(snapshot(callbacks=[unit_task]))
    assert finding.unit_id == 4


def test_expired_exception_is_reported_for_a_while_unless_renewed() -> None:
    expired = BarringException(
        2,
        ExceptionKind.AFTER_HOURS,
        100,
        "Jour",
        NOW - timedelta(days=200),
        NOW - timedelta(days=5),
    )
    [finding] = check(snapshot(exceptions=[expired]))
    assert finding.kind is FindingKind.EXPIRED_EXCEPTION
    assert "nåbarhet efter arbetstid" in finding.detail
    renewed = replace(
        expired, valid_from=NOW - timedelta(days=5), valid_to=NOW + timedelta(days=90)
    )
    assert check(snapshot(exceptions=[expired, renewed])) == []
    old = replace(expired, valid_to=NOW - timedelta(days=60))
    assert check(snapshot(exceptions=[old])) == []


def test_past_end_date_with_numbers() -> None:
    active = NumberAssignment("+46101304125", NumberKind.EXTENSION, person_id=3)
    released = NumberAssignment(
        "+46701111111", NumberKind.MOBILE, person_id=3, valid_to=datetime(2026, 12, 1, tzinfo=TZ)
    )
    [finding] = check(snapshot(assignments=[active, released]))
    assert finding.kind is FindingKind.PAST_END_DATE_WITH_NUMBERS
    assert finding.subject == "Cia Kon"
    assert "2026-11-30" in finding.detail and "+46101304125" in finding.detail
    assert "+46701111111" not in finding.detail
    assert check(snapshot(assignments=[released])) == []


def test_revision_due() -> None:
    [finding] = check(snapshot(documents=[TELEFONIPOLICY]))
    assert finding.kind is FindingKind.REVISION_DUE
    assert finding.unit_id is None and finding.unit_path == ""
    assert "skulle ha reviderats 2023-09-14" in finding.detail
    soon = replace(TELEFONIPOLICY, revisions=(), adopted_on=date(2024, 1, 15))
    [finding] = check(snapshot(documents=[soon]))
    assert "ska revideras senast 2027-01-15" in finding.detail
    later = replace(soon, adopted_on=date(2024, 6, 1))
    assert check(snapshot(documents=[later])) == []


def test_findings_are_sorted_by_unit_path_then_kind() -> None:
    findings = check(
        snapshot(
            mailboxes=[Mailbox(1, "4123", 1, GreetingState.NONE), Mailbox(2, "4124", 2)],
            assignments=extensions(("4123", 1), ("4124", 2)),
            absences={1: Absence(AbsenceReason.MOTE, None)},
            documents=[TELEFONIPOLICY],
        )
    )
    assert [(f.unit_path, f.kind) for f in findings] == [
        ("", FindingKind.REVISION_DUE),
        ("Arvika kommun / Arvika Fastighets AB", FindingKind.MISSING_GREETING),
        ("Arvika kommun / Samhällsbyggnadsnämnden / Bygglov", FindingKind.MISSING_GREETING),
        ("Arvika kommun / Samhällsbyggnadsnämnden / Bygglov", FindingKind.ABSENT_WITHOUT_RETURN),
    ]
    counts = count_by_kind(findings)
    assert counts[FindingKind.MISSING_GREETING] == 2
    assert counts[FindingKind.OVERDUE_CALLBACK] == 0


def test_unknown_units_do_not_break_the_check() -> None:
    stray = Person(9, "Ada Okänd", "ada@arvika.se", 99)
    [finding] = check(
        snapshot(
            people=[stray],
            mailboxes=[Mailbox(1, "4199", 9, GreetingState.NONE)],
            assignments=extensions(("4199", 9)),
        )
    )
    assert finding.unit_path == "(okänd enhet 99)"


def test_function_mailboxes_without_a_person() -> None:
    [finding] = check(
        snapshot(
            mailboxes=[Mailbox(1, "4000", None, GreetingState.NONE)],
            assignments=extensions(("4000", -3)),
        )
    )
    assert finding.subject == "Brevlåda 4000" and finding.unit_id is None


def test_a_mailbox_whose_extension_was_released_is_no_finding() -> None:
    # Bo gave up 4124 (e.g. an import moved him to 4126): nobody can reach that mailbox.
    boxes = [
        Mailbox(2, "4124", 2, GreetingState.DEFAULT),
        Mailbox(4, "4126", 2, GreetingState.NONE),
    ]
    released = replace(extensions(("4124", 2))[0], valid_to=NOW - timedelta(hours=1))
    findings = check(snapshot(mailboxes=boxes, assignments=[released, *extensions(("4126", 2))]))
    assert [(f.kind, f.detail.split()[1]) for f in findings] == [
        (FindingKind.MISSING_GREETING, "4126")
    ]


def test_every_finding_reads_in_english_too_and_names_reasons_in_words() -> None:
    task = CallbackTask(
        7, "+46701234567", 1, CallbackReason.MISSED_CALL, NOW - timedelta(days=3),
        NOW - timedelta(days=1),
    )  # fmt: skip
    expired = BarringException(
        2, ExceptionKind.AFTER_HOURS, 100, "Jour", NOW - timedelta(days=200),
        NOW - timedelta(days=5),
    )  # fmt: skip
    findings = check(
        snapshot(
            mailboxes=[Mailbox(1, "4123", 1, GreetingState.NONE), Mailbox(2, "4124", 2)],
            assignments=[*extensions(("4123", 1), ("4124", 2)),
                         NumberAssignment("+46101304125", NumberKind.EXTENSION, person_id=3)],
            absences={1: Absence(AbsenceReason.VAB, None)},
            callbacks=[task], exceptions=[expired], documents=[TELEFONIPOLICY],
        )
    )  # fmt: skip
    assert set(kinds(findings)) == set(FindingKind)
    assert all(f.detail_en for f in findings)
    english = {f.kind: f.detail_en for f in findings}
    swedish = {f.kind: f.detail for f in findings}
    assert "(hemma med sjukt barn)" in swedish[FindingKind.ABSENT_WITHOUT_RETURN]
    assert "(at home with a sick child)" in english[FindingKind.ABSENT_WITHOUT_RETURN]
    assert english[FindingKind.OVERDUE_CALLBACK].startswith("Call back to +46701234567 (missed")
    assert "reachability after hours" in english[FindingKind.EXPIRED_EXCEPTION]
    assert "was due for revision 2023-09-14" in english[FindingKind.REVISION_DUE]
