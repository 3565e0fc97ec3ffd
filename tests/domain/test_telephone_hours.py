from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaxel.domain.clock import TZ
from vaxel.domain.errors import DomainError
from vaxel.domain.telephone_hours import (
    OFFICE_HOURS,
    Closure,
    TelephoneHours,
    WorkCalendar,
    holiday_name,
    is_eve,
    is_public_holiday,
    parse_schedule,
)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


LUNCH_CLOSED = parse_schedule("mån-fre 08:00-12:00 och 13:00-16:30")


def test_holidays_and_eves() -> None:
    assert is_public_holiday(date(2026, 12, 25))
    assert is_public_holiday(date(2026, 6, 6))  # Nationaldagen
    assert not is_public_holiday(date(2026, 12, 24))
    assert is_eve(date(2026, 12, 24)) and is_eve(date(2026, 12, 31))
    assert is_eve(date(2026, 6, 19))  # midsommarafton, a Friday
    assert not is_public_holiday(date(2026, 3, 1))  # an ordinary Sunday
    assert holiday_name(date(2026, 12, 24)) == "Julafton"
    assert holiday_name(date(2026, 12, 2)) is None


def test_office_hours_on_an_ordinary_week() -> None:
    assert OFFICE_HOURS.is_open(at(2026, 12, 2, 8, 0))
    assert OFFICE_HOURS.is_open(at(2026, 12, 2, 16, 29))
    assert not OFFICE_HOURS.is_open(at(2026, 12, 2, 16, 30))  # the closing minute is closed
    assert not OFFICE_HOURS.is_open(at(2026, 12, 2, 7, 59))
    assert not OFFICE_HOURS.is_open(at(2026, 12, 5, 10, 0))  # Saturday


def test_is_open_reads_any_time_zone() -> None:
    assert OFFICE_HOURS.is_open(datetime(2026, 12, 2, 7, 30, tzinfo=UTC))  # 08:30 in Sweden


def test_lunch_break() -> None:
    assert not LUNCH_CLOSED.is_open(at(2026, 12, 2, 12, 30))
    assert LUNCH_CLOSED.next_opening(at(2026, 12, 2, 12, 30)) == at(2026, 12, 2, 13, 0)
    assert LUNCH_CLOSED.next_closing(at(2026, 12, 2, 9, 0)) == at(2026, 12, 2, 12, 0)


def test_julafton_is_closed_by_default() -> None:
    assert not OFFICE_HOURS.is_open(at(2026, 12, 24, 10, 0))


def test_julafton_open_until_eve_close() -> None:
    hours = TelephoneHours(OFFICE_HOURS.weekly, eve_close=time(12, 0))
    assert hours.is_open(at(2026, 12, 24, 10, 0))
    assert not hours.is_open(at(2026, 12, 24, 12, 0))
    assert hours.next_closing(at(2026, 12, 24, 10, 0)) == at(2026, 12, 24, 12, 0)
    assert not hours.is_open(at(2026, 12, 25, 10, 0))  # juldagen stays closed


def test_midsommarafton_is_closed() -> None:
    assert not OFFICE_HOURS.is_open(at(2026, 6, 19, 10, 0))
    assert OFFICE_HOURS.next_opening(at(2026, 6, 18, 17, 0)) == at(2026, 6, 22, 8, 0)


def test_next_opening_over_christmas() -> None:
    # Wed 23 Dec after hours; 24 julafton, 25 juldagen, 26–27 weekend.
    assert OFFICE_HOURS.next_opening(at(2026, 12, 23, 17, 0)) == at(2026, 12, 28, 8, 0)


def test_next_opening_over_new_year() -> None:
    # Wed 30 Dec after hours; 31 nyårsafton, 1 Jan nyårsdagen, 2–3 weekend.
    assert OFFICE_HOURS.next_opening(at(2026, 12, 30, 17, 0)) == at(2027, 1, 4, 8, 0)
    # 6 Jan 2027, trettondedag jul, is a Wednesday.
    assert OFFICE_HOURS.next_opening(at(2027, 1, 5, 17, 0)) == at(2027, 1, 7, 8, 0)


def test_next_opening_is_now_when_open() -> None:
    now = at(2026, 12, 2, 10, 17)
    assert OFFICE_HOURS.next_opening(now) == now


def test_sunday_hours_hold_on_ordinary_sundays_but_not_on_holidays() -> None:
    sundays = parse_schedule("sön 10-14")
    assert sundays.is_open(at(2026, 3, 1, 11, 0))
    assert not sundays.is_open(at(2026, 4, 5, 11, 0))  # påskdagen


