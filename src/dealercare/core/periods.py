"""Local days as time ranges.

Filtering a timestamp column with `__date=day` converts every row to the local date, so no
index serves it; `column__gte=start, column__lt=end` over the same local day does the same
selection with the index.
"""

import datetime as dt

from django.utils import timezone


def local_days(first: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first 00:00, end 00:00) in the current time zone (Asia/Shanghai)."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time.min, zone),
        dt.datetime.combine(end, dt.time.min, zone),
    )


def local_day(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return local_days(day, day + dt.timedelta(days=1))
