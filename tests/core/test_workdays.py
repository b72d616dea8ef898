"""Working days and business hours on a store's calendar (DOMAIN.md, "Organisation").

Property tests run on a `WorkCalendar` built straight from the `chinese-calendar` package (the
same data the migration seeds, no database needed), with random store overrides and business
hours; example tests run on `store_calendar()` over the seeded database.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealercare.core.workdays import NoWorkingDayError, WorkCalendar
from dealercare.org.calendar import statutory_calendar, store_calendar
from dealercare.org.models import BusinessPeriod, StoreCalendarOverride

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
DAY = dt.timedelta(days=1)

STATUTORY = {day: False for day in chinese_calendar.holidays} | {
    day: True for day in chinese_calendar.workdays
}
KNOWN_YEARS = frozenset(day.year for day in STATUTORY)
CN = WorkCalendar(statutory=STATUTORY, known_years=KNOWN_YEARS)

FIRST_DAY, LAST_DAY = dt.date(2004, 1, 1), dt.date(2032, 12, 31)
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


def at(day: str, time: str, tz=SHANGHAI) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time), tz)


# -- strategies ---------------------------------------------------------------------------------
@st.composite
def business_hours(draw):
    """One to three sorted, non-overlapping opening periods on a minute grid, or the default."""
    if draw(st.booleans()):
        return None
    count = draw(st.integers(1, 3))
    edges = sorted(
        draw(st.sets(st.integers(1, 24 * 60 - 1), min_size=2 * count, max_size=2 * count))
    )
    as_time = lambda minutes: dt.time(minutes // 60, minutes % 60)  # noqa: E731
    return tuple((as_time(a), as_time(b)) for a, b in zip(edges[::2], edges[1::2], strict=True))


@st.composite
def scenarios(draw):
    """A day and a calendar: real statutory data plus random store overrides near that day."""
    day = draw(st.dates(FIRST_DAY, LAST_DAY))
    offsets = draw(st.dictionaries(st.integers(-10, 60), st.booleans(), max_size=25))
    overrides = {day + dt.timedelta(days=offset): working for offset, working in offsets.items()}
    hours = draw(business_hours())
    calendar = WorkCalendar(
        statutory=STATUTORY,
        known_years=KNOWN_YEARS,
        overrides=overrides,
        **({"hours": hours} if hours else {}),
    )
    return calendar, day


@st.composite
def moments(draw, day: dt.date):
    """A timezone-aware moment within a few days of `day`, in Shanghai time or in UTC."""
    start = dt.datetime.combine(day, dt.time()) - dt.timedelta(days=2)
    naive = draw(st.datetimes(start, start + dt.timedelta(days=6)))
    moment = naive.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC) if draw(st.booleans()) else moment


durations = st.timedeltas(dt.timedelta(0), dt.timedelta(hours=120))
positive_durations = st.timedeltas(dt.timedelta(seconds=1), dt.timedelta(hours=120))


# -- working days: properties -------------------------------------------------------------------
@PROPERTY_SETTINGS
@given(scenarios(), st.integers(0, 40))
def test_counting_back_the_added_working_days_gives_n(scenario, n):
    calendar, day = scenario
    assert calendar.working_days_between(day, calendar.add_working_days(day, n)) == n


@PROPERTY_SETTINGS
@given(scenarios(), st.integers(1, 40))
def test_the_nth_working_day_is_a_working_day_and_the_first_after_the_previous(scenario, n):
    calendar, day = scenario
    result = calendar.add_working_days(day, n)
    previous = calendar.add_working_days(day, n - 1)
    assert result > previous
    assert calendar.is_working_day(result)
    between = previous + DAY
    while between < result:
        assert not calendar.is_working_day(between), f"{between} was skipped"
        between += DAY


@PROPERTY_SETTINGS
@given(scenarios())
def test_next_working_day_is_the_first_working_day_after(scenario):
    calendar, day = scenario
    following = calendar.next_working_day(day)
    assert following > day
    assert calendar.is_working_day(following)
    assert calendar.working_days_between(day, following - DAY) == 0


@PROPERTY_SETTINGS
@given(scenarios(), st.integers(0, 30), st.integers(0, 30))
def test_working_days_between_adds_up_over_consecutive_ranges(scenario, first, second):
    calendar, a = scenario
    b, c = a + dt.timedelta(days=first), a + dt.timedelta(days=first + second)
    assert calendar.working_days_between(a, b) + calendar.working_days_between(b, c) == (
        calendar.working_days_between(a, c)
    )
    assert calendar.working_days_between(c, a) == 0


@PROPERTY_SETTINGS
@given(st.dates(dt.date(2027, 1, 1), dt.date(2099, 12, 31)), st.integers(0, 30))
def test_years_without_data_fall_back_to_monday_to_friday_and_are_estimated(day, n):
    assert CN.is_working_day(day) == (day.weekday() < 5)
    assert CN.is_estimated(day)
    result = CN.add_working_days(day, n)
    assert result.weekday() < 5 or n == 0
    assert CN.working_days_between(day, result) == n
    moment = dt.datetime.combine(day, dt.time(10), SHANGHAI)
    end = CN.add_business_time(moment, dt.timedelta(hours=n))
    assert CN.business_time_between(moment, end) == dt.timedelta(hours=n)


@PROPERTY_SETTINGS
@given(st.dates(FIRST_DAY, dt.date(2026, 12, 31)))
def test_years_the_package_knows_are_exact_and_agree_with_it(day):
    assert not CN.is_estimated(day)
    assert CN.is_working_day(day) == chinese_calendar.is_workday(day)


# -- business time: properties ------------------------------------------------------------------
@PROPERTY_SETTINGS
@given(st.data(), scenarios(), durations, durations)
def test_add_business_time_is_monotonic_in_duration(data, scenario, first, second):
    calendar, day = scenario
    start = data.draw(moments(day))
    shorter, longer = sorted([first, second])
    assert calendar.add_business_time(start, shorter) <= calendar.add_business_time(start, longer)


@PROPERTY_SETTINGS
@given(st.data(), scenarios(), durations)
def test_add_business_time_is_monotonic_in_the_start_moment(data, scenario, duration):
    calendar, day = scenario
    earlier, later = sorted([data.draw(moments(day)), data.draw(moments(day))])
    assert calendar.add_business_time(earlier, duration) <= calendar.add_business_time(
        later, duration
    )


@PROPERTY_SETTINGS
@given(st.data(), scenarios(), durations)
def test_business_time_between_start_and_the_deadline_is_the_duration(data, scenario, duration):
    calendar, day = scenario
    start = data.draw(moments(day))
    deadline = calendar.add_business_time(start, duration)
    assert deadline >= start
    assert calendar.business_time_between(start, deadline) == duration


@PROPERTY_SETTINGS
@given(st.data(), scenarios(), durations)
def test_round_trip_from_a_moment_inside_business_time(data, scenario, duration):
    calendar, day = scenario
    start = data.draw(moments(day))
    if not calendar.is_business_time(start):  # move it to the next opening
        tick = dt.timedelta(microseconds=1)
        start = calendar.add_business_time(start, tick) - tick
    assert calendar.is_business_time(start)
    assert calendar.business_time_between(start, calendar.add_business_time(start, duration)) == (
        duration
    )


@PROPERTY_SETTINGS
@given(st.data(), scenarios(), positive_durations)
def test_deadlines_fall_inside_business_hours_of_a_working_day(data, scenario, duration):
    calendar, day = scenario
    deadline = calendar.add_business_time(data.draw(moments(day)), duration)
    local = deadline.astimezone(calendar.tz)
    assert calendar.is_working_day(local.date())
    # Inside an opening period, or exactly at its end (the last second of it was used).
    assert any(start < local.time() <= end for start, end in calendar.hours), local


@PROPERTY_SETTINGS
@given(st.data(), scenarios(), st.integers(0, 6 * 24))
def test_business_time_between_adds_up_over_consecutive_ranges(data, scenario, hours):
    calendar, day = scenario
    a = data.draw(moments(day))
    b = a + dt.timedelta(hours=hours / 2)
    c = b + dt.timedelta(hours=hours / 2)
    assert calendar.business_time_between(a, b) + calendar.business_time_between(b, c) == (
        calendar.business_time_between(a, c)
    )


def test_overlapping_opening_periods_count_once():
    calendar = WorkCalendar(hours=((dt.time(8), dt.time(12)), (dt.time(11), dt.time(14))))
    day = "2031-03-04"  # a Tuesday
    assert calendar.business_time_between(at(day, "00:00"), at(day, "23:00")) == dt.timedelta(
        hours=6
    )
    assert calendar.add_business_time(at(day, "08:00"), dt.timedelta(hours=6)) == at(day, "14:00")


def test_long_durations_on_short_days_do_not_give_up():
    calendar = WorkCalendar(hours=((dt.time(9), dt.time(9, 30)),))
    start = at("2031-03-04", "09:00")
    duration = dt.timedelta(days=100)  # 4,800 half-hour days: about 18 years
    deadline = calendar.add_business_time(start, duration)
    assert deadline.year == 2049
    assert calendar.business_time_between(start, deadline) == duration
    # The start day is the first of the 4,800 days.
    assert calendar.add_working_days(dt.date(2031, 3, 4), 4799) == deadline.date()


def test_a_calendar_without_any_business_time_is_a_configuration_error():
    closed = WorkCalendar(hours=())
    with pytest.raises(NoWorkingDayError):
        closed.add_business_time(at("2026-09-30", "10:00"), dt.timedelta(hours=1))


def test_add_business_time_refuses_a_naive_moment_and_a_negative_duration():
    with pytest.raises(ValueError):
        CN.add_business_time(dt.datetime(2026, 9, 30, 10), dt.timedelta(hours=1))
    with pytest.raises(ValueError):
        CN.add_business_time(at("2026-09-30", "10:00"), dt.timedelta(hours=-1))
    with pytest.raises(ValueError):
        CN.add_working_days(dt.date(2026, 9, 30), -1)


# -- examples on the seeded database: 2026 National Day -----------------------------------------
@pytest.fixture
def calendar(store_a):
    return store_calendar(store_a)


def test_the_seeded_table_matches_the_package_for_every_known_year(db):
    seeded = statutory_calendar()
    assert seeded.known_years == KNOWN_YEARS
    day = FIRST_DAY
    while day <= dt.date(2026, 12, 31):
        assert seeded.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += DAY


def test_national_day_2026_holidays_and_make_up_days(calendar):
    for offset in range(7):
        assert not calendar.is_working_day(dt.date(2026, 10, 1) + dt.timedelta(days=offset))
    assert calendar.is_working_day(dt.date(2026, 10, 10))  # Saturday, 调休上班
    assert calendar.is_working_day(dt.date(2026, 9, 20))  # Sunday, 调休上班
    assert not calendar.is_working_day(dt.date(2026, 10, 11))  # an ordinary Sunday
    assert not calendar.is_estimated(dt.date(2026, 10, 1))
    assert calendar.is_estimated(dt.date(2027, 10, 1))


def test_working_days_after_a_delivery_on_30_september_2026(calendar):
    delivered = dt.date(2026, 9, 30)
    assert calendar.next_working_day(delivered) == dt.date(2026, 10, 8)
    assert calendar.add_working_days(delivered, 1) == dt.date(2026, 10, 8)
    assert calendar.add_working_days(delivered, 2) == dt.date(2026, 10, 9)
    assert calendar.add_working_days(delivered, 3) == dt.date(2026, 10, 10)
    assert calendar.add_working_days(delivered, 4) == dt.date(2026, 10, 12)
    assert calendar.working_days_between(delivered, dt.date(2026, 10, 10)) == 3
    assert calendar.add_working_days(delivered, 0) == delivered


def test_business_hours_across_national_day_2026(calendar):
    # 16:30–17:30 on Wednesday 30 September is one hour; the holiday runs to 7 October; the
    # second hour is 08:30–09:30 on Thursday 8 October.
    deadline = calendar.add_business_time(at("2026-09-30", "16:30"), dt.timedelta(hours=2))
    assert deadline == at("2026-10-08", "09:30")
    assert calendar.business_time_between(at("2026-09-30", "16:30"), deadline) == dt.timedelta(
        hours=2
    )
    # The same moment given in UTC gives the same deadline.
    assert calendar.add_business_time(at("2026-09-30", "08:30", UTC), dt.timedelta(hours=2)) == at(
        "2026-10-08", "09:30"
    )
    # The make-up Saturday counts: one hour from 17:00 on Friday 9 October.
    assert calendar.add_business_time(at("2026-10-09", "17:00"), dt.timedelta(hours=1)) == at(
        "2026-10-10", "09:00"
    )
    # From the middle of the holiday the clock starts at the next opening.
    assert calendar.add_business_time(at("2026-10-03", "10:00"), dt.timedelta(minutes=15)) == at(
        "2026-10-08", "08:45"
    )


def test_the_lunch_break_is_skipped(calendar):
    assert calendar.add_business_time(at("2026-09-30", "11:30"), dt.timedelta(hours=1)) == at(
        "2026-09-30", "14:00"
    )
    assert calendar.add_business_time(at("2026-09-30", "12:15"), dt.timedelta(minutes=30)) == at(
        "2026-09-30", "14:00"
    )
    assert calendar.business_time_between(
        at("2026-09-30", "11:00"), at("2026-09-30", "14:00")
    ) == dt.timedelta(hours=1, minutes=30)
    assert not calendar.is_business_time(at("2026-09-30", "12:30"))
    assert calendar.is_business_time(at("2026-09-30", "13:30"))
    assert calendar.end_of_business_day(dt.date(2026, 9, 30)) == at("2026-09-30", "17:30")
    # A full working day is 7.5 business hours.
    assert calendar.business_time_between(
        at("2026-09-30", "00:00"), at("2026-10-01", "00:00")
    ) == dt.timedelta(hours=7, minutes=30)


def test_a_store_override_opening_3_october_changes_the_answers(store_a, store_b):
    StoreCalendarOverride.objects.create(
        store=store_a, date=dt.date(2026, 10, 3), is_working_day=True, reason="车间周六营业"
    )
    mine, theirs = store_calendar(store_a), store_calendar(store_b)
    delivered = dt.date(2026, 9, 30)

    assert mine.is_working_day(dt.date(2026, 10, 3))
    assert mine.next_working_day(delivered) == dt.date(2026, 10, 3)
    assert mine.add_working_days(delivered, 3) == dt.date(2026, 10, 9)
    assert mine.add_business_time(at("2026-09-30", "16:30"), dt.timedelta(hours=2)) == at(
        "2026-10-03", "09:30"
    )
    # The other store keeps the statutory calendar.
    assert not theirs.is_working_day(dt.date(2026, 10, 3))
    assert theirs.add_working_days(delivered, 3) == dt.date(2026, 10, 10)


def test_a_store_override_closing_a_make_up_saturday(store_a):
    StoreCalendarOverride.objects.create(
        store=store_a, date=dt.date(2026, 10, 10), is_working_day=False
    )
    calendar = store_calendar(store_a)
    assert not calendar.is_working_day(dt.date(2026, 10, 10))
    assert calendar.add_working_days(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 12)


def test_a_stores_own_business_periods_are_used(store_a, store_b):
    # Created out of order: the calendar does not depend on the order of the rows.
    BusinessPeriod.objects.create(store=store_a, start=dt.time(14), end=dt.time(20))
    BusinessPeriod.objects.create(store=store_a, start=dt.time(8), end=dt.time(12))
    mine, theirs = store_calendar(store_a), store_calendar(store_b)

    assert mine.add_business_time(at("2026-09-30", "16:30"), dt.timedelta(hours=2)) == at(
        "2026-09-30", "18:30"
    )
    assert mine.add_business_time(at("2026-09-30", "11:30"), dt.timedelta(hours=1)) == at(
        "2026-09-30", "14:30"
    )
    assert mine.add_business_time(at("2026-09-30", "19:30"), dt.timedelta(hours=1)) == at(
        "2026-10-08", "08:30"
    )
    assert mine.end_of_business_day(dt.date(2026, 9, 30)) == at("2026-09-30", "20:00")
    assert theirs.add_business_time(at("2026-09-30", "16:30"), dt.timedelta(hours=2)) == at(
        "2026-10-08", "09:30"
    )


def test_a_store_in_another_time_zone_counts_in_its_local_hours(store_a):
    store_a.time_zone = "Asia/Urumqi"
    store_a.save(update_fields=["time_zone"])
    urumqi = ZoneInfo("Asia/Urumqi")
    calendar = store_calendar(store_a)
    # 16:30 Beijing time is 14:30 in Urumqi: three business hours remain that day.
    deadline = calendar.add_business_time(at("2026-09-30", "16:30"), dt.timedelta(hours=2))
    assert deadline == at("2026-09-30", "16:30", urumqi)


def test_an_unknown_year_never_raises_and_is_marked_estimated(calendar):
    day = dt.date(2031, 10, 1)  # a Wednesday; 2031's holidays are not known
    assert calendar.is_estimated(day)
    assert calendar.is_working_day(day)
    assert not calendar.is_working_day(dt.date(2031, 10, 4))  # Saturday
    assert calendar.add_working_days(dt.date(2031, 10, 3), 1) == dt.date(2031, 10, 6)
    assert calendar.is_estimated_between(dt.date(2026, 12, 20), dt.date(2027, 1, 5))
    assert not calendar.is_estimated_between(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert calendar.add_business_time(at("2031-10-03", "17:00"), dt.timedelta(hours=1)) == at(
        "2031-10-06", "09:00"
    )
