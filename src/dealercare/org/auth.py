"""API authentication: a session cookie (pages, with CSRF) or `Authorization: Bearer <token>`."""

import datetime as dt

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from .models import ApiToken

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        found = (
            ApiToken.objects.select_related("user__staff_profile")
            .filter(key_hash=ApiToken.hash(token), expires_at__gt=timezone.now())
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        request.user = found.user
        now = timezone.now()
        # "Last used" to the minute is enough, and spares a write on every request.
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return found.user


class StaffSession(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user and user.is_active else None


staff_auth = [BearerToken(), StaffSession()]
