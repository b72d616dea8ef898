import os
import socket

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .models import WorkerHeartbeat


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat():
    WorkerHeartbeat.objects.update_or_create(
        worker=f"{socket.gethostname()}:{os.getpid()}", defaults={"seen_at": timezone.now()}
    )
