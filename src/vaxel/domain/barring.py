"""Call barring: no private use; exceptions decided by the unit's verksamhetschef (at the top
of the organisation, where nobody is above, by an administrator; never by the person).

A decision records who made it: the deciding person (`decided_by_id`) and, for a decision made
on the web, the log-in (`decided_by_user_id`). An administrator's log-in need not belong to a
person; then the log-in alone says who decided."""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import phonenumbers
from phonenumbers import shortnumberinfo

from vaxel.domain.clock import utc
from vaxel.domain.errors import DomainError
from vaxel.domain.numbers import NumberPlan
from vaxel.domain.organisation import Unit, deciding_chef_of


class NumberClass(enum.StrEnum):
    """What kind of destination a dialled number is (classified with phonenumbers)."""

    EMERGENCY = "emergency"  # 112, 114 14, 113 13: always allowed
    INTERNAL = "internal"
    NATIONAL = "national"
    MOBILE = "mobile"
    INTERNATIONAL = "international"
    PREMIUM = "premium"  # 0900, 0939, 0944


class BarringClass(enum.StrEnum):
    """The widest destination class a person may call (ordered narrowest first)."""

    INTERNAL = "internal"
    NATIONAL = "national"  # + mobile
    INTERNATIONAL = "international"
    UNRESTRICTED = "unrestricted"  # + premium rate


class ExceptionKind(enum.StrEnum):
    PRIVATE_USE = "private_use"
    AFTER_HOURS = "after_hours"  # must be reachable after working hours


@dataclass(frozen=True, slots=True)
class BarringException:
    person_id: int
    kind: ExceptionKind
    # The deciding person: the unit's verksamhetschef, or at the top of the tree an
    # administrator's person; None for an administrator's log-in that belongs to nobody.
    decided_by_id: int | None
    reason: str
    valid_from: datetime
    valid_to: datetime
    decided_at: datetime | None = None
    decided_by_user_id: int | None = None  # the deciding log-in (None: decided off the web)


# Numbers that must always connect: 112 (SOS), 114 14 (police), 113 13 (information in a
# crisis), 1177 (healthcare advice) and 90000 (SOS, the old number still in service).
EMERGENCY_NUMBERS = frozenset({"112", "11414", "11313", "1177", "90000"})

# Swedish premium-rate ranges by the national number: 0900, 0939, 0944.
PREMIUM_PREFIXES = ("900", "939", "944")

# Exceptions are time-limited decisions (policy §2); a year at most, so they are reviewed.
MAX_EXCEPTION_DAYS = 366

_BARRING_RANK = {c: i for i, c in enumerate(BarringClass)}
# The narrowest barring class that lets a number class through (emergency and internal: all).
_REQUIRED: dict[NumberClass, BarringClass] = {
    NumberClass.EMERGENCY: BarringClass.INTERNAL,
    NumberClass.INTERNAL: BarringClass.INTERNAL,
    NumberClass.NATIONAL: BarringClass.NATIONAL,
    NumberClass.MOBILE: BarringClass.NATIONAL,
    NumberClass.INTERNATIONAL: BarringClass.INTERNATIONAL,
    NumberClass.PREMIUM: BarringClass.UNRESTRICTED,
}
# What a PRIVATE_USE exception opens: ordinary private calls, never premium or abroad.
_PRIVATE_USE_OPENS = frozenset({NumberClass.NATIONAL, NumberClass.MOBILE})


