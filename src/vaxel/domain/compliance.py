"""The findings of `vaxel policy check`: where the telephony policy is not kept, per unit."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from vaxel.domain.barring import BarringException, ExceptionKind, is_expired
from vaxel.domain.callbacks import CallbackReason, CallbackTask, is_overdue
from vaxel.domain.clock import local
from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import NumberAssignment
from vaxel.domain.organisation import Unit, unit_path
from vaxel.domain.people import Person, is_active
from vaxel.domain.policy_register import (
    REVISION_WARNING_DAYS,
    PolicyDocument,
    next_revision_due,
    revision_due_soon,
)
from vaxel.domain.presence import (
    REASON_LABELS,
    RETURN_UNKNOWN_ALLOWED,
    Absence,
    current_absence,
)
from vaxel.domain.voicemail import GreetingState, Mailbox

# An unknown return is allowed when sick or on parental leave, but not for ever: after this
# long the operator should be able to say when the person is back.
UNKNOWN_RETURN_DAYS = 14

# Expired exceptions are reported for this long, so that the verksamhetschef renews or drops
# them; after that they are history.
EXPIRED_EXCEPTION_DAYS = 30

_EXCEPTION_SV = {
    ExceptionKind.PRIVATE_USE: "privat användning",
    ExceptionKind.AFTER_HOURS: "nåbarhet efter arbetstid",
}
_EXCEPTION_EN = {
    ExceptionKind.PRIVATE_USE: "private use",
    ExceptionKind.AFTER_HOURS: "reachability after hours",
}


_CALLBACK_REASON_SV = {
    CallbackReason.MISSED_CALL: "missat samtal",
    CallbackReason.VOICEMAIL: "röstmeddelande",
    CallbackReason.MESSAGE: "meddelande från växeln",
    CallbackReason.QUEUE: "bad om att bli uppringd i kön",
}
_CALLBACK_REASON_EN = {
    CallbackReason.MISSED_CALL: "missed call",
    CallbackReason.VOICEMAIL: "voicemail",
    CallbackReason.MESSAGE: "message from the switchboard",
    CallbackReason.QUEUE: "asked for a call back in the queue",
}


class FindingKind(enum.StrEnum):
    MISSING_GREETING = "missing_greeting"
    ABSENT_WITHOUT_RETURN = "absent_without_return"
    OVERDUE_CALLBACK = "overdue_callback"
    EXPIRED_EXCEPTION = "expired_exception"
    PAST_END_DATE_WITH_NUMBERS = "past_end_date_with_numbers"
    REVISION_DUE = "revision_due"


_KIND_ORDER = {k: i for i, k in enumerate(FindingKind)}


@dataclass(frozen=True, slots=True)
class Finding:
    kind: FindingKind
    unit_id: int | None
    unit_path: str  # "" for findings of the whole municipality (policy documents)
    subject: str  # a person's name, a mailbox, a document title
    detail: str  # Swedish
    detail_en: str = ""  # the same in English ("": only the Swedish is known)


@dataclass(frozen=True, slots=True)
class ComplianceSnapshot:
    """Everything the check looks at, as plain domain objects, and the time it looks at it."""

    units: Mapping[int, Unit]
    people: Sequence[Person]
    assignments: Sequence[NumberAssignment]
    mailboxes: Sequence[Mailbox]
    absences: Mapping[int, Absence]  # current absence per person id
    callbacks: Sequence[CallbackTask]
    exceptions: Sequence[BarringException]
    documents: Sequence[PolicyDocument]
    now: datetime


def check(snapshot: ComplianceSnapshot) -> list[Finding]:
    """Every finding, sorted by unit path, then kind, then subject."""
    ctx = _Context(snapshot)
    findings = [
        finding
        for rule in (_greetings, _absences, _callbacks, _exceptions, _past_end_dates, _revisions)
        for finding in rule(snapshot, ctx)
    ]
    return sorted(findings, key=lambda f: (f.unit_path, _KIND_ORDER[f.kind], f.subject))


def count_by_kind(findings: Sequence[Finding]) -> dict[FindingKind, int]:
    """How many findings of each kind (every kind present, zero where none)."""
    counts = dict.fromkeys(FindingKind, 0)
    for f in findings:
        counts[f.kind] += 1
    return counts


class _Context:
    """Look-ups shared by the checks."""

    def __init__(self, s: ComplianceSnapshot) -> None:
        self.s = s
        self.people = {p.id: p for p in s.people}
        self.today = local(s.now).date()

    def finding(
        self, kind: FindingKind, unit_id: int | None, subject: str, detail: str, detail_en: str = ""
    ) -> Finding:
        path = ""
        if unit_id is not None:
            try:
                path = unit_path(self.s.units, unit_id)
            except DomainError:
                path = f"(okänd enhet {unit_id})"
        return Finding(kind, unit_id, path, subject, detail, detail_en)

    def person(self, person_id: int | None) -> Person | None:
        return None if person_id is None else self.people.get(person_id)

    def name(self, person_id: int) -> str:
        person = self.people.get(person_id)
        return person.name if person else f"person {person_id}"

    def unit_of(self, person_id: int | None) -> int | None:
        person = self.person(person_id)
        return None if person is None else person.unit_id


def _greetings(s: ComplianceSnapshot, ctx: _Context) -> Iterator[Finding]:
    in_force = [a for a in s.assignments if a.active_at(s.now)]
    extensions = {a.extension for a in in_force if a.extension}
    bare = [a.e164 for a in in_force if not a.extension]
    for box in s.mailboxes:
        if box.greeting is GreetingState.RECORDED:
            continue
        if box.extension not in extensions and not any(e.endswith(box.extension) for e in bare):
            continue  # its extension was released: no phone rings there, no caller hears it
        person = ctx.person(box.person_id)
        if person is not None and not is_active(person, ctx.today):
            continue  # reported as past_end_date_with_numbers if it still has numbers
        if box.greeting is GreetingState.NONE:
            detail = f"Röstbrevlådan {box.extension} saknar hälsningsfras."
            detail_en = f"Mailbox {box.extension} has no greeting."
        else:
            detail = (
                f"Röstbrevlådan {box.extension} har bara standardhälsningen; "
                "ett eget inspelat meddelande som säger vems telefonen är saknas."
            )
            detail_en = (
                f"Mailbox {box.extension} has only the default greeting; a recorded one that "
                "says whose phone it is is missing."
            )
        subject = person.name if person else f"Brevlåda {box.extension}"
        yield ctx.finding(
            FindingKind.MISSING_GREETING, ctx.unit_of(box.person_id), subject, detail, detail_en
        )


def _absences(s: ComplianceSnapshot, ctx: _Context) -> Iterator[Finding]:
    for person_id, absence in s.absences.items():
        current = current_absence(absence, s.now)
        if current is None or current.until is not None:
            continue
        person = ctx.person(person_id)
        if person is not None and not is_active(person, ctx.today):
            continue
        since = current.set_at
        # The words people read ("på möte"), never the stored value.
        label, label_en = REASON_LABELS[current.reason]
        if current.reason not in RETURN_UNKNOWN_ALLOWED:
            detail = f"Hänvisad ({label}) utan återkomsttid; uppringare får inget besked."
            detail_en = f"Diverted ({label_en}) without a return time; callers are not told."
        elif since is not None and s.now - since > timedelta(days=UNKNOWN_RETURN_DAYS):
            detail = (
                f"Hänvisad ({label}) utan känd återkomst sedan {local(since):%Y-%m-%d}; "
                "ange återkomstdag när den är känd."
            )
            detail_en = (
                f"Diverted ({label_en}) with no known return since {local(since):%Y-%m-%d}; "
                "give the day of return when it is known."
            )
        else:
            continue
        yield ctx.finding(
            FindingKind.ABSENT_WITHOUT_RETURN, ctx.unit_of(person_id), ctx.name(person_id),
            detail, detail_en,
        )  # fmt: skip


def _callbacks(s: ComplianceSnapshot, ctx: _Context) -> Iterator[Finding]:
    for task in s.callbacks:
        if not is_overdue(task, s.now):
            continue
        unit_id = (
            task.for_unit_id if task.for_person_id is None else ctx.unit_of(task.for_person_id)
        )
        subject = ctx.name(task.for_person_id) if task.for_person_id is not None else "Funktionen"
        caller = task.caller_name or task.caller_number or "dolt nummer"
        caller_en = task.caller_name or task.caller_number or "a withheld number"
        attempts = f", {task.attempts} försök" if task.attempts > 1 else ""
        attempts_en = f", {task.attempts} attempts" if task.attempts > 1 else ""
        detail = (
            f"Återuppringning till {caller} ({_CALLBACK_REASON_SV[task.reason]}{attempts}) "
            f"skulle vara klar {local(task.due_at):%Y-%m-%d %H.%M}."
        )
        detail_en = (
            f"Call back to {caller_en} ({_CALLBACK_REASON_EN[task.reason]}{attempts_en}) "
            f"was due {local(task.due_at):%Y-%m-%d %H:%M}."
        )
        yield ctx.finding(FindingKind.OVERDUE_CALLBACK, unit_id, subject, detail, detail_en)


def _exceptions(s: ComplianceSnapshot, ctx: _Context) -> Iterator[Finding]:
    for e in s.exceptions:
        if not is_expired(e, s.now) or s.now - e.valid_to > timedelta(days=EXPIRED_EXCEPTION_DAYS):
            continue
        # A newer exception of the same kind for the same person means it was renewed.
        if any(
            o.person_id == e.person_id and o.kind is e.kind and o.valid_to > s.now
            for o in s.exceptions
        ):
            continue
        detail = (
            f"Undantaget för {_EXCEPTION_SV[e.kind]} gällde till {local(e.valid_to):%Y-%m-%d}; "
            "verksamhetschefen beslutar om det ska förnyas."
        )
        detail_en = (
            f"The exception for {_EXCEPTION_EN[e.kind]} held until "
            f"{local(e.valid_to):%Y-%m-%d}; the manager decides whether to renew it."
        )
        yield ctx.finding(
            FindingKind.EXPIRED_EXCEPTION, ctx.unit_of(e.person_id), ctx.name(e.person_id),
            detail, detail_en,
        )  # fmt: skip


def _past_end_dates(s: ComplianceSnapshot, ctx: _Context) -> Iterator[Finding]:
    for person in s.people:
        if person.valid_to is None or person.valid_to >= ctx.today:
            continue
        numbers = sorted(
            a.e164 for a in s.assignments if a.person_id == person.id and a.active_at(s.now)
        )
        if not numbers:
            continue
        detail = (
            f"Slutdatum {person.valid_to:%Y-%m-%d} har passerat, men "
            f"{', '.join(numbers)} är fortfarande tilldelat."
        )
        detail_en = (
            f"The end date {person.valid_to:%Y-%m-%d} has passed, but "
            f"{', '.join(numbers)} {'is' if len(numbers) == 1 else 'are'} still assigned."
        )
        yield ctx.finding(
            FindingKind.PAST_END_DATE_WITH_NUMBERS, person.unit_id, person.name, detail, detail_en
        )


def _revisions(s: ComplianceSnapshot, ctx: _Context) -> Iterator[Finding]:
    for doc in s.documents:
        if not revision_due_soon(doc, ctx.today, REVISION_WARNING_DAYS):
            continue
        due = next_revision_due(doc)
        when = "skulle ha reviderats" if due < ctx.today else "ska revideras senast"
        when_en = "was due for revision" if due < ctx.today else "is due for revision by"
        detail = f"{doc.title} ({doc.responsible}) {when} {due:%Y-%m-%d}."
        detail_en = f"{doc.title} ({doc.responsible}) {when_en} {due:%Y-%m-%d}."
        yield ctx.finding(FindingKind.REVISION_DUE, None, doc.title, detail, detail_en)
