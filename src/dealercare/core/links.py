"""Signed, expiring links for customers (progress page, add-on approval, survey...).

Built on Django's signing: the token carries the purpose (as the salt) and the object id, so a
token made for one purpose never opens another page.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing

from .errors import DomainError


class LinkInvalid(DomainError):
    status = 404
    code = "link_invalid"


class LinkExpired(DomainError):
    status = 410
    code = "link_expired"


def _salt(purpose: str) -> str:
    return f"dealercare.customer-link.{purpose}"


def customer_link_token(*, purpose: str, object_id: int) -> str:
    return signing.TimestampSigner(salt=_salt(purpose)).sign_object({"id": object_id})


def customer_link_read(*, purpose: str, token: str, max_age: timedelta | None = None) -> int:
    """The object id in a token; raises LinkExpired or LinkInvalid with a clear message."""
    if max_age is None:
        max_age = timedelta(days=settings.CUSTOMER_LINK_MAX_AGE_DAYS)
    signer = signing.TimestampSigner(salt=_salt(purpose))
    try:
        return int(signer.unsign_object(token, max_age=max_age)["id"])
    except signing.SignatureExpired as exc:
        raise LinkExpired(
            "链接已过期，请联系门店重新发送。",
            "This link has expired; ask the store for a new one.",
        ) from exc
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise LinkInvalid("链接无效。", "This link is not valid.") from exc


def customer_link_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path
