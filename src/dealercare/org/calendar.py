"""A store's working-day calendar, built from the statutory table, its overrides and its hours."""

from zoneinfo import ZoneInfo

from dealercare.core.models import CalendarYear, StatutoryDay
from dealercare.core.workdays import DEFAULT_BUSINESS_HOURS, WorkCalendar

from .models import Store


def statutory_calendar() -> WorkCalendar:
    """The group-wide statutory calendar with default business hours (no store overrides)."""
    return WorkCalendar(
        statutory={
            day: kind == StatutoryDay.Kind.WORKDAY
            for day, kind in StatutoryDay.objects.values_list("date", "kind")
        },
        known_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
    )


def store_calendar(store: Store) -> WorkCalendar:
    base = statutory_calendar()
    hours = tuple(store.business_periods.values_list("start", "end")) or DEFAULT_BUSINESS_HOURS
    return WorkCalendar(
        statutory=base.statutory,
        known_years=base.known_years,
        overrides=dict(store.calendar_overrides.values_list("date", "is_working_day")),
        hours=hours,
        tz=ZoneInfo(store.time_zone),
    )
