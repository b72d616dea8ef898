"""Importing a year's statutory holidays (国务院办公厅放假通知): parsing, replacing, admin, command.

The 2027 notice used here is made up for the tests (National Day 1–7 October, make-up working
days on Sunday 26 September and Saturday 9 October).
"""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from dealercare.core.errors import ValidationFailed
from dealercare.core.models import AuditLog, CalendarYear, StatutoryDay
from dealercare.org.calendar import store_calendar
from dealercare.org.models import StoreCalendarOverride
from dealercare.org.services import (
    StatutoryDayRow,
    statutory_rows_parse,
    statutory_year_replace,
)

NOTICE_2027 = """date,kind,name
2027-01-01,休,元旦
2027-01-02,休,元旦
2027-01-03,休,元旦

2027-09-26,班,国庆节
2027-10-01,休,国庆节
2027-10-02,休,国庆节
2027-10-03,holiday,国庆节
2027-10-04,Holiday,国庆节
2027-10-05,假,国庆节
2027-10-06,休,国庆节
2027-10-07,休
2027-10-09,workday,国庆节
"""
HOLIDAYS_2027, WORKDAYS_2027 = 10, 2

# (text, number of the bad line as the user sees it)
BAD_FILES = {
    "bad date": ("date,kind\n2027-10-01,休\n2027-13-01,休\n", 3),
    "slashed date": ("2027-10-01,休\n2027/10/02,休\n", 2),
    "bad kind": ("2027-10-01,休\n2027-10-02,休\n2027-10-03,放假\n", 3),
    "no kind": ("2027-10-01,休\n2027-10-02\n", 2),
    "wrong year": ("2027-10-01,休\n2026-10-02,休\n", 2),
    "duplicate date": ("2027-10-01,休\n2027-10-02,休\n2027-10-01,班\n", 3),
    "name too long": ("2027-10-01,休," + "国" * 51 + "\n", 1),
    "after blank lines": ("\n\ndate,kind\n2027-10-01,休\n\n2027-10-0x,休\n", 6),
}


def import_text(text: str, *, year: int = 2027, actor=None):
    rows = statutory_rows_parse(text, year=year)
    return statutory_year_replace(year=year, rows=rows, source="测试", actor=actor)


def days_of(year: int) -> dict[dt.date, tuple[str, str]]:
    return {day.date: (day.kind, day.name) for day in StatutoryDay.objects.filter(date__year=year)}


def assert_2027_untouched():
    assert not StatutoryDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()


# -- parsing ------------------------------------------------------------------------------------
def test_a_good_file_is_parsed_with_its_kinds_and_names():
    rows = statutory_rows_parse(NOTICE_2027, year=2027)

    assert len(rows) == HOLIDAYS_2027 + WORKDAYS_2027
    by_date = {row.date: row for row in rows}
    assert by_date[dt.date(2027, 1, 1)] == StatutoryDayRow(dt.date(2027, 1, 1), "holiday", "元旦")
    assert by_date[dt.date(2027, 9, 26)] == StatutoryDayRow(
        dt.date(2027, 9, 26), "workday", "国庆节"
    )
    assert by_date[dt.date(2027, 10, 4)].kind == "holiday"  # "Holiday": any case
    assert by_date[dt.date(2027, 10, 5)].kind == "holiday"  # 假
    assert by_date[dt.date(2027, 10, 7)].name == ""  # the name is optional
    assert by_date[dt.date(2027, 10, 9)].kind == "workday"


def test_a_chinese_header_spaces_crlf_and_a_byte_order_mark_are_accepted():
    text = "\ufeff日期,类型,名称\r\n 2027-10-01 , 休 , 国庆节 \r\n2027-10-09,班,国庆节\r\n"
    rows = statutory_rows_parse(text, year=2027)
    assert rows == [
        StatutoryDayRow(dt.date(2027, 10, 1), "holiday", "国庆节"),
        StatutoryDayRow(dt.date(2027, 10, 9), "workday", "国庆节"),
    ]


