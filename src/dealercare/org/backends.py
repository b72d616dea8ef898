"""Who is asking, what they may do and which stores they may see: Django's ModelBackend, with
the reads every request makes kept in the shared cache.

- The signed-in user is read together with their staff profile and roles.
- When `AUTH_CACHE_SECONDS` > 0 (settings allow it only with Redis: a cache private to one worker
  process could not be told of a change made in another), the user, their permissions, the
  bearer tokens they use and the stores they may see (org.selectors.stores_visible) are kept in
  the cache between requests.

Every entry is stored with the cache's auth version; any change to a user, a staff profile, a
role, a role's permissions, a user's roles, an API token, a store or a dealer group moves the
version on, so the next request reads from the database again.
"""

import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "auth:version"
logger = logging.getLogger(__name__)


def _version_start() -> None:
    # A random start, not 1: a version key lost (evicted, deleted) must not bring entries kept
    # under an earlier run of versions back to life.
    cache.add(VERSION_KEY, secrets.randbits(62), timeout=None)


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        _version_start()
        version = cache.get(VERSION_KEY)
    return version


def _version_bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        _version_start()


def auth_cache_invalidate(**_signal_kwargs) -> None:
    """Moves the auth version on now and again once the change is committed: a request that
    read the database before the commit may have cached what it read under the first new
    version."""
    _version_bump()
    transaction.on_commit(_version_bump)


def _user_saved(*, created: bool, update_fields=None, **kwargs) -> None:
    # Signing in writes only last_login, which nothing cached depends on: a login wave must not
    # empty everyone's cache.
    if not created and update_fields is not None and set(update_fields) == {"last_login"}:
        return
    auth_cache_invalidate()


def _token_saved(*, created: bool, **kwargs) -> None:
    # A new token has no cached entry yet (unknown tokens are never cached).
    if not created:
        auth_cache_invalidate()


def auth_cached(key: str, load):
    """`load()`, or what it returned for `key` under the current auth version (one round trip to
    the cache). `None` is never kept: an unknown token stays a database question.

    The cache only spares reads: when Redis cannot be reached the database answers (a change
    made meanwhile still fails loudly in auth_cache_invalidate, so nothing stale survives)."""
    seconds = settings.AUTH_CACHE_SECONDS
    if seconds <= 0:
        return load()
    try:
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY) or _version()
    except Exception:  # any cache failure: read from the database
        logger.warning("auth cache unavailable, reading %s from the database", key, exc_info=True)
        return load()
    cached_version, value = found.get(key, (None, None))
    if cached_version != version or value is None:
        value = load()
        if value is not None:
            try:
                cache.set(key, (version, value), timeout=seconds)
            except Exception:
                logger.warning("auth cache unavailable, %s not kept", key, exc_info=True)
    return value


def auth_cache_forget(key: str) -> None:
    """Drops one entry (rewriting it could keep a token revoked meanwhile). Only when the cache
    is in use: it may be down, and then the entry is read from the database anyway."""
    if settings.AUTH_CACHE_SECONDS > 0:
        try:
            cache.delete(key)
        except Exception:
            logger.warning("auth cache unavailable, %s not dropped", key, exc_info=True)


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
            # ModelBackend reads is_superuser from this (possibly older) copy of the user, the
            # rest from the database: a copy from before a demotion must not store "all
            # permissions" for the demoted user.
            user_obj._perm_cache = auth_cached(
                f"auth:permissions:{user_obj.pk}:{int(user_obj.is_superuser)}",
                lambda: ModelBackend.get_all_permissions(self, user_obj),
            )
        return user_obj._perm_cache


def connect_signals() -> None:
    from .models import ApiToken, DealerGroup, StaffProfile, Store

    user_model = get_user_model()
    for sender in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(auth_cache_invalidate, sender=sender, weak=False)
    post_save.connect(_user_saved, sender=user_model, weak=False)
    post_save.connect(_token_saved, sender=ApiToken, weak=False)
    for sender in (Group, StaffProfile, Store, DealerGroup):
        post_save.connect(auth_cache_invalidate, sender=sender, weak=False)
    for sender in (user_model, Group, StaffProfile, ApiToken, Store, DealerGroup):
        post_delete.connect(auth_cache_invalidate, sender=sender, weak=False)
