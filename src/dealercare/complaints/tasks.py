from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import escalations_scan


@db_periodic_task(crontab(minute="*"))
def scan_escalations():
    """Every minute: complaints at 80% of a target or past it notify the next level, once."""
    escalations_scan()