@pytest.mark.parametrize(("text", "line"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_line_is_refused_by_its_number_and_nothing_is_saved(db, text, line):
    with pytest.raises(ValidationFailed) as refused:
        import_text(text)

    assert f"第 {line} 行" in refused.value.message_zh
    assert f"Line {line}:" in refused.value.message_en
    assert_2027_untouched()


def test_an_empty_file_is_refused(db):
    with pytest.raises(ValidationFailed):
        import_text("date,kind,name\n\n")
    assert_2027_untouched()


# -- replacing a year ---------------------------------------------------------------------------
def test_importing_2027_turns_it_from_estimated_to_known(store_a):
    before = store_calendar(store_a)
    assert before.is_estimated(dt.date(2027, 10, 4))
    assert before.is_working_day(dt.date(2027, 10, 4))  # a Monday, by the Monday–Friday rule
    assert not before.is_working_day(dt.date(2027, 9, 26))  # a Sunday

    import_text(NOTICE_2027)

    after = store_calendar(store_a)
    assert not after.is_estimated(dt.date(2027, 10, 4))
    assert not after.is_working_day(dt.date(2027, 10, 4))
    assert after.is_working_day(dt.date(2027, 9, 26))
    assert after.next_working_day(dt.date(2027, 9, 30)) == dt.date(2027, 10, 8)
    assert after.add_working_days(dt.date(2027, 9, 30), 2) == dt.date(2027, 10, 9)
    assert not after.is_estimated_between(dt.date(2026, 12, 1), dt.date(2027, 12, 31))
    assert len(days_of(2027)) == HOLIDAYS_2027 + WORKDAYS_2027


def test_a_store_override_still_wins_over_an_imported_year(store_a):
    import_text(NOTICE_2027)
    StoreCalendarOverride.objects.create(
        store=store_a, date=dt.date(2027, 10, 4), is_working_day=True
    )
    assert store_calendar(store_a).next_working_day(dt.date(2027, 9, 30)) == dt.date(2027, 10, 4)


def test_reimporting_a_year_replaces_it(store_a):
    import_text(NOTICE_2027)
    statutory_year_replace(
        year=2027,
        rows=statutory_rows_parse("2027-10-01,休,国庆节\n2027-10-02,休,国庆节\n", year=2027),
        source="更正后的通知",
    )

    assert days_of(2027) == {
        dt.date(2027, 10, 1): ("holiday", "国庆节"),
        dt.date(2027, 10, 2): ("holiday", "国庆节"),
    }
    assert list(CalendarYear.objects.filter(year=2027).values_list("source", flat=True)) == [
        "更正后的通知"
    ]
    calendar = store_calendar(store_a)
    assert not calendar.is_estimated(dt.date(2027, 10, 4))
    assert calendar.is_working_day(dt.date(2027, 10, 4))
    assert not calendar.is_working_day(dt.date(2027, 9, 26))


def test_reimporting_a_seeded_year_leaves_the_other_years_alone(db):
    seeded_2025, seeded_2026 = days_of(2025), days_of(2026)
    assert dt.date(2026, 10, 1) in seeded_2026

    import_text("2026-10-01,休,国庆节\n", year=2026)

    assert days_of(2026) == {dt.date(2026, 10, 1): ("holiday", "国庆节")}
    assert days_of(2025) == seeded_2025


@pytest.mark.parametrize(
    "rows",
    [
        [
            StatutoryDayRow(dt.date(2026, 10, 1), "holiday"),
            StatutoryDayRow(dt.date(2025, 10, 1), "holiday"),
        ],
        [
            StatutoryDayRow(dt.date(2026, 10, 1), "holiday"),
            StatutoryDayRow(dt.date(2026, 10, 1), "workday"),
        ],
        [StatutoryDayRow(dt.date(2026, 10, 1), "day off")],
    ],
    ids=["another year", "duplicate date", "unknown kind"],
)
def test_replacing_with_bad_rows_is_refused_and_keeps_the_year(db, rows):
    seeded = days_of(2026)
    with pytest.raises(ValidationFailed) as refused:
        statutory_year_replace(year=2026, rows=rows, source="测试")
    assert "Row " in refused.value.message_en
    assert days_of(2026) == seeded


def test_an_import_by_a_person_is_audited(hq_user):
    calendar_year = import_text(NOTICE_2027, actor=hq_user)
    entry = AuditLog.objects.get(action=AuditLog.Action.IMPORT)
    assert entry.actor == hq_user
    assert entry.object_id == str(calendar_year.pk)


# -- the admin page -----------------------------------------------------------------------------
@pytest.fixture
def admin_client_(db, client):
    superuser = User.objects.create_superuser("root", "root@example.com", "pass-1234")
    client.force_login(superuser)
    return client


IMPORT_URL = "admin:core_calendaryear_import"


def test_the_import_page_needs_a_staff_login(client, db):
    response = client.get(reverse(IMPORT_URL))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_the_admin_imports_pasted_text(admin_client_):
    page = admin_client_.get(reverse(IMPORT_URL))
    assert page.status_code == 200
    assert 'name="year"' in page.text and 'name="text"' in page.text and 'name="file"' in page.text

    response = admin_client_.post(reverse(IMPORT_URL), {"year": "2027", "text": NOTICE_2027})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:core_calendaryear_changelist")
    assert len(days_of(2027)) == HOLIDAYS_2027 + WORKDAYS_2027
    assert CalendarYear.objects.filter(year=2027).exists()


def test_the_admin_imports_an_uploaded_file(admin_client_):
    upload = SimpleUploadedFile(
        "2027.csv", NOTICE_2027.encode("utf-8-sig"), content_type="text/csv"
    )
    response = admin_client_.post(reverse(IMPORT_URL), {"year": "2027", "file": upload})
    assert response.status_code == 302
    assert len(days_of(2027)) == HOLIDAYS_2027 + WORKDAYS_2027


def test_a_bad_line_is_shown_on_the_admin_page_and_nothing_is_saved(admin_client_):
    text, line = BAD_FILES["bad kind"]
    response = admin_client_.post(reverse(IMPORT_URL), {"year": "2027", "text": text})

    assert response.status_code == 200
    assert f"第 {line} 行" in response.text or f"Line {line}:" in response.text
    assert "放假" in response.text  # the offending word is quoted back
    assert_2027_untouched()


def test_the_admin_refuses_a_file_that_is_not_utf8(admin_client_):
    upload = SimpleUploadedFile("2027.csv", "2027-10-01,休,国庆节\n".encode("gbk"))
    response = admin_client_.post(reverse(IMPORT_URL), {"year": "2027", "file": upload})
    assert response.status_code == 200
    assert "UTF-8" in response.text
    assert_2027_untouched()


def test_the_year_list_warns_about_next_year_until_it_is_imported(admin_client_):
    changelist = reverse("admin:core_calendaryear_changelist")
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Shanghai"))):
        assert "2027 年的法定节假日尚未导入" in admin_client_.get(changelist).text
        admin_client_.post(reverse(IMPORT_URL), {"year": "2027", "text": NOTICE_2027})
        page = admin_client_.get(changelist)
    assert page.status_code == 200
    assert "尚未导入" not in page.text


# -- the management command ---------------------------------------------------------------------
def run_import(*args: str) -> str:
    out = StringIO()
    call_command("calendar_import", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_a_file(store_a, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(NOTICE_2027, encoding="utf-8-sig")

    output = run_import("--year", "2027", str(path))

    assert f"{HOLIDAYS_2027} holidays" in output
    assert f"{WORKDAYS_2027} make-up working days" in output
    assert len(days_of(2027)) == HOLIDAYS_2027 + WORKDAYS_2027
    assert not store_calendar(store_a).is_estimated(dt.date(2027, 10, 4))


def test_the_command_replaces_a_year(db, tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(NOTICE_2027, encoding="utf-8")
    second.write_text("2027-10-01,休,国庆节\n", encoding="utf-8")

    run_import("--year", "2027", str(first))
    run_import("--year", "2027", str(second), "--source", "更正")

    assert days_of(2027) == {dt.date(2027, 10, 1): ("holiday", "国庆节")}
    assert CalendarYear.objects.get(year=2027).source == "更正"


def test_the_command_reports_a_bad_line_and_saves_nothing(db, tmp_path):
    text, line = BAD_FILES["duplicate date"]
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        run_import("--year", "2027", str(path))

    message = str(refused.value)
    assert f"第 {line} 行" in message and f"Line {line}:" in message
    assert "bad.csv" in message
    assert refused.value.returncode != 0  # `manage.py` exits with this status
    assert_2027_untouched()


def test_a_bad_file_leaves_an_imported_year_as_it_was(db, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(NOTICE_2027, encoding="utf-8")
    bad.write_text(BAD_FILES["bad date"][0], encoding="utf-8")
    run_import("--year", "2027", str(good))
    imported = days_of(2027)

    with pytest.raises(CommandError):
        run_import("--year", "2027", str(bad))
    assert days_of(2027) == imported


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "no such file"), ("2027-10-01,休\n".encode("gbk"), "UTF-8")],
    ids=["missing", "not utf-8"],
)
def test_the_command_refuses_a_file_it_cannot_read(db, tmp_path, content, expected):
    path = tmp_path / "notice.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=expected):
        run_import("--year", "2027", str(path))
    assert_2027_untouched()


def test_the_command_needs_a_year(db, tmp_path):
    path = tmp_path / "notice.csv"
    path.write_text(NOTICE_2027, encoding="utf-8")
    with pytest.raises(CommandError):
        run_import(str(path))
    with pytest.raises(CommandError):
        run_import("--year", "27", str(path))
    assert_2027_untouched()
