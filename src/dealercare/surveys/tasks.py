from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import invitations_send_due


@db_periodic_task(crontab(minute="*/15"))
def send_survey_invitations():
    """Every 15 minutes: survey invitations whose time has come are sent, once each."""
    invitations_send_due()
