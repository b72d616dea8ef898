from django.db.models import QuerySet

from .models import Message


def message_list(*, actor, store_id: int | None = None, status: str = "") -> QuerySet[Message]:
    messages = (
        Message.objects.visible_to(actor).in_store(store_id).select_related("store", "customer")
    )
    if status:
        messages = messages.filter(status=status)
    return messages
