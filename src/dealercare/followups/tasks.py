from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dealercare.org.models import Store

from .services import follow_ups_schedule, home_visits_schedule


@db_periodic_task(crontab(minute="10"))
def schedule_follow_ups():
    """Hourly: deliveries whose follow-up is missing get it (idempotent)."""
    follow_ups_schedule()


@db_periodic_task(crontab(day="1", hour="0", minute="30"))
def schedule_home_visits():
    """On the 1st of the month (08:30 Beijing time): each store's home-visit list."""
    month = timezone.localdate().replace(day=1)
    for store in Store.objects.filter(is_active=True):
        home_visits_schedule(store=store, month=month)
