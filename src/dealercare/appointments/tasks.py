from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import appointment_reminders_send


@db_periodic_task(crontab(minute="5"))
def send_appointment_reminders():
    """Hourly: tomorrow's confirmed bookings get their reminder (once each, whatever reruns)."""
    appointment_reminders_send()
