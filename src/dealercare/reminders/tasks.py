from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import reminders_schedule


@db_periodic_task(crontab(hour="0", minute="15"))
def schedule_reminders():
    """Daily at 08:15 Beijing time (00:15 UTC): forecasts, reminders, sending, attribution."""
    reminders_schedule()
