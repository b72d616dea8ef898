"""The audit log, written by services in the same transaction as the change it records."""

from django.db import models

from .context import client_ip
from .models import AuditLog


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def audit_log_write(
    *, actor, action: str, obj: models.Model, changes: dict | None = None, store=None
) -> AuditLog:
    if store is None:
        store = getattr(obj, "store", None)
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        store=store,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes={key: [_plain(a) for a in pair] for key, pair in (changes or {}).items()},
        ip_address=client_ip.get(),
    )


def field_changes(instance: models.Model, data: dict) -> dict:
    """{field: [old, new]} for the fields in `data` whose value differs from the instance's."""
    return {
        name: [getattr(instance, name), value]
        for name, value in data.items()
        if getattr(instance, name) != value
    }
