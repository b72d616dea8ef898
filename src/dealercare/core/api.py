"""Shared API building blocks: the error shape, pagination and the exception handlers."""

from typing import Annotated, Generic, TypeVar

from django.http import Http404
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import AfterValidator

from .errors import DomainError, PermissionDenied

MAX_INT = 2**63 - 1
T = TypeVar("T")


class ErrorOut(Schema):
    code: str = Field(..., examples=["invalid_vin"])
    message: str = Field(..., examples=["车架号（VIN）必须是 17 位。"])
    field: str | None = Field(None, examples=["vin"])


def errors(*statuses: int) -> dict:
    """The error part of an operation's `response=`: every status it may answer, declared."""
    return dict.fromkeys(statuses or (401, 403, 404, 409, 422), ErrorOut)


class Page(Schema, Generic[T]):
    count: int
    items: list[T]


def _no_control_characters(value: str) -> str:
    if any(ord(char) < 32 and char not in "\t\n\r" for char in value):
        raise ValueError("control characters are not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate ("\ud800" in JSON) parses into a str no database can store.
        raise ValueError("invalid unicode characters are not allowed") from None
    return value


# Text from the outside world: no NUL or other control characters (PostgreSQL refuses NUL), and
# only characters that can be stored as UTF-8.
Text = Annotated[str, AfterValidator(_no_control_characters)]
Limit = Annotated[int, Field(50, ge=1, le=200, description="Page size")]
Offset = Annotated[int, Field(0, ge=0, le=10_000_000)]
Id = Annotated[int, Field(..., ge=1, le=MAX_INT)]


def paginate(queryset, *, limit: int, offset: int, counted=None) -> dict:
    """A page of `queryset` and how many there are in all, counted on `counted` when given (the
    list's own records, without the joins its rows read from their neighbours)."""
    total = (queryset if counted is None else counted).count()
    return {"count": total, "items": list(queryset[offset : offset + limit])}


_STATUS_CODES = {401: "unauthenticated", 403: "permission_denied", 404: "not_found"}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        body = DomainError("请先登录或提供有效的令牌。", "Log in or send a valid bearer token.")
        return api.create_response(
            request, {**body.as_dict(), "code": "unauthenticated"}, status=401
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        body = DomainError("记录不存在。", "Not found.", code="not_found")
        return api.create_response(request, body.as_dict(), status=404)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 400:
            # ninja answers 400 only for a body it cannot parse (not JSON, not UTF-8): that is
            # invalid input like any other, so it is a 422 the OpenAPI schema declares.
            body = DomainError(
                "请求内容不是有效的 JSON。",
                "The request body is not valid JSON.",
                code="invalid_json",
            )
            return api.create_response(request, body.as_dict(), status=422)
        code = _STATUS_CODES.get(exc.status_code, "error")
        return api.create_response(
            request,
            {"code": code, "message": str(exc.message), "field": None},
            status=exc.status_code,
        )

    @api.exception_handler(NinjaValidationError)
    def invalid_input(request, exc: NinjaValidationError):
        first = exc.errors[0] if exc.errors else {}
        location = [part for part in first.get("loc", ()) if part not in ("body", "payload")]
        if location and location[0] in ("query", "path"):
            field = str(location[1]) if len(location) > 1 else None
        else:
            # The innermost named field: ("tags", 0) is the field "tags", not "0".
            names = [part for part in location if isinstance(part, str)]
            field = names[-1] if names else None
        message = first.get("msg", "invalid input")
        error = DomainError(f"输入有误：{message}", f"Invalid input: {message}", field=field)
        return api.create_response(request, {**error.as_dict(), "code": "invalid"}, status=422)


def require_permission(actor, permission: str) -> None:
    """403 unless the actor's roles grant `permission` (store scoping is the selectors' job)."""
    if not actor.has_perm(permission):
        raise PermissionDenied()
