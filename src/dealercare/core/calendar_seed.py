"""Seed the statutory holidays and make-up working days from the `chinese-calendar` package
for every year it knows and the table lacks. Used by the data migration and after every
migrate/flush (post_migrate), so a fresh or flushed database always has them."""

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


def seed_statutory_days(statutory_day_model, calendar_year_model, using="default") -> list[int]:
    """Add the years the package knows and the table lacks; returns them. Model classes are
    passed in so that the migration can use its historical models."""
    import chinese_calendar

    known = set(calendar_year_model.objects.using(using).values_list("year", flat=True))
    days, years = [], set()
    for source, kind in (
        (chinese_calendar.holidays, "holiday"),
        (chinese_calendar.workdays, "workday"),
    ):
        for day, name in source.items():
            if day.year in known:
                continue
            years.add(day.year)
            days.append(
                statutory_day_model(date=day, kind=kind, name=HOLIDAY_NAMES_ZH.get(name, name))
            )
    statutory_day_model.objects.using(using).bulk_create(days)
    calendar_year_model.objects.using(using).bulk_create(
        calendar_year_model(year=year, source=f"chinese-calendar {chinese_calendar.__version__}")
        for year in sorted(years)
    )
    return sorted(years)


def seed_after_migrate(sender=None, using="default", apps=None, **kwargs):
    if apps is None:  # a flush (transactional tests) sends no app registry: use the live one
        from django.apps import apps
    try:
        statutory_day = apps.get_model("core", "StatutoryDay")
        calendar_year = apps.get_model("core", "CalendarYear")
    except LookupError:  # core not migrated yet
        return
    seed_statutory_days(statutory_day, calendar_year, using=using)
