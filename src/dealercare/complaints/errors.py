from dealercare.core.errors import Conflict, ValidationFailed


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, status_label: str, action_zh: str, action_en: str):
        super().__init__(
            f"投诉当前为“{status_label}”，不能{action_zh}。",
            f"The complaint is '{status_label}'; it cannot be {action_en}.",
            field="status",
        )


class SeverityReasonRequired(ValidationFailed):
    code = "severity_reason_required"

    def __init__(self, proposed_label: str):
        super().__init__(
            f"系统建议级别为“{proposed_label}”，调整级别请填写原因。",
            f"The proposed severity is '{proposed_label}'; give a reason to change it.",
            field="severity_reason",
        )


class ApprovalRequired(Conflict):
    code = "approval_required"

    def __init__(self, limit):
        super().__init__(
            f"补偿金额超过 ¥{limit}，需总经理审批后才能请客户确认。",
            f"Compensation above ¥{limit} needs the store manager's approval first.",
            field="compensation",
        )
