from dealercare.core.errors import Conflict, ValidationFailed


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, from_label: str, to_label: str):
        super().__init__(
            f"工单不能从“{from_label}”变为“{to_label}”。",
            f"A repair order cannot go from '{from_label}' to '{to_label}'.",
            field="to",
        )


class AlreadyDecided(Conflict):
    code = "already_decided"

    def __init__(self, decision_label: str):
        super().__init__(
            f"该增项已被处理（{decision_label}），以第一次决定为准。",
            f"This add-on was already decided ({decision_label}); the first decision stands.",
            field="decision",
        )


class OrderClosed(Conflict):
    code = "order_closed"

    def __init__(self):
        super().__init__(
            "工单已结算、交车或取消，不能再修改。",
            "The repair order is settled, delivered or cancelled; it can no longer change.",
        )


class InvalidLine(ValidationFailed):
    code = "invalid_line"
