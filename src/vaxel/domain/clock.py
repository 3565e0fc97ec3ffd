"""The municipality's time zone. All domain datetimes are timezone-aware."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from vaxel.domain.errors import DomainError

TZ = ZoneInfo("Europe/Stockholm")


def local(at: datetime) -> datetime:
    """The same instant in the municipality's local time (naive input is taken as local)."""
    return at.replace(tzinfo=TZ) if at.tzinfo is None else at.astimezone(TZ)


def at_local(day: date, clock: time) -> datetime:
    """The local instant at `clock` on `day`; a time that DST skips moves forward an hour."""
    # Round-tripping through UTC turns the non-existent 02:30 of the spring change into 03:30.
    return datetime.combine(day, clock, tzinfo=TZ).astimezone(UTC).astimezone(TZ)


def require_aware(at: datetime, field: str) -> datetime:
    """`at` itself, or DomainError(field) if it has no time zone."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise DomainError(field, "the time must include a time zone")
    return at


def utc(at: datetime) -> datetime:
    """The instant in UTC, for comparisons.

    Python compares two datetimes that share a tzinfo object by wall time alone, which is wrong
    in the hour that repeats when summer time ends; comparing in UTC is always right.
    """
    return at.astimezone(UTC)
