"""The municipality's time zone. All domain datetimes are timezone-aware."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Stockholm")


def local(at: datetime) -> datetime:
    """The same instant in the municipality's local time (naive input is taken as local)."""
    return at.replace(tzinfo=TZ) if at.tzinfo is None else at.astimezone(TZ)
