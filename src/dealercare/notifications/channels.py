"""Delivery channels. Each takes a message and either returns or raises on failure."""

from django.conf import settings
from django.core.mail import EmailMessage


class DeliveryError(Exception):
    pass


def deliver_outbox(message) -> None:
    """The embedded default: delivers nowhere; the message stays visible in 消息中心."""


def deliver_smtp(message) -> None:
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": f"<{message.idempotency_key}@dealercare>"},
    )
    try:
        email.send(fail_silently=False)
    except OSError as exc:
        raise DeliveryError(str(exc)) from exc


CHANNELS = {"outbox": deliver_outbox, "smtp": deliver_smtp}
