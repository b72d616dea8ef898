"""The outbox: `message_send` writes a row in the caller's transaction; delivery happens after.

A message is rendered from `notifications/messages/<template>.<language>.txt`: the first line is
the subject, the rest the body. The idempotency key makes a repeated send (a job run twice) a
no-op, and goes to providers so that a retried delivery is not sent twice.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from dealercare.core.errors import ValidationFailed

from .channels import CHANNELS
from .models import Message

CLAIM_SECONDS = 300


def message_render(*, template: str, language: str, context: dict) -> tuple[str, str]:
    language = language if language in {"zh-hans", "en"} else "zh-hans"
    with translation.override(language):
        text = render_to_string(f"notifications/messages/{template}.{language}.txt", context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip()


def message_send(
    *,
    store,
    channel: str,
    recipient: str,
    template: str,
    context: dict,
    idempotency_key: str,
    customer=None,
    language: str = "zh-hans",
) -> Message:
    """Queue a message (idempotent on the key). Call it inside the business transaction."""
    if channel not in CHANNELS:
        raise ValidationFailed("未知的消息渠道。", "Unknown message channel.", field="channel")
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    subject, body = message_render(template=template, language=language, context=context)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                store=store,
                customer=customer,
                channel=channel,
                recipient=recipient,
                template=template,
                language=language,
                subject=subject,
                body=body,
                idempotency_key=idempotency_key,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return Message.objects.get(idempotency_key=idempotency_key)

    from .tasks import deliver_message

    transaction.on_commit(lambda: deliver_message(message.pk))
    return message


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(2 ** (attempts - 1), 60))


def message_deliver(*, message_id: int) -> Message | None:
    """Deliver one message if it is due and nobody else holds it; safe to call twice."""
    now = timezone.now()
    claimable = Q(status=Message.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Message.Status.SENDING, claimed_until__lt=now
    )
    claimed = Message.objects.filter(claimable, pk=message_id).update(
        status=Message.Status.SENDING,
        attempts=F("attempts") + 1,
        claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
    )
    if not claimed:
        return None
    message = Message.objects.get(pk=message_id)
    try:
        CHANNELS[message.channel](message)
    except Exception as exc:  # any provider failure is retried, then recorded
        failed = message.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        message.status = Message.Status.FAILED if failed else Message.Status.PENDING
        message.next_attempt_at = timezone.now() + _retry_delay(message.attempts)
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.claimed_until = None
        message.save(
            update_fields=["status", "next_attempt_at", "last_error", "claimed_until", "updated_at"]
        )
        return message
    message.status = Message.Status.SENT
    message.sent_at = timezone.now()
    message.claimed_until = None
    message.save(update_fields=["status", "sent_at", "claimed_until", "updated_at"])
    return message


def messages_deliver_due(limit: int = 500) -> int:
    """The sweeper: deliver whatever is due, including messages whose task was lost."""
    now = timezone.now()
    due = (
        Message.objects.filter(
            Q(status=Message.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Message.Status.SENDING, claimed_until__lt=now)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for message_id in list(due) if message_deliver(message_id=message_id))


def messages_queue(items: list[dict]) -> int:
    """Queue many messages at once (a daily reminder run): one bulk insert, idempotent on the
    keys; the delivery sweeper sends them within a minute. Each item has the keyword arguments
    of `message_send`. Returns how many were new."""
    rows = []
    now = timezone.now()
    for item in items:
        subject, body = message_render(
            template=item["template"],
            language=item.get("language", "zh-hans"),
            context=item["context"],
        )
        rows.append(
            Message(
                store=item["store"],
                customer=item.get("customer"),
                channel=item["channel"],
                recipient=item["recipient"],
                template=item["template"],
                language=item.get("language", "zh-hans"),
                subject=subject,
                body=body,
                idempotency_key=item["idempotency_key"],
                next_attempt_at=now,
            )
        )
    keys = [row.idempotency_key for row in rows]
    before = Message.objects.filter(idempotency_key__in=keys).count()
    Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    created = Message.objects.filter(idempotency_key__in=keys).count() - before
    if created:
        from .tasks import deliver_due_messages

        transaction.on_commit(lambda: deliver_due_messages())
    return created