def test_lines_open_on_holidays() -> None:
    always = TelephoneHours(
        {d: ((time(0), time(23, 59)),) for d in range(7)}, holidays_closed=False
    )
    assert always.is_open(at(2026, 12, 24, 20, 0))
    assert always.is_open(at(2026, 12, 25, 3, 0))


def test_closures_cut_out_periods() -> None:
    staff_day = Closure(at(2026, 12, 2, 8, 0), at(2026, 12, 2, 13, 0), "Personaldag")
    hours = OFFICE_HOURS.with_closure(staff_day)
    assert not hours.is_open(at(2026, 12, 2, 10, 0))
    assert hours.is_open(at(2026, 12, 2, 13, 0))
    assert hours.next_opening(at(2026, 12, 2, 7, 0)) == at(2026, 12, 2, 13, 0)
    assert hours.is_open(at(2026, 12, 3, 10, 0))


def test_closure_must_end_after_start() -> None:
    with pytest.raises(DomainError):
        Closure(at(2026, 12, 2, 13, 0), at(2026, 12, 2, 8, 0))


def test_next_closing_joins_adjacent_intervals() -> None:
    hours = parse_schedule("mån-fre 08-12 12-16")
    assert hours.next_closing(at(2026, 12, 2, 9, 0)) == at(2026, 12, 2, 16, 0)
    # Closed now: the end of the next open period.
    assert hours.next_closing(at(2026, 12, 5, 9, 0)) == at(2026, 12, 7, 16, 0)


def test_daylight_saving_days() -> None:
    night = parse_schedule("sön 02:00-04:00")
    # 29 March 2026: 02:00 does not exist, the line opens when the clocks say 03:00.
    assert night.next_opening(at(2026, 3, 29, 1, 0)) == at(2026, 3, 29, 3, 0)
    # 25 October 2026: 02:00–03:00 happens twice; both are open.
    second_0230 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert night.is_open(second_0230)
    assert night.next_closing(second_0230) == at(2026, 10, 25, 4, 0)


def test_never_open() -> None:
    closed = TelephoneHours({})
    assert closed.next_opening(at(2026, 12, 2)) is None
    assert closed.next_closing(at(2026, 12, 2)) is None
    assert closed.describe_sv() == "stängt"


def test_describe() -> None:
    assert LUNCH_CLOSED.describe_sv() == "måndag–fredag 08.00–12.00 och 13.00–16.30"
    assert LUNCH_CLOSED.describe_en() == "Monday–Friday 08:00–12:00 and 13:00–16:30"
    varied = parse_schedule("mån-tor 8-16.30; fre 8-15; lör,sön 10-14; aftnar till 12")
    assert varied.describe_sv() == (
        "måndag–torsdag 08.00–16.30, fredag 08.00–15.00, lördag och söndag 10.00–14.00; "
        "aftnar till 12.00"
    )


def test_json_round_trip() -> None:
    hours = TelephoneHours(
        LUNCH_CLOSED.weekly,
        eve_close=time(12, 0),
        closures=(Closure(at(2026, 12, 2, 8), at(2026, 12, 2, 13), "Personaldag"),),
    )
    data = json.loads(json.dumps(hours.to_json()))
    assert TelephoneHours.from_json(data) == hours
    assert hash(TelephoneHours.from_json(data)) == hash(hours)


@pytest.mark.parametrize(
    "data",
    [
        {"weekly": {"funday": [["08:00", "12:00"]]}},
        {"weekly": {"mon": [["08:00"]]}},
        {"weekly": {"mon": [["8 o'clock", "12:00"]]}},
        {"weekly": {"mon": [["12:00", "08:00"]]}},
        {"weekly": [], "closures": [{"start": "tomorrow"}]},
    ],
)
def test_from_json_rejects_bad_data(data: dict[str, object]) -> None:
    with pytest.raises(DomainError) as err:
        TelephoneHours.from_json(data)
    assert err.value.field == "hours"


