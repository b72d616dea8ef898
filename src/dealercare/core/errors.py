"""Domain errors: every refused business action raises one, with a code and a bilingual message."""

from django.utils import translation


class DomainError(Exception):
    """A business rule refused the action. Maps to an HTTP 4xx with {code, message, field}."""

    status = 422
    code = "invalid"

    def __init__(self, message_zh: str, message_en: str, *, field: str | None = None, code=None):
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.field = field
        if code:
            self.code = code

    @property
    def message(self) -> str:
        language = translation.get_language() or "zh-hans"
        return self.message_en if language.startswith("en") else self.message_zh

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "field": self.field}


class ValidationFailed(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def __init__(self, message_zh="记录不存在。", message_en="Not found.", **kwargs):
        super().__init__(message_zh, message_en, **kwargs)


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"

    def __init__(
        self, message_zh="您没有执行此操作的权限。", message_en="You may not do this.", **kw
    ):
        super().__init__(message_zh, message_en, **kw)


class Conflict(DomainError):
    status = 409
    code = "conflict"


def from_django_validation_error(exc) -> ValidationFailed:
    """The first message of a Django ValidationError, keeping the field it belongs to."""
    field = None
    messages = []
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        if field == "__all__":
            field = None
        messages = [m for e in errors for m in e.messages]
        code = errors[0].code or "invalid"
    else:
        messages = exc.messages
        code = getattr(exc, "code", None) or "invalid"
    text = str(messages[0]) if messages else "invalid"
    # Validators keep both languages in one lazy string; render each.
    with translation.override("zh-hans"):
        zh = str(messages[0]) if messages else text
    with translation.override("en"):
        en = str(messages[0]) if messages else text
    return ValidationFailed(zh, en, field=field, code=code)
