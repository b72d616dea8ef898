"""Store scoping in one place: every store-owned model's queryset has `visible_to(user)`.

Staff of a store see only their store's records; HQ quality staff and group admins see all.
Selectors start every read with `Model.objects.visible_to(actor)`, so another store's record is
simply not found (a 404), never a 403 that confirms it exists.
"""

from django.db import models


def visible_store_ids(user) -> frozenset[int] | None:
    """The store ids a user may see; None means every store (group HQ)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    profile = getattr(user, "staff_profile", None)
    if user.is_superuser or (profile is not None and profile.sees_all_stores):
        return None
    if profile is None or profile.store_id is None:
        return frozenset()
    return frozenset({profile.store_id})


class StoreScopedQuerySet(models.QuerySet):
    store_field = "store"

    def visible_to(self, user):
        store_ids = visible_store_ids(user)
        if store_ids is None:
            return self
        return self.filter(**{f"{self.store_field}__in": store_ids})

    def in_store(self, store_id: int | None):
        """Narrow to one store (an HQ user's current store); None keeps every visible store."""
        if store_id is None:
            return self
        return self.filter(**{f"{self.store_field}_id": store_id})
