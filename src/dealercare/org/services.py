"""Writes for the organisation: statutory calendar years, API tokens, the store switch."""

import csv
import datetime as dt
import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dealercare.core.audit import audit_log_write
from dealercare.core.errors import ValidationFailed
from dealercare.core.models import AuditLog, CalendarYear, StatutoryDay

from .models import ApiToken

_KIND_WORDS = {
    "holiday": StatutoryDay.Kind.HOLIDAY,
    "休": StatutoryDay.Kind.HOLIDAY,
    "假": StatutoryDay.Kind.HOLIDAY,
    "workday": StatutoryDay.Kind.WORKDAY,
    "班": StatutoryDay.Kind.WORKDAY,
    "上班": StatutoryDay.Kind.WORKDAY,
}
_NAME_MAX_LENGTH = StatutoryDay._meta.get_field("name").max_length


@dataclass(frozen=True)
class StatutoryDayRow:
    date: dt.date
    kind: str
    name: str = ""


@transaction.atomic
def statutory_year_replace(*, year: int, rows: list[StatutoryDayRow], source: str, actor=None):
    """Replace one year's holidays and make-up working days (the State Council notice)."""
    seen = set()
    for number, row in enumerate(rows, start=1):
        if row.date.year != year:
            raise ValidationFailed(
                f"第 {number} 行：日期 {row.date} 不属于 {year} 年。",
                f"Row {number}: date {row.date} is not in {year}.",
                field="date",
            )
        if row.kind not in StatutoryDay.Kind.values:
            raise ValidationFailed(
                f"第 {number} 行：类型“{row.kind}”应为 holiday 或 workday。",
                f"Row {number}: kind '{row.kind}' must be holiday or workday.",
                field="kind",
            )
        if row.date in seen:
            raise ValidationFailed(
                f"第 {number} 行：日期 {row.date} 重复。",
                f"Row {number}: date {row.date} repeats.",
                field="date",
            )
        seen.add(row.date)
    StatutoryDay.objects.filter(date__year=year).delete()
    StatutoryDay.objects.bulk_create(
        StatutoryDay(date=row.date, kind=row.kind, name=row.name) for row in rows
    )
    calendar_year, _ = CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
    if actor is not None:
        audit_log_write(
            actor=actor,
            action=AuditLog.Action.IMPORT,
            obj=calendar_year,
            changes={"days": [None, len(rows)]},
        )
    return calendar_year


def statutory_rows_parse(text: str, *, year: int) -> list[StatutoryDayRow]:
    """Rows `date,kind[,name]` (kind: holiday/休 or workday/班), one per line; a header is fine.

    A bad line is refused with its line number; nothing is saved.
    """
    rows, seen, first = [], set(), True
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    for record in reader:
        # The number of the line as the user sees it, blank lines included.
        number = reader.line_num
        if not record or not "".join(record).strip():
            continue
        cells = [cell.strip() for cell in record]
        is_header, first = first and cells[0].lower() in {"date", "日期"}, False
        if is_header:
            continue
        if len(cells) < 2:
            raise ValidationFailed(
                f"第 {number} 行：需要“日期,类型[,名称]”。",
                f"Line {number}: expected 'date,kind[,name]'.",
                field="file",
            )
        try:
            day = dt.date.fromisoformat(cells[0])
        except ValueError as exc:
            raise ValidationFailed(
                f"第 {number} 行：日期“{cells[0]}”格式错误，应为 YYYY-MM-DD。",
                f"Line {number}: date '{cells[0]}' is not YYYY-MM-DD.",
                field="file",
            ) from exc
        kind = _KIND_WORDS.get(cells[1].lower())
        if kind is None:
            raise ValidationFailed(
                f"第 {number} 行：类型“{cells[1]}”应为 holiday/休 或 workday/班。",
                f"Line {number}: kind '{cells[1]}' must be holiday/休 or workday/班.",
                field="file",
            )
        if day.year != year:
            raise ValidationFailed(
                f"第 {number} 行：日期 {day} 不属于 {year} 年。",
                f"Line {number}: date {day} is not in {year}.",
                field="file",
            )
        if day in seen:
            raise ValidationFailed(
                f"第 {number} 行：日期 {day} 重复。",
                f"Line {number}: date {day} repeats.",
                field="file",
            )
        name = cells[2] if len(cells) > 2 else ""
        if len(name) > _NAME_MAX_LENGTH:
            raise ValidationFailed(
                f"第 {number} 行：名称超过 {_NAME_MAX_LENGTH} 个字。",
                f"Line {number}: the name is longer than {_NAME_MAX_LENGTH} characters.",
                field="file",
            )
        seen.add(day)
        rows.append(StatutoryDayRow(day, kind, name))
    if not rows:
        raise ValidationFailed("文件中没有日期。", "The file holds no dates.", field="file")
    return rows


def api_token_create(*, user) -> tuple[ApiToken, str]:
    """A new bearer token; the key is returned once and only its hash is kept."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=ApiToken.hash(key),
        expires_at=timezone.now() + dt.timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS),
    )
    return token, key
