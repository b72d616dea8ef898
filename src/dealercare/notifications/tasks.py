from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .services import message_deliver, messages_deliver_due


@db_task(retries=2, retry_delay=10)
def deliver_message(message_id: int):
    message_deliver(message_id=message_id)


@db_periodic_task(crontab(minute="*"))
def deliver_due_messages():
    messages_deliver_due()
