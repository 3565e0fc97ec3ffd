"""Numbers owned by the organisation: fixed extensions, mobiles and function numbers."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import phonenumbers

from vaxel.domain.clock import local
from vaxel.domain.errors import DomainError
from vaxel.domain.people import Person, is_active


class NumberKind(enum.StrEnum):
    EXTENSION = "extension"  # fixed extension (anknytning)
    MOBILE = "mobile"
    FUNCTION = "function"  # e.g. the main number, "Bygglov", "Skolskjuts"


@dataclass(frozen=True, slots=True)
class NumberAssignment:
    """A number assigned to a person or to a unit (function numbers) for a period.

    The period is half-open: valid from `valid_from` (None: always was) until just before
    `valid_to` (None: open-ended), so a number can be reassigned the instant it is released.
    """

    e164: str
    kind: NumberKind
    person_id: int | None = None
    unit_id: int | None = None
    label: str = ""  # for function numbers: "Bygglov"
    extension: str | None = None  # the short internal number, e.g. "4123"
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    def __post_init__(self) -> None:
        # Policy §2: every number belongs to the organisation and is assigned to someone.
        if (self.person_id is None) == (self.unit_id is None):
            raise DomainError("owner", "a number is assigned to exactly one person or one unit")
        if (
            self.valid_from is not None
            and self.valid_to is not None
            and self.valid_to <= self.valid_from
        ):
            raise DomainError("valid_to", "the assignment must end after it starts")

    def active_at(self, at: datetime) -> bool:
        """Whether the assignment is in force at that instant."""
        if self.valid_from is not None and at < self.valid_from:
            return False
        return self.valid_to is None or at < self.valid_to

    @property
    def owner(self) -> str:
        """ "person 12" or "unit 3 (Bygglov)", for messages."""
        if self.person_id is not None:
            return f"person {self.person_id}"
        return f"unit {self.unit_id}" + (f" ({self.label})" if self.label else "")


def normalise(number: str, region: str = "SE") -> str:
    """The number in E.164 ("+46701234567"), read as a number in `region` if not international."""
    text = number.strip()
    if not text:
        raise DomainError("number", "the number is empty")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise DomainError("number", f"{number!r} cannot be read as a phone number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise DomainError("number", f"{number!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# What a mobile column may hold: a number that rings a phone carried around. A fixed line (an
# office's "08-…"), a service number or one of our own extensions there is a typing mistake.
_MOBILE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        phonenumbers.PhoneNumberType.VOIP,
    }
)


def normalise_mobile(number: str, region: str = "SE") -> str:
    """A mobile number in E.164; DomainError("mobile") if it is unreadable or not a mobile."""
    try:
        e164 = normalise(number, region)
    except DomainError as exc:
        raise DomainError("mobile", exc.reason) from None
    if phonenumbers.number_type(phonenumbers.parse(e164)) not in _MOBILE_TYPES:
        raise DomainError("mobile", f"{number!r} is not a mobile number")
    return e164


def try_normalise(number: str, region: str = "SE") -> str | None:
    """Like `normalise`, but None instead of an error (for caller ids from the network)."""
    try:
        return normalise(number, region)
    except DomainError:
        return None


@dataclass(frozen=True, slots=True)
class NumberPlan:
    """Extensions map onto a DID range: extension "4123" is did_prefix + "4123"."""

    did_prefix: str = "+4610130"
    extension_digits: int = 4

    def __post_init__(self) -> None:
        if not (self.did_prefix.startswith("+") and self.did_prefix[1:].isdigit()):
            raise DomainError("did_prefix", f"{self.did_prefix!r} is not +digits")
        if not 2 <= self.extension_digits <= 8:
            raise DomainError("extension_digits", "must be between 2 and 8")

    def is_extension(self, text: str) -> bool:
        """Whether `text` is an extension of this plan (only ASCII digits, the right length)."""
        return len(text) == self.extension_digits and text.isascii() and text.isdigit()

    def e164_for_extension(self, ext: str) -> str:
        """The full number of an extension."""
        ext = ext.strip()
        if not self.is_extension(ext):
            raise DomainError(
                "extension", f"{ext!r} is not an extension of {self.extension_digits} digits"
            )
        return self.did_prefix + ext

    def extension_of(self, e164: str) -> str | None:
        """The extension of a number in our DID range, else None."""
        if not e164.startswith(self.did_prefix):
            return None
        rest = e164[len(self.did_prefix) :]
        return rest if self.is_extension(rest) else None


def periods_overlap(
    a_from: datetime | None,
    a_to: datetime | None,
    b_from: datetime | None,
    b_to: datetime | None,
) -> bool:
    """Whether two half-open periods share an instant (None: unbounded on that side)."""
    for start, end in ((a_from, a_to), (b_from, b_to)):
        if start is not None and end is not None and end <= start:
            return False  # an empty period shares nothing
    a_starts_before_b_ends = b_to is None or a_from is None or a_from < b_to
    b_starts_before_a_ends = a_to is None or b_from is None or b_from < a_to
    return a_starts_before_b_ends and b_starts_before_a_ends


def in_service(assignment: NumberAssignment, holder: Person | None, at: datetime) -> bool:
    """Whether a number works at ``at``: its assignment is in force and, for a person's number,
    the person works for us that day (temporary staff and contractors past their end date, and
    people who have not started yet, have numbers that do not ring)."""
    if not assignment.active_at(at):
        return False
    if assignment.person_id is None:
        return True
    return holder is not None and is_active(holder, local(at).date())


def check_no_overlap(existing: Iterable[NumberAssignment], new: NumberAssignment) -> None:
    """DomainError("number") if `new.e164` is already assigned for part of the new period.

    Pass the other assignments only: when updating one, leave it out of `existing`.
    """
    for old in existing:
        if old.e164 == new.e164 and periods_overlap(
            old.valid_from, old.valid_to, new.valid_from, new.valid_to
        ):
            until = f" until {old.valid_to.isoformat()}" if old.valid_to else ""
            raise DomainError("number", f"{new.e164} is already assigned to {old.owner}{until}")


def validate_assignment(a: NumberAssignment, plan: NumberPlan | None = None) -> None:
    """The number is E.164; an extension matches its number in the plan."""
    if normalise(a.e164) != a.e164:
        raise DomainError("number", f"{a.e164!r} is not in E.164 form")
    if (
        a.extension is not None
        and plan is not None
        and plan.e164_for_extension(a.extension) != a.e164
    ):
        raise DomainError("extension", f"extension {a.extension} is not the number {a.e164}")
    if a.kind is NumberKind.FUNCTION and a.unit_id is None:
        raise DomainError("owner", "a function number belongs to a unit")
