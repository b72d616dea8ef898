from dealercare.core.errors import Conflict, DomainError, ValidationFailed


class SlotFull(Conflict):
    code = "slot_full"

    def __init__(self):
        super().__init__(
            "该时段已约满，请选择其他时段。",
            "This slot is fully booked; choose another one.",
            field="start",
        )


class SlotUnavailable(ValidationFailed):
    """The requested start is not a bookable slot (closed day, outside hours, past...)."""

    def __init__(self, code: str, message_zh: str, message_en: str):
        super().__init__(message_zh, message_en, field="start", code=code)


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, status_label: str, action_zh: str, action_en: str):
        super().__init__(
            f"预约当前为“{status_label}”，不能{action_zh}。",
            f"The appointment is '{status_label}'; it cannot be {action_en}.",
            field="status",
        )


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, field: str = "mobile"):
        super().__init__(
            "操作过于频繁，请稍后再试。", "Too many requests; please try again later.", field=field
        )


class VerificationFailed(ValidationFailed):
    code = "verification_failed"

    def __init__(self):
        super().__init__(
            "验证码错误或已过期，请重新获取。",
            "The verification code is wrong or has expired; request a new one.",
            field="code",
        )
