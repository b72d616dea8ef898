"""Request facts that services need but should not take as arguments (the caller's IP)."""

from contextvars import ContextVar

from django.conf import settings

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def ip_from_request(request) -> str | None:
    """The client's address. X-Forwarded-For is believed only behind a proxy we run
    (TRUST_X_FORWARDED_FOR), since any client can send the header."""
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw: the last entry is the one we can trust.
        candidate = forwarded.split(",")[-1].strip()
        if candidate:
            return candidate
    return request.META.get("REMOTE_ADDR") or None
