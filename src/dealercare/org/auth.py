"""API authentication: a session cookie (pages, with CSRF) or `Authorization: Bearer <token>`."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from .backends import auth_cache_forget, auth_cached, user_get
from .models import ApiToken

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class _TokenUse:
    token_id: int
    user_id: int
    expires_at: dt.datetime
    last_used_at: dt.datetime | None


def _token_use(key_hash: str) -> _TokenUse | None:
    found = (
        ApiToken.objects.filter(key_hash=key_hash)
        .values_list("pk", "user_id", "expires_at", "last_used_at")
        .first()
    )
    return _TokenUse(*found) if found else None


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        key_hash = ApiToken.hash(token)
        cache_key = f"auth:token:{key_hash}"
        use = auth_cached(cache_key, lambda: _token_use(key_hash))
        now = timezone.now()
        if use is None or use.expires_at <= now:
            return None
        user = user_get(use.user_id)
        if user is None or not user.is_active:
            return None
        request.user = user
        # "Last used" to the minute is enough, and spares a write on every request.
        if use.last_used_at is None or now - use.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=use.token_id).update(last_used_at=now)
            auth_cache_forget(cache_key)
        return user


class StaffSession(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user and user.is_active else None


staff_auth = [BearerToken(), StaffSession()]
