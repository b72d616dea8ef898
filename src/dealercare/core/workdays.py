"""Working-day and business-hours arithmetic on a store's calendar.

Pure functions over a `WorkCalendar` value (no database access here): the calendar is built by
`dealercare.org.calendar.store_calendar()` from the statutory-day table, the store's overrides
and its business hours. A year with no statutory data falls back to Monday–Friday and is
reported as estimated; nothing here raises for an unknown year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

DEFAULT_BUSINESS_HOURS: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(8, 30), dt.time(12, 0)),
    (dt.time(13, 30), dt.time(17, 30)),
)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A store whose overrides close every day would otherwise loop for ever: searches give up after
# this many consecutive days without a working day.
_MAX_SEARCH_DAYS = 3700


class NoWorkingDayError(ValueError):
    """The calendar has no working day within ten years: a configuration error."""


@dataclass(frozen=True)
class WorkCalendar:
    statutory: Mapping[dt.date, bool] = field(default_factory=dict)
    known_years: frozenset[int] = frozenset()
    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    hours: tuple[tuple[dt.time, dt.time], ...] = DEFAULT_BUSINESS_HOURS
    tz: dt.tzinfo = SHANGHAI

    def __post_init__(self):
        # Opening periods in order, overlapping or touching ones merged: the arithmetic below
        # walks them in order and would count an overlap twice.
        merged: list[tuple[dt.time, dt.time]] = []
        for start, end in sorted(self.hours):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        object.__setattr__(self, "hours", tuple(merged))

    # -- days -----------------------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day in self.statutory:
            return self.statutory[day]
        return day.weekday() < 5

    def is_estimated(self, day: dt.date) -> bool:
        """True when the statutory holidays of the day's year are not known."""
        return day.year not in self.known_years

    def is_estimated_between(self, start: dt.date, end: dt.date) -> bool:
        low, high = min(start, end), max(start, end)
        return any(year not in self.known_years for year in range(low.year, high.year + 1))

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        return self.add_working_days(day, 1)

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (n >= 1), or `day` itself for n == 0.

        "Due within 3 working days of a delivery on D" is `add_working_days(D, 3)`.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        current, counted, idle_days = day, 0, 0
        while counted < n:
            if idle_days >= _MAX_SEARCH_DAYS:
                raise NoWorkingDayError(f"no working day found after {current}")
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                counted, idle_days = counted + 1, 0
            else:
                idle_days += 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in the half-open range (start, end]; 0 when end <= start."""
        count, current = 0, start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count

    # -- business hours -------------------------------------------------------------------
    def _periods_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        if not self.is_working_day(day):
            return []
        return [
            (dt.datetime.combine(day, start, self.tz), dt.datetime.combine(day, end, self.tz))
            for start, end in self.hours
        ]

    def end_of_business_day(self, day: dt.date) -> dt.datetime:
        """The closing moment of `day` (end of its last business period)."""
        closing = max(end for _, end in self.hours) if self.hours else dt.time(23, 59, 59)
        return dt.datetime.combine(day, closing, self.tz)

    def is_business_time(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(self.tz)
        return any(start <= local < end for start, end in self._periods_on(local.date()))

    def add_business_time(self, moment: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The moment when `duration` of business time has passed since `moment`.

        Time outside business hours and on non-working days does not count. A zero duration
        from outside business hours gives `moment` itself.
        """
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        if duration < dt.timedelta(0):
            raise ValueError("duration must be >= 0")
        remaining = duration
        local = moment.astimezone(self.tz)
        if remaining == dt.timedelta(0):
            return local
        day, idle_days = local.date(), 0
        # Give up only after ten years without any business time, however long the duration.
        while idle_days < _MAX_SEARCH_DAYS:
            idle_days += 1
            for start, end in self._periods_on(day):
                begin = max(start, local)
                if begin >= end:
                    continue
                idle_days = 0
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += dt.timedelta(days=1)
        raise NoWorkingDayError(f"no business hours found after {moment}")

    def business_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Business time elapsed from `start` to `end` (zero when end <= start)."""
        if end <= start:
            return dt.timedelta(0)
        total = dt.timedelta(0)
        start_local, end_local = start.astimezone(self.tz), end.astimezone(self.tz)
        day = start_local.date()
        while day <= end_local.date():
            for period_start, period_end in self._periods_on(day):
                overlap = min(period_end, end_local) - max(period_start, start_local)
                if overlap > dt.timedelta(0):
                    total += overlap
            day += dt.timedelta(days=1)
        return total
