"""Human numbers, unique per store: `RO` + date + sequence (RO202611240001), `TS...`."""

from django.db import transaction
from django.db.models import F

from .models import NumberSequence


@transaction.atomic
def next_in_sequence(key: str) -> int:
    sequence, _ = NumberSequence.objects.get_or_create(key=key)
    NumberSequence.objects.filter(pk=sequence.pk).update(value=F("value") + 1)
    return NumberSequence.objects.values_list("value", flat=True).get(pk=sequence.pk)


def human_number(*, prefix: str, store_code: str, day) -> str:
    """`RO202611240001`: prefix, the store-local date and a 4-digit daily sequence per store."""
    value = next_in_sequence(f"{prefix}:{store_code}:{day:%Y%m%d}")
    return f"{prefix}{day:%Y%m%d}{value:04d}"
