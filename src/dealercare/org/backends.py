"""Who is asking, and what they may do: Django's ModelBackend, with the reads every request makes
kept in the shared cache.

- The signed-in user is read together with their staff profile and roles.
- When `AUTH_CACHE_SECONDS` > 0 (settings allow it only with Redis: a cache private to one worker
  process could not be told of a change made in another), the user, their permissions and
  the bearer tokens they use are kept in the cache between requests.

Every entry is stored with the cache's auth version; any change to a user, a staff profile, a
role, a role's permissions, a user's roles or an API token moves the version on, so the next
request reads from the database again.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "auth:version"


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def _version_bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet: nothing is cached under one either
        cache.add(VERSION_KEY, 1, timeout=None)


def auth_cache_invalidate(**_signal_kwargs) -> None:
    """Moves the auth version on now and again once the change is committed: a request that
    read the database before the commit may have cached what it read under the first new
    version."""
    _version_bump()
    transaction.on_commit(_version_bump)


def auth_cached(key: str, load):
    """`load()`, or what it returned for `key` under the current auth version (one round trip to
    the cache). `None` is never kept: an unknown token stays a database question."""
    seconds = settings.AUTH_CACHE_SECONDS
    if seconds <= 0:
        return load()
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY) or _version()
    cached_version, value = found.get(key, (None, None))
    if cached_version != version or value is None:
        value = load()
        if value is not None:
            cache.set(key, (version, value), timeout=seconds)
    return value


def auth_cache_forget(key: str) -> None:
    """Drops one entry (rewriting it could keep a token revoked meanwhile)."""
    cache.delete(key)


def _user_with_profile(user_id):
    user = (
        get_user_model()._default_manager.select_related("staff_profile").filter(pk=user_id).first()
    )
    profile = getattr(user, "staff_profile", None)
    if profile is not None and settings.AUTH_CACHE_SECONDS > 0:
        profile.role_codes  # noqa: B018 - read now, so that it is kept with the user
    return user


def user_get(user_id):
    """The user with their staff profile and roles, as every request needs them."""
    return auth_cached(f"auth:user:{user_id}", lambda: _user_with_profile(user_id))


class RoleBackend(ModelBackend):
    def get_user(self, user_id):
        user = user_get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if settings.AUTH_CACHE_SECONDS <= 0 or obj is not None:
            return super().get_all_permissions(user_obj, obj)
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = auth_cached(
                f"auth:permissions:{user_obj.pk}",
                lambda: ModelBackend.get_all_permissions(self, user_obj),
            )
        return user_obj._perm_cache


def connect_signals() -> None:
    from .models import ApiToken, StaffProfile

    user_model = get_user_model()
    for sender in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(auth_cache_invalidate, sender=sender, weak=False)
    for sender in (user_model, Group, StaffProfile, ApiToken):
        post_save.connect(auth_cache_invalidate, sender=sender, weak=False)
        post_delete.connect(auth_cache_invalidate, sender=sender, weak=False)
