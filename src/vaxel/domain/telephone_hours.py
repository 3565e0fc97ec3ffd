"""Telephone hours (telefontider) with Swedish public holidays, eves and one-off closures."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any

import holidays

from vaxel.domain.clock import at_local, local, require_aware
from vaxel.domain.errors import DomainError
from vaxel.domain.organisation import Unit, ancestors
from vaxel.domain.text import fold, join_en, join_sv
from vaxel.domain.when import WEEKDAYS, parse_clock

Interval = tuple[time, time]
DayHours = tuple[Interval, ...]
Period = tuple[datetime, datetime]  # a half-open open period [start, end) as UTC instants

# How far ahead next_opening looks before it gives up: a year and a day covers every holiday.
HORIZON_DAYS = 366

WEEKDAY_NAMES_SV = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_JSON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SCHEDULE_EXAMPLE = "mån-fre 08:00-12:00 och 13:00-16:30; lör 10-14; aftnar stängt"


# --- Holidays -------------------------------------------------------------------------------


def _holidays_se(year: int, category: str) -> dict[date, str]:
    try:
        found = holidays.country_holidays(
            "SE", years=year, categories=(category,), language="sv", include_sundays=False
        )
    except (TypeError, ValueError, NotImplementedError):  # an older holidays release
        return dict(holidays.country_holidays("SE", years=year)) if category == "public" else {}
    return dict(found)


@lru_cache(maxsize=32)
def _swedish_days_off(year: int) -> tuple[dict[date, str], dict[date, str]]:
    """(public holidays, eves) of a year, with Swedish names."""
    # Swedish law counts every Sunday as a holiday, and holidays can list them so. We want only
    # named holidays: a unit with Sunday hours is open on an ordinary Sunday.
    public = {
        d: n.removesuffix("; Söndag")
        for d, n in _holidays_se(year, "public").items()
        if fold(n) not in {"sondag", "sunday"}
    }
    eves = _holidays_se(year, "de_facto") or {
        # Releases without the de_facto category: the three eves of semesterlagen §7.
        date(year, 6, 19) + timedelta((4 - date(year, 6, 19).weekday()) % 7): "Midsommarafton",
        date(year, 12, 24): "Julafton",
        date(year, 12, 31): "Nyårsafton",
    }
    return public, eves


def is_public_holiday(day: date) -> bool:
    """A Swedish public holiday (allmän helgdag), not counting ordinary Sundays."""
    return day in _swedish_days_off(day.year)[0]


def is_eve(day: date) -> bool:
    """Midsommarafton, julafton or nyårsafton: treated as holidays by Swedish law."""
    return day in _swedish_days_off(day.year)[1]


def holiday_name(day: date) -> str | None:
    """The Swedish name of the holiday or eve on that day ("Julafton"), else None."""
    days_off, eves = _swedish_days_off(day.year)
    return days_off.get(day) or eves.get(day)


# --- Telephone hours ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Closure:
    """A one-off closure, e.g. a staff day: closed from start until end."""

    start: datetime
    end: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        require_aware(self.start, "start")
        require_aware(self.end, "end")
        if self.end <= self.start:
            raise DomainError("end", "a closure must end after it starts")


@dataclass(frozen=True, slots=True)
class TelephoneHours:
    """When a unit, function number or person answers: weekday (Monday=0) → open intervals.

    Public holidays are closed; on the eves the unit closes at `eve_close` (None: closed all
    day); closures cut out one-off periods. Set `holidays_closed=False` for lines open on every
    day of the schedule regardless of holidays.
    """

    weekly: Mapping[int, DayHours]
    eve_close: time | None = None
    closures: tuple[Closure, ...] = ()
    holidays_closed: bool = True
    _weekly: tuple[DayHours, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        days: list[DayHours] = [()] * 7
        for day, intervals in self.weekly.items():
            if day not in range(7):
                raise DomainError("hours", f"weekday {day} is not 0 (Monday) … 6 (Sunday)")
            days[day] = _check_intervals(intervals, WEEKDAY_NAMES_EN[day])
        object.__setattr__(self, "weekly", {d: h for d, h in enumerate(days) if h})
        object.__setattr__(self, "_weekly", tuple(days))
        object.__setattr__(self, "closures", tuple(sorted(self.closures, key=lambda c: c.start)))

    def __hash__(self) -> int:
        return hash((self._weekly, self.eve_close, self.closures, self.holidays_closed))

    def hours_on(self, day: date) -> DayHours:
        """The open intervals of a date by schedule, holidays and eves (closures not applied)."""
        hours = self._weekly[day.weekday()]
        if not self.holidays_closed:
            return hours
        if is_public_holiday(day):
            return ()
        if is_eve(day):
            cut = self.eve_close
            return () if cut is None else tuple((s, min(e, cut)) for s, e in hours if s < cut)
        return hours

    def _periods_on(self, day: date) -> list[Period]:
        periods = [
            (at_local(day, s).astimezone(UTC), at_local(day, e).astimezone(UTC))
            for s, e in self.hours_on(day)
        ]
        periods = [(s, e) for s, e in periods if s < e]  # an interval DST swallowed
        for closure in self.closures:
            periods = _subtract(periods, closure.start, closure.end)
        return periods

    def open_periods(self, at: datetime, days: int = HORIZON_DAYS) -> Iterator[Period]:
        """Open periods (UTC start, end) that end after `at`, in order, over `days` days."""
        moment = require_aware(at, "at").astimezone(UTC)
        first = local(at).date()
        for offset in range(days + 1):
            for start, end in self._periods_on(first + timedelta(offset)):
                if end > moment:
                    yield start, end

    def is_open(self, at: datetime) -> bool:
        """Whether calls are answered at that instant."""
        moment = require_aware(at, "at").astimezone(UTC)
        return any(s <= moment < e for s, e in self._periods_on(local(at).date()))

    def next_opening(self, at: datetime) -> datetime | None:
        """`at` itself if open, else when it next opens; None if not within a year."""
        for start, _ in self.open_periods(at):
            return local(max(start, at.astimezone(UTC)))
        return None

    def next_closing(self, at: datetime) -> datetime | None:
        """When the current (or, if closed, the next) open period ends; None if none in a year."""
        end: datetime | None = None
        for start, stop in self.open_periods(at):
            if end is not None and start != end:
                break
            end = stop
        return None if end is None else local(end)

    def day_groups(self) -> list[tuple[int, int, DayHours]]:
        """Runs of consecutive weekdays with the same hours: (first, last, hours)."""
        groups: list[tuple[int, int, DayHours]] = []
        for day, hours in enumerate(self._weekly):
            if not hours:
                continue
            if groups and groups[-1][1] == day - 1 and groups[-1][2] == hours:
                groups[-1] = (groups[-1][0], day, hours)
            else:
                groups.append((day, day, hours))
        return groups

    def describe_sv(self) -> str:
        """Swedish text: "måndag–fredag 08.00–12.00 och 13.00–16.30" (times with a period)."""
        if not self.day_groups():
            return "stängt"
        text = ", ".join(
            f"{_days(first, last, WEEKDAY_NAMES_SV, 'och')} "
            + join_sv([f"{_hhmm(s, '.')}–{_hhmm(e, '.')}" for s, e in hours])
            for first, last, hours in self.day_groups()
        )
        if self.holidays_closed and self.eve_close is not None:
            text += f"; aftnar till {_hhmm(self.eve_close, '.')}"
        return text

    def describe_en(self) -> str:
        """English text: "Monday–Friday 08:00–12:00 and 13:00–16:30"."""
        if not self.day_groups():
            return "closed"
        text = ", ".join(
            f"{_days(first, last, WEEKDAY_NAMES_EN, 'and')} "
            + join_en([f"{_hhmm(s)}–{_hhmm(e)}" for s, e in hours])
            for first, last, hours in self.day_groups()
        )
        if self.holidays_closed and self.eve_close is not None:
            text += f"; eves until {_hhmm(self.eve_close)}"
        return text

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict that from_json reads back."""
        return {
            "weekly": {
                _JSON_DAYS[d]: [[_hhmm(s), _hhmm(e)] for s, e in hours]
                for d, hours in enumerate(self._weekly)
                if hours
            },
            "eve_close": None if self.eve_close is None else _hhmm(self.eve_close),
            "holidays_closed": self.holidays_closed,
            "closures": [
                {"start": c.start.isoformat(), "end": c.end.isoformat(), "reason": c.reason}
                for c in self.closures
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TelephoneHours:
        """Read what to_json wrote; DomainError("hours") on anything else."""
        try:
            weekly = {
                _JSON_DAYS.index(day): tuple((_clock(s), _clock(e)) for s, e in intervals)
                for day, intervals in data.get("weekly", {}).items()
            }
            eve = data.get("eve_close")
            closures = tuple(
                Closure(
                    datetime.fromisoformat(c["start"]),
                    datetime.fromisoformat(c["end"]),
                    str(c.get("reason", "")),
                )
                for c in data.get("closures", ())
            )
            return cls(
                weekly=weekly,
                eve_close=None if eve is None else _clock(eve),
                closures=closures,
                holidays_closed=bool(data.get("holidays_closed", True)),
            )
        except DomainError:
            raise
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise DomainError("hours", f"not stored telephone hours: {exc}") from exc

    def with_closure(self, closure: Closure) -> TelephoneHours:
        """A copy with one more closure."""
        return TelephoneHours(
            self.weekly, self.eve_close, (*self.closures, closure), self.holidays_closed
        )


def _check_intervals(intervals: Iterable[Interval], day: str) -> DayHours:
    ordered = tuple(sorted((start, end) for start, end in intervals))
    for start, end in ordered:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise DomainError("hours", f"{day}: use local times without a time zone")
        if not start < end:
            raise DomainError("hours", f"{day}: {_hhmm(start)}–{_hhmm(end)} ends before it starts")
    for (_, end), (start, _) in pairwise(ordered):
        if start < end:
            raise DomainError("hours", f"{day}: intervals overlap at {_hhmm(start)}")
    return ordered


def _subtract(periods: list[Period], start: datetime, end: datetime) -> list[Period]:
    kept: list[Period] = []
    for a, b in periods:
        if end <= a or start >= b:
            kept.append((a, b))
            continue
        if a < start:
            kept.append((a, start))
        if end < b:
            kept.append((end, b))
    return kept


def _hhmm(t: time, sep: str = ":") -> str:
    return f"{t.hour:02d}{sep}{t.minute:02d}"


def _clock(text: str) -> time:
    parsed = parse_clock(str(text))
    if parsed is None:
        raise DomainError("hours", f"{text!r} is not a time like 08:00")
    return parsed


def _days(first: int, last: int, names: tuple[str, ...], word: str) -> str:
    if first == last:
        return names[first]
    if last == first + 1:
        return f"{names[first]} {word} {names[last]}"
    return f"{names[first]}–{names[last]}"


# --- Reading a schedule ---------------------------------------------------------------------

_DAY_SETS: dict[str, tuple[int, ...]] = {
    "vardagar": (0, 1, 2, 3, 4),
    "weekdays": (0, 1, 2, 3, 4),
    "helg": (5, 6),
    "weekend": (5, 6),
}
_EVE_WORDS = {"aftnar", "afton", "eves", "eve"}
_CLOSED_WORDS = {"stangt", "closed"}
# Four digits first, so that "1630" is not read as "16" followed by junk.
_TIME = r"(?:\d{3,4}|\d{1,2}(?:[:.]\d{2})?)"
_GROUP = re.compile(r"^([a-z,\- ]+?)\s+(\d.*|stangt|closed|till .*|until .*)$")
_INTERVAL = re.compile(rf"({_TIME})\s*-\s*({_TIME})")
_INTERVALS = re.compile(rf"(?:\s*{_TIME}\s*-\s*{_TIME}\s*)+")


def parse_schedule(text: str) -> TelephoneHours:
    """Read "mån-fre 08:00-16:30; lör 10-14; aftnar till 12" (groups separated by ";").

    A group is days ("mån", "mån-fre", "mån,ons", "vardagar") then intervals or "stängt";
    "aftnar" takes the closing time on the eves, or "stängt" (the default).
    """
    weekly: dict[int, list[Interval]] = {}
    eve_close: time | None = None
    # "mån-tor 8-16.30, fre 8-15": a comma after a time also starts a new group.
    groups = [g for g in re.split(r"[;\n]|(?<=\d),\s*(?=[^\W\d])", text) if g.strip()]
    if not groups:
        raise DomainError("hours", f"no telephone hours given; write e.g. {_SCHEDULE_EXAMPLE}")
    for group in groups:
        match = _GROUP.match(fold(group))
        if match is None:
            raise _schedule_error(group)
        days_text = re.sub(r"\s*([,-])\s*", r"\1", match.group(1))
        hours_text = re.sub(r"\b(och|and)\b|,", " ", match.group(2)).strip()
        if days_text in _EVE_WORDS:
            eve_close = _eve_close(hours_text, group)
            continue
        days = _parse_days(days_text, group)
        if hours_text in _CLOSED_WORDS:
            for day in days:
                weekly[day] = []
            continue
        if not _INTERVALS.fullmatch(hours_text):
            raise _schedule_error(group)
        intervals = [(_clock(a), _clock(b)) for a, b in _INTERVAL.findall(hours_text)]
        for day in days:
            weekly.setdefault(day, []).extend(intervals)
    return TelephoneHours(weekly={d: tuple(v) for d, v in weekly.items()}, eve_close=eve_close)


def _parse_days(text: str, group: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        first, dash, last = part.partition("-")
        if not dash and first in _DAY_SETS:
            days.extend(_DAY_SETS[first])
        elif first in WEEKDAYS and (not dash or last in WEEKDAYS):
            start, stop = WEEKDAYS[first], WEEKDAYS[last if dash else first]
            days.extend((start + n) % 7 for n in range((stop - start) % 7 + 1))
        else:
            raise _schedule_error(group)
    return days


def _eve_close(text: str, group: str) -> time | None:
    if text in _CLOSED_WORDS:
        return None
    words = text.removeprefix("till").removeprefix("until").strip().lstrip("-").strip()
    interval = _INTERVAL.fullmatch(words)
    # "aftnar 08-12": only the closing time matters, the day's own schedule still opens it.
    clock = parse_clock(interval.group(2) if interval else words)
    if clock is None:
        raise _schedule_error(group)
    return clock


def _schedule_error(group: str) -> DomainError:
    return DomainError("hours", f"cannot read {group.strip()!r}; write e.g. {_SCHEDULE_EXAMPLE}")


# A municipal office's usual telephone hours.
OFFICE_HOURS = TelephoneHours(weekly=dict.fromkeys(range(5), ((time(8), time(16, 30)),)))


# --- The hours that apply to a unit ---------------------------------------------------------


def effective_hours(
    units: Mapping[int, Unit],
    own_hours: Mapping[int, TelephoneHours],
    closures: Iterable[tuple[int | None, Closure]],
    unit_id: int,
) -> TelephoneHours | None:
    """The telephone hours that apply to a unit, as callers and operators are told them.

    A unit without hours of its own has those of the nearest unit above it that has some
    (a nämnd sets them once for all its avdelningar); None if no unit up to the root has any.
    One-off closures apply when they are the unit's own, an ancestor's (a förvaltning's staff
    day closes its avdelningar too), or the whole kommun's (unit id None). A unit the tree does
    not know has no hours; a broken tree (a cycle) counts only the unit itself.
    """
    if unit_id not in units:
        return None
    try:
        chain = [u.id for u in ancestors(units, unit_id)]
    except DomainError:
        chain = [unit_id]
    hours = next((own_hours[u] for u in chain if u in own_hours), None)
    if hours is None:
        return None
    applying = set(chain)
    for owner, closure in closures:
        if owner is None or owner in applying:
            hours = hours.with_closure(closure)
    return hours


# --- Working time ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Working days and hours (holidays and eves off), for due times and escalation."""

    start: time = time(8)
    end: time = time(17)
    workdays: frozenset[int] = frozenset(range(5))

    def __post_init__(self) -> None:
        _check_intervals([(self.start, self.end)], "working day")
        if not self.workdays or not self.workdays <= set(range(7)):
            raise DomainError("workdays", "working days are some of 0 (Monday) … 6 (Sunday)")

    @property
    def hours(self) -> TelephoneHours:
        """The working time as a schedule (eves off)."""
        return TelephoneHours(weekly=dict.fromkeys(self.workdays, ((self.start, self.end),)))

    def is_working_day(self, day: date) -> bool:
        """A working weekday that is neither a public holiday nor an eve."""
        return bool(self.hours.hours_on(day))

    def is_working_time(self, at: datetime) -> bool:
        """Within working hours on a working day."""
        return self.hours.is_open(at)

    def end_of_next_working_day(self, at: datetime) -> datetime:
        """The end of the first working day after the day of `at`."""
        day = local(require_aware(at, "at")).date()
        for _ in range(HORIZON_DAYS):
            day += timedelta(1)
            if self.is_working_day(day):
                return at_local(day, self.end)
        raise DomainError("workdays", "no working day within a year")

    def add_working_hours(self, at: datetime, hours: float) -> datetime:
        """The instant when `hours` of working time have passed after `at`."""
        if hours < 0:
            raise DomainError("hours", "working hours to add must not be negative")
        remaining = timedelta(hours=hours)
        moment = require_aware(at, "at").astimezone(UTC)
        for start, end in self.hours.open_periods(at):
            start = max(start, moment)
            if remaining <= end - start:
                return local(start + remaining)
            remaining -= end - start
        raise DomainError("hours", f"{hours} working hours do not fit within a year")


DEFAULT_WORK_CALENDAR = WorkCalendar()
