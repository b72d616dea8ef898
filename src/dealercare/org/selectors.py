"""Reads for the organisation, always limited to what the asking user may see."""

from django.db.models import QuerySet

from dealercare.core.errors import NotFound
from dealercare.core.scoping import visible_store_ids

from .backends import auth_cached
from .models import StaffProfile, Store

CURRENT_STORE_SESSION_KEY = "current_store_id"


def store_list(*, actor) -> QuerySet[Store]:
    store_ids = visible_store_ids(actor)
    stores = Store.objects.filter(is_active=True).select_related("group").order_by("code")
    return stores if store_ids is None else stores.filter(id__in=store_ids)


def stores_visible(*, actor) -> list[Store]:
    """`store_list` as read on every staff page (the store switcher, the current store's name)
    and by `store_get`: kept in the auth cache, which any change to a store or group empties."""
    store_ids = visible_store_ids(actor)
    key = "all" if store_ids is None else ",".join(map(str, sorted(store_ids)))
    return auth_cached(f"auth:stores:{key}", lambda: list(store_list(actor=actor)))


def store_get(*, actor, store_id: int) -> Store:
    store = next((s for s in stores_visible(actor=actor) if s.pk == store_id), None)
    if store is None:
        raise NotFound("门店不存在。", "Store not found.", field="store_id")
    return store


def staff_profile_of(user) -> StaffProfile | None:
    return getattr(user, "staff_profile", None) if user.is_authenticated else None


def current_store_id(request) -> int | None:
    """The store a page works in: a store user's own; for HQ the one chosen in the switcher
    (None = all stores)."""
    store_ids = visible_store_ids(request.user)
    if store_ids is not None:
        return next(iter(store_ids), None)
    chosen = request.session.get(CURRENT_STORE_SESSION_KEY)
    return int(chosen) if chosen else None


def user_roles(user) -> frozenset[str]:
    profile = staff_profile_of(user)
    if profile is None:
        return frozenset({"admin"}) if user.is_superuser else frozenset()
    return profile.role_codes
