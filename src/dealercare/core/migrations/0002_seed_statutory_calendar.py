"""Seed the statutory holidays and make-up working days for every year chinese-calendar knows.

Later years are imported by an admin (CalendarYear admin → 导入法定节假日).
"""

from django.db import migrations

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def seed(apps, schema_editor):
    import chinese_calendar

    StatutoryDay = apps.get_model("core", "StatutoryDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    known = set(CalendarYear.objects.values_list("year", flat=True))
    days, years = [], set()
    for source, kind in ((chinese_calendar.holidays, "holiday"), (chinese_calendar.workdays, "workday")):
        for day, name in source.items():
            if day.year in known:
                continue
            years.add(day.year)
            days.append(StatutoryDay(date=day, kind=kind, name=HOLIDAY_NAMES_ZH.get(name, name)))
    StatutoryDay.objects.bulk_create(days)
    CalendarYear.objects.bulk_create(
        CalendarYear(year=year, source=f"chinese-calendar {chinese_calendar.__version__}")
        for year in sorted(years)
    )


def unseed(apps, schema_editor):
    apps.get_model("core", "StatutoryDay").objects.all().delete()
    apps.get_model("core", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
