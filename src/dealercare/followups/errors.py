from dealercare.core.errors import Conflict, ValidationFailed


class TaskClosed(Conflict):
    code = "task_closed"

    def __init__(self, status_label: str):
        super().__init__(
            f"回访任务已{status_label}，不能再记录结果。",
            f"The follow-up is already {status_label}; no more outcomes can be recorded.",
            field="result",
        )


class ReasonsRequired(ValidationFailed):
    code = "reasons_required"

    def __init__(self):
        super().__init__(
            "客户不满意时请至少选择一个原因。",
            "Pick at least one reason when the customer is dissatisfied.",
            field="reasons",
        )


class OutcomeConflict(Conflict):
    """Another agent recorded a call on the same task at the same moment; theirs counted."""

    code = "outcome_conflict"

    def __init__(self):
        super().__init__(
            "另一位专员刚刚记录了这个回访的结果，请刷新后再看。",
            "Another agent has just recorded an outcome for this follow-up; reload and check.",
            field="result",
        )
