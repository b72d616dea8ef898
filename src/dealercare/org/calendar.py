"""A store's working-day calendar, built from the statutory table, its overrides and its hours."""

from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Sum

from dealercare.core.models import CalendarYear, StatutoryDay
from dealercare.core.workdays import DEFAULT_BUSINESS_HOURS, WorkCalendar

from .models import Store

# The statutory table changes a few times a year (an import replaces a year and touches its
# CalendarYear row), so each process keeps the last one it read and re-reads only when the
# CalendarYear rows say it changed: one small query instead of ~800 rows per request.
_statutory_cache: dict = {"version": None, "calendar": None}


def statutory_calendar() -> WorkCalendar:
    """The group-wide statutory calendar with default business hours (no store overrides)."""
    version = tuple(
        CalendarYear.objects.aggregate(
            years=Count("id"), last=Max("imported_at"), total=Sum("year")
        ).values()
    )
    cached = _statutory_cache
    if cached["version"] == version:
        return cached["calendar"]
    calendar = WorkCalendar(
        statutory={
            day: kind == StatutoryDay.Kind.WORKDAY
            for day, kind in StatutoryDay.objects.values_list("date", "kind")
        },
        known_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
    )
    _statutory_cache.update(version=version, calendar=calendar)
    return calendar


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
