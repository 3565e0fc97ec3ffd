from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.when import parse_when

# Wednesday 2 December 2026, 15:00.
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=TZ)


def local(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16:00", local(12, 2, 16)),
        ("14:00", local(12, 3, 14)),  # already past today: tomorrow
        ("15:00", local(12, 3, 15)),  # now is not the future
        ("1400", local(12, 3, 14)),
        ("8.30", local(12, 3, 8, 30)),
        ("kl 16", local(12, 2, 16)),
        ("i morgon 08:00", local(12, 3, 8)),
        ("imorgon 8:00", local(12, 3, 8)),
        ("I morgon kl. 9.15", local(12, 3, 9, 15)),
        ("tomorrow 08:00", local(12, 3, 8)),
        ("tomorrow at 8", local(12, 3, 8)),
        ("i dag 16:00", local(12, 2, 16)),
        ("i morgon", local(12, 3, 8)),
        ("måndag 08:00", local(12, 7, 8)),
        ("mandag 8", local(12, 7, 8)),
        ("Monday 13:00", local(12, 7, 13)),
        ("onsdag 08:00", local(12, 9, 8)),  # today is Wednesday: next week's
        ("fredag", local(12, 4, 8)),
        ("2026-12-03 08:00", local(12, 3, 8)),
        ("2026-12-03T08:00", local(12, 3, 8)),
        ("2026-12-03", local(12, 3, 8)),
        ("2027-01-04 kl 7.45", local(1, 4, 7, 45, year=2027)),
        ("om 2 timmar", local(12, 2, 17)),
        ("in 30 minutes", local(12, 2, 15, 30)),
    ],
)
def test_parse_when_examples(text: str, expected: datetime) -> None:
    result = parse_when(text, NOW)
    assert result == expected
    assert result.tzinfo is TZ


@pytest.mark.parametrize(
    "text",
    ["", "snart", "25:00", "12:60", "2026-02-30", "2026-13-01 08:00", "i går 8", "om tre dagar"],
)
def test_parse_when_rejects_with_examples(text: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_when(text, NOW)
    assert err.value.field == "when"
    assert "i morgon 08:00" in err.value.reason


def test_parse_when_needs_an_aware_now() -> None:
    with pytest.raises(DomainError):
        parse_when("14:00", datetime(2026, 12, 2, 15, 0))


def test_a_time_skipped_by_daylight_saving_moves_forward() -> None:
    # 29 March 2026: clocks jump from 02:00 to 03:00.
    result = parse_when("2026-03-29 02:30", NOW)
    assert result == datetime(2026, 3, 29, 3, 30, tzinfo=TZ)
    assert result.utcoffset() == timedelta(hours=2)


def test_now_in_another_zone_is_read_in_local_time() -> None:
    # 23:30 UTC is already the next day in Stockholm.
    now = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    assert parse_when("i dag 10:00", now) == local(12, 3, 10)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(0, 23),
    st.integers(0, 59),
)
def test_a_bare_time_is_always_within_the_next_day(now: datetime, hour: int, minute: int) -> None:
    now = now.replace(tzinfo=TZ)
    result = parse_when(f"{hour:02d}:{minute:02d}", now)
    assert now < result <= now + timedelta(hours=25)  # 25: the autumn DST change
