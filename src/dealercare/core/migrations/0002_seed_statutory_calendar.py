"""Seed the statutory holidays and make-up working days for every year chinese-calendar knows.

Later years are imported by an admin (CalendarYear admin → 导入法定节假日).
"""

from django.db import migrations


def seed(apps, schema_editor):
    from dealercare.core.calendar_seed import seed_statutory_days

    seed_statutory_days(apps.get_model("core", "StatutoryDay"), apps.get_model("core", "CalendarYear"))


def unseed(apps, schema_editor):
    apps.get_model("core", "StatutoryDay").objects.all().delete()
    apps.get_model("core", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
