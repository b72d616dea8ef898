"""Staff sign-in and permissions: Django's ModelBackend, with two savings every request makes.

- The signed-in user is read together with their staff profile (one query, not two).
- A user's permissions (from their roles) are kept in the shared cache between requests when
  `PERMISSION_CACHE_SECONDS` > 0, which settings allow only with Redis: a cache private to one
  worker process could not be told when a role changes in another.

Any change to roles, role permissions, a user's roles or the user row itself moves the cache's
version on, so the next request reads permissions from the database again.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "permissions:version"


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


def permissions_cache_invalidate(**_signal_kwargs) -> None:
    """Moves the permission cache's version on now and again once the change is committed: a
    request that read the database before the commit may have cached what it read under the
    first new version."""
    _version_bump()
    transaction.on_commit(_version_bump)


class RoleBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        user = (
            user_model._default_manager.select_related("staff_profile").filter(pk=user_id).first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        seconds = settings.PERMISSION_CACHE_SECONDS
        if seconds <= 0 or obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            key = f"permissions:{_version()}:{user_obj.pk}"
            permissions = cache.get(key)
            if permissions is None:
                permissions = super().get_all_permissions(user_obj)
                cache.set(key, permissions, timeout=seconds)
            user_obj._perm_cache = permissions
        return user_obj._perm_cache


def connect_signals() -> None:
    user_model = get_user_model()
    for sender in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(permissions_cache_invalidate, sender=sender, weak=False)
    for sender in (user_model, Group):
        post_save.connect(permissions_cache_invalidate, sender=sender, weak=False)
        post_delete.connect(permissions_cache_invalidate, sender=sender, weak=False)