def classify(dialled: str, plan: NumberPlan) -> NumberClass:
    """The class of a dialled number; DomainError("number") if it cannot be a number at all."""
    digits = "".join(ch for ch in dialled if ch not in " -().")
    if not digits:
        raise DomainError("number", "nothing was dialled")
    if digits in EMERGENCY_NUMBERS or shortnumberinfo.is_emergency_number(digits, "SE"):
        return NumberClass.EMERGENCY
    if plan.is_extension(digits) or plan.extension_of(digits) is not None:
        return NumberClass.INTERNAL
    try:
        parsed = phonenumbers.parse(digits, "SE")
    except phonenumbers.NumberParseException as exc:
        raise DomainError("number", f"{dialled!r} cannot be read as a phone number") from exc
    if plan.extension_of(phonenumbers.format_number(parsed, 0)) is not None:
        return NumberClass.INTERNAL
    if parsed.country_code == 46 and shortnumberinfo.is_valid_short_number_for_region(parsed, "SE"):
        # Short numbers such as 118 118 (directory enquiries) can cost like premium rate.
        cost = shortnumberinfo.expected_cost_for_region(parsed, "SE")
        if cost == shortnumberinfo.ShortNumberCost.PREMIUM_RATE:
            return NumberClass.PREMIUM
        return NumberClass.NATIONAL
    kind = phonenumbers.number_type(parsed)
    if kind == phonenumbers.PhoneNumberType.PREMIUM_RATE:
        return NumberClass.PREMIUM
    if parsed.country_code != 46:
        # New foreign ranges appear before phonenumbers knows them; "possible" is enough to
        # classify, and the class then bars it unless international calls are allowed.
        if not phonenumbers.is_possible_number(parsed):
            raise DomainError("number", f"{dialled!r} is not a possible international number")
        return NumberClass.INTERNATIONAL
    if str(parsed.national_number).startswith(PREMIUM_PREFIXES):
        return NumberClass.PREMIUM
    if not phonenumbers.is_valid_number(parsed):
        raise DomainError("number", f"{dialled!r} is not a valid Swedish number")
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return NumberClass.MOBILE
    return NumberClass.NATIONAL


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a call may go out, and why (Swedish, for the audit log and the caller's display).

    `rule` is a stable code for counting: emergency, internal, class, after_hours, exception.
    """

    allowed: bool
    reason: str
    rule: str
    exception: BarringException | None = None


def is_valid(e: BarringException, now: datetime) -> bool:
    """In force at `now` (from inclusive, to exclusive)."""
    return utc(e.valid_from) <= utc(now) < utc(e.valid_to)


def is_expired(e: BarringException, now: datetime) -> bool:
    """Its period has ended."""
    return now >= e.valid_to


def may_call(
    barring: BarringClass,
    number_class: NumberClass,
    exceptions: Iterable[BarringException],
    now: datetime,
    after_hours: bool,
    *,
    person_id: int | None = None,
) -> Decision:
    """Whether someone with `barring` and these exceptions may call a number of that class.

    Emergency numbers and internal calls always go through. After working hours only they do,
    unless an AFTER_HOURS exception (on call: the barring class applies as by day) or a
    PRIVATE_USE exception holds. PRIVATE_USE also opens national and mobile numbers to someone
    barred to internal calls; abroad and premium rate still follow the barring class. Pass
    `person_id` to ignore exceptions of other people.
    """
    if number_class is NumberClass.EMERGENCY:
        return Decision(True, "nödnummer är alltid tillåtna", "emergency")
    if number_class is NumberClass.INTERNAL:
        return Decision(True, "interna samtal är alltid tillåtna", "internal")
    valid = [
        e
        for e in exceptions
        if is_valid(e, now) and (person_id is None or e.person_id == person_id)
    ]
    private = next((e for e in valid if e.kind is ExceptionKind.PRIVATE_USE), None)
    on_call = next((e for e in valid if e.kind is ExceptionKind.AFTER_HOURS), None)
    by_class = _BARRING_RANK[barring] >= _BARRING_RANK[_REQUIRED[number_class]]
    if after_hours and private is None and on_call is None:
        return Decision(
            False, "efter arbetstid: endast interna samtal och nödsamtal", "after_hours"
        )
    if by_class:
        used = (private or on_call) if after_hours else None
        return Decision(
            True,
            f"spärrklass {barring.value} tillåter {number_class.value}",
            "exception" if used else "class",
            used,
        )
    if private is not None and number_class in _PRIVATE_USE_OPENS:
        return Decision(True, "undantag för privat användning", "exception", private)
    return Decision(
        False, f"spärrklass {barring.value} tillåter inte {number_class.value}", "class"
    )


def validate_exception(
    e: BarringException, unit_chef_id: int | None, *, by_admin: bool = False
) -> None:
    """Decided by whoever `Decider` names (not by the person), time-limited, with a reason.

    `unit_chef_id` is the deciding chef (`deciding_chef_of`); `by_admin` says the decision is an
    administrator's, which counts only where there is no such chef. The decision names who
    made it: a person, a log-in, or both.
    """
    check_named(e.decided_by_id, e.decided_by_user_id)
    check_decider(Decider(unit_chef_id), e.person_id, e.decided_by_id, admin=by_admin)
    if not e.reason.strip():
        raise DomainError("reason", "an exception needs a reason")
    if e.valid_to <= e.valid_from:
        raise DomainError("valid_to", "the exception must end after it starts")
    if e.valid_to - e.valid_from > timedelta(days=MAX_EXCEPTION_DAYS):
        raise DomainError("valid_to", f"an exception lasts at most {MAX_EXCEPTION_DAYS} days")


# --- Who decides ----------------------------------------------------------------------------


def check_named(decided_by_id: int | None, decided_by_user_id: int | None) -> None:
    """DomainError("decided_by") unless a decision names who made it: a person, a log-in, or
    both (an administrator's log-in that belongs to no person)."""
    if decided_by_id is None and decided_by_user_id is None:
        raise DomainError("decided_by", "a decision names who made it: a person or a log-in")


@dataclass(frozen=True, slots=True)
class Decider:
    """Who decides a person's exceptions and their requests for one (policy §2).

    The nearest verksamhetschef at or above the person's unit who is not the person: a chef's
    own request goes one level up. At the top of the tree nobody is above (the kommundirektör,
    or the chef of a unit with no chef over it); then an administrator decides, in their own
    name: their log-in, with their person if the log-in has one. Nobody decides for themselves,
    an administrator included.
    """

    chef_id: int | None  # None: an administrator decides

    @property
    def by_admin(self) -> bool:
        return self.chef_id is None


def decider_for(units: Mapping[int, Unit], unit_id: int, person_id: int) -> Decider:
    """Who decides for the person `person_id` of the unit `unit_id`."""
    return Decider(deciding_chef_of(units, unit_id, person_id))


def may_decide(decider: Decider, person_id: int, by_id: int | None, *, admin: bool) -> bool:
    """Whether the person `by_id` (an administrator's own person when `admin`) may decide for
    `person_id`, whose decider is `decider`. None is a log-in with no person: an administrator's
    may decide at the top of the tree (it cannot be the person asking); nobody else's may."""
    try:
        check_decider(decider, person_id, by_id, admin=admin)
    except DomainError:
        return False
    return True


def check_decider(
    decider: Decider, person_id: int, by_id: int | None, *, admin: bool = False
) -> None:
    """DomainError("decided_by") naming the rule that `by_id` deciding for `person_id` breaks
    (`by_id` None: a log-in with no person, which decides only as an administrator)."""
    if by_id is not None and by_id == person_id:
        raise DomainError(
            "decided_by", "no one decides an exception for themselves; ask the next level up"
        )
    if decider.by_admin and not admin:
        raise DomainError(
            "decided_by",
            "no verksamhetschef above the person decides exceptions; an administrator does",
        )
    if not decider.by_admin and (by_id is None or by_id != decider.chef_id):
        raise DomainError("decided_by", "an exception is decided by the unit's verksamhetschef")


# --- Requests for exceptions ---------------------------------------------------------------


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class ExceptionRequest:
    """An employee asks their verksamhetschef for an exception, for a wanted period.

    Approval creates a BarringException (with the period the chef grants, which may differ from
    the wanted one); a denial carries the chef's reason. Either way the employee sees it.
    """

    id: int
    person_id: int
    kind: ExceptionKind
    reason: str
    wanted_from: datetime
    wanted_to: datetime
    requested_at: datetime
    status: RequestStatus = RequestStatus.PENDING
    decided_by_id: int | None = None  # the deciding person (None: pending, or a log-in only)
    decided_at: datetime | None = None
    decision_reason: str = ""  # the chef's words: why denied, or a note with an approval
    exception_id: int | None = None  # the exception an approval created
    decided_by_user_id: int | None = None  # the deciding log-in (None: pending, or off the web)

    @property
    def is_pending(self) -> bool:
        return self.status is RequestStatus.PENDING


def validate_request(r: ExceptionRequest) -> None:
    """A reason, and a wanted period that ends after it starts and is at most a year long."""
    if not r.reason.strip():
        raise DomainError("reason", "say why you need the exception")
    if r.wanted_to <= r.wanted_from:
        raise DomainError("wanted_to", "the period must end after it starts")
    if r.wanted_to - r.wanted_from > timedelta(days=MAX_EXCEPTION_DAYS):
        raise DomainError("wanted_to", f"an exception lasts at most {MAX_EXCEPTION_DAYS} days")


def validate_denial(
    r: ExceptionRequest,
    decided_by_id: int | None,
    unit_chef_id: int | None,
    reason: str,
    *,
    by_admin: bool = False,
) -> None:
    """A pending request, denied by its decider (`Decider`: the chef, or at the top of the tree
    an administrator, whose log-in may have no person: `decided_by_id` None; never the person),
    who says why."""
    if not r.is_pending:
        raise DomainError("status", f"the request is already {r.status.value}")
    check_decider(Decider(unit_chef_id), r.person_id, decided_by_id, admin=by_admin)
    if not reason.strip():
        raise DomainError("reason", "say why the request is denied")


# --- Toll fraud -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallAttempt:
    """An outbound call attempt as the switch saw it."""

    subject: str  # who dialled: "person:42" or "account:anna.desk"
    number_class: NumberClass
    at: datetime
    dialled: str = ""


@dataclass(frozen=True, slots=True)
class FraudAlarm:
    subject: str
    count: int
    since: datetime
    at: datetime
    detail: str


@dataclass(slots=True)
class FraudWatch:
    """Alarms when a subject makes more than `limit` costly attempts within `window`.

    Feed attempts in time order with observe(); it keeps only the window's timestamps and
    raises one alarm per subject per window, so a running attack is not an alarm storm.
    """

    limit: int = 10
    window: timedelta = timedelta(hours=1)
    watched: frozenset[NumberClass] = frozenset({NumberClass.INTERNATIONAL, NumberClass.PREMIUM})
    _recent: dict[str, deque[datetime]] = field(default_factory=dict, repr=False)
    _quiet_until: dict[str, datetime] = field(default_factory=dict, repr=False)

    def observe(self, attempt: CallAttempt) -> FraudAlarm | None:
        """Record an attempt; an alarm if it crosses the limit."""
        if attempt.number_class not in self.watched:
            return None
        times = self._recent.setdefault(attempt.subject, deque())
        times.append(attempt.at)
        while times and times[0] <= attempt.at - self.window:
            times.popleft()
        if len(times) <= self.limit:
            return None
        quiet = self._quiet_until.get(attempt.subject)
        if quiet is not None and attempt.at < quiet:
            return None
        self._quiet_until[attempt.subject] = attempt.at + self.window
        return FraudAlarm(
            subject=attempt.subject,
            count=len(times),
            since=times[0],
            at=attempt.at,
            detail=(
                f"{len(times)} samtalsförsök till utlandet eller betalnummer "
                f"inom {int(self.window.total_seconds() // 60)} minuter"
            ),
        )


def scan_for_fraud(
    attempts: Iterable[CallAttempt], watch: FraudWatch | None = None
) -> list[FraudAlarm]:
    """Every alarm a sequence of attempts raises (sorted by time first)."""
    watch = watch or FraudWatch()
    alarms = (watch.observe(a) for a in sorted(attempts, key=lambda a: a.at))
    return [a for a in alarms if a is not None]
