from dealercare.core.errors import Conflict, DomainError, ValidationFailed


class AlreadyAnswered(Conflict):
    code = "already_answered"

    def __init__(self):
        super().__init__(
            "该问卷已经提交过，感谢您的反馈。",
            "This survey was already answered; thank you.",
            field="token",
        )


class InvitationExpired(DomainError):
    status = 410
    code = "link_expired"

    def __init__(self):
        super().__init__("问卷链接已过期。", "This survey link has expired.", field="token")


class InvalidAnswer(ValidationFailed):
    code = "invalid_answer"


class QuestionnaireInUse(Conflict):
    code = "questionnaire_in_use"

    def __init__(self):
        super().__init__(
            "使用中的问卷不能直接修改，请创建新版本。",
            "A questionnaire in use cannot be edited; create a new version.",
        )


class ImportRejected(ValidationFailed):
    """A file with any bad row: nothing is saved; `rows` lists every problem."""

    code = "import_rejected"

    def __init__(self, rows: list[dict]):
        first = rows[0]
        super().__init__(
            f"第 {first['row']} 行“{first['column']}”列：{first['message_zh']}"
            f"（共 {len(rows)} 处错误，未导入任何数据）",
            f"Row {first['row']}, column '{first['column']}': {first['message_en']} "
            f"({len(rows)} problems; nothing was imported)",
            field="file",
        )
        self.rows = rows