def test_parse_schedule() -> None:
    hours = parse_schedule("Mån-Fre 08:00-16:30; lör 10-14")
    assert hours.weekly[0] == ((time(8), time(16, 30)),)
    assert hours.weekly[5] == ((time(10), time(14)),)
    assert 6 not in hours.weekly
    assert hours.eve_close is None
    assert parse_schedule("vardagar 0800-1630").weekly == OFFICE_HOURS.weekly
    assert parse_schedule("mon - fri 8-16.30").weekly[4] == ((time(8), time(16, 30)),)
    assert parse_schedule("mån-tor 8-16, fre 8-15").weekly[4] == ((time(8), time(15)),)
    assert parse_schedule("mån-fre 8-16; ons stängt").weekly.get(2) is None
    assert parse_schedule("mån 8-16; aftnar till 12:00").eve_close == time(12)


@pytest.mark.parametrize(
    "text",
    ["", "mån", "mån 8", "funday 8-12", "mån 8-12 hello", "mån 12-8", "mån 8-12 11-13", "mån 8-25"],
)
def test_parse_schedule_errors_name_hours(text: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_schedule(text)
    assert err.value.field == "hours"


def test_weekdays_out_of_range_are_rejected() -> None:
    with pytest.raises(DomainError):
        TelephoneHours({7: ((time(8), time(9)),)})


# --- Working time ---------------------------------------------------------------------------

WORK = WorkCalendar()


def test_end_of_next_working_day_over_a_weekend() -> None:
    assert WORK.end_of_next_working_day(at(2026, 12, 4, 10, 0)) == at(2026, 12, 7, 17, 0)
    assert WORK.end_of_next_working_day(at(2026, 12, 5, 10, 0)) == at(2026, 12, 7, 17, 0)


def test_end_of_next_working_day_over_midsommar() -> None:
    # Thursday 18 June 2026; Friday is midsommarafton.
    assert WORK.end_of_next_working_day(at(2026, 6, 18, 10, 0)) == at(2026, 6, 22, 17, 0)


def test_add_working_hours() -> None:
    assert WORK.add_working_hours(at(2026, 12, 2, 9, 0), 2) == at(2026, 12, 2, 11, 0)
    assert WORK.add_working_hours(at(2026, 12, 4, 16, 0), 2) == at(2026, 12, 7, 9, 0)
    assert WORK.add_working_hours(at(2026, 12, 5, 12, 0), 1.5) == at(2026, 12, 7, 9, 30)
    assert WORK.add_working_hours(at(2026, 12, 2, 6, 0), 0) == at(2026, 12, 2, 8, 0)
    assert WORK.add_working_hours(at(2026, 12, 2, 15, 0), 2) == at(2026, 12, 2, 17, 0)
    assert WORK.add_working_hours(at(2026, 6, 18, 15, 0), 4) == at(2026, 6, 22, 10, 0)
    with pytest.raises(DomainError):
        WORK.add_working_hours(at(2026, 12, 2, 9, 0), -1)


def test_working_days() -> None:
    assert WORK.is_working_day(date(2026, 12, 2))
    assert not WORK.is_working_day(date(2026, 12, 24))
    assert not WORK.is_working_day(date(2026, 12, 5))
    assert WORK.is_working_time(at(2026, 12, 2, 16, 45))


# --- Properties -----------------------------------------------------------------------------

quarter = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def schedules(draw: st.DrawFn) -> TelephoneHours:
    weekly = {}
    for day in draw(st.sets(st.integers(0, 6), min_size=1)):
        marks = sorted(draw(st.sets(quarter, min_size=2, max_size=4)))
        pairs = list(zip(marks[::2], marks[1::2], strict=False))
        weekly[day] = tuple(pairs)
    eve_close = draw(st.one_of(st.none(), quarter.filter(lambda t: t > time(0))))
    return TelephoneHours(weekly, eve_close=eve_close)


instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=150, deadline=None)
@given(schedules(), instants)
def test_next_opening_is_open_and_nothing_before_it_is(
    hours: TelephoneHours, now: datetime
) -> None:
    opening = hours.next_opening(now)
    if opening is None:
        return
    assert opening >= now
    assert hours.is_open(opening)
    step = now
    horizon = min(opening, now + timedelta(days=30))
    while step < horizon:  # UTC steps: wall-clock arithmetic would skip or repeat DST hours
        assert not hours.is_open(step), step
        step += timedelta(minutes=15)


@settings(max_examples=150, deadline=None)
@given(schedules(), instants)
def test_next_closing_ends_an_open_period(hours: TelephoneHours, now: datetime) -> None:
    opening = hours.next_opening(now)
    closing = hours.next_closing(now)
    assert (opening is None) == (closing is None)
    if opening is None or closing is None:
        return
    assert closing > opening
    assert not hours.is_open(closing)
    assert hours.is_open(closing - timedelta(seconds=1))
