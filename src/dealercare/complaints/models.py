import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealercare.core.models import ChoiceLabels, TimeStampedModel
from dealercare.core.money import MoneyField
from dealercare.core.scoping import StoreScopedQuerySet


class Severity(models.TextChoices):
    NORMAL = "normal", _("普通")
    MAJOR = "major", _("重大")
    CRITICAL = "critical", _("危机")


class Clock(models.TextChoices):
    BUSINESS = "business", _("营业时间")
    CALENDAR = "calendar", _("自然时间")


class SlaPolicy(models.Model):
    """A store's targets for one severity. Stores without a row use DEFAULT_SLA."""

    store = models.ForeignKey("org.Store", on_delete=models.CASCADE, related_name="sla_policies")
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices)
    first_response_minutes = models.PositiveIntegerField(_("首次响应时限（分钟）"))
    first_response_clock = models.CharField(
        _("首次响应计时"), max_length=10, choices=Clock.choices, default=Clock.BUSINESS
    )
    resolution_minutes = models.PositiveIntegerField(_("解决时限（分钟）"))
    resolution_clock = models.CharField(
        _("解决计时"), max_length=10, choices=Clock.choices, default=Clock.CALENDAR
    )
    escalate_at_percent = models.PositiveSmallIntegerField(_("预警比例（%）"), default=80)
    proposal_working_days = models.PositiveSmallIntegerField(
        _("处理单方案时限（工作日）"), default=2
    )
    compensation_approval_limit = MoneyField(_("补偿审批线（元）"), default=Decimal("500.00"))

    class Meta:
        verbose_name = _("投诉SLA")
        verbose_name_plural = _("投诉SLA")
        constraints = [
            models.UniqueConstraint(fields=["store", "severity"], name="sla_policy_unique")
        ]

    def __str__(self):
        return f"{self.store} {self.get_severity_display()}"


# DOMAIN.md defaults: first response on business hours, resolution on calendar hours.
DEFAULT_SLA = {
    Severity.NORMAL: {"first_response_minutes": 120, "resolution_minutes": 24 * 60},
    Severity.MAJOR: {"first_response_minutes": 30, "resolution_minutes": 72 * 60},
    Severity.CRITICAL: {"first_response_minutes": 15, "resolution_minutes": 24 * 60},
}


class Complaint(TimeStampedModel):
    class Source(models.TextChoices):
        PHONE = "phone", _("电话")
        WALK_IN = "walk_in", _("到店")
        FOLLOW_UP = "follow_up", _("回访")
        SURVEY = "survey", _("满意度调查")
        ONLINE = "online", _("线上")
        THIRD_PARTY = "third_party", _("第三方平台")
        OEM_HOTLINE = "oem_hotline", _("厂家热线")
        CONSUMER_ASSOCIATION = "consumer_association", _("12315")

    class Category(models.TextChoices):
        ATTITUDE = "attitude", _("服务态度")
        WAITING_TIME = "waiting_time", _("等待时间")
        PRICE_TRANSPARENCY = "price_transparency", _("价格透明")
        REPAIR_QUALITY = "repair_quality", _("维修质量")
        PARTS = "parts", _("配件")
        ENVIRONMENT = "environment", _("环境设施")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        NEW = "new", _("新建")
        ACKNOWLEDGED = "acknowledged", _("已响应")
        DISPATCHED = "dispatched", _("已派单")
        ACCEPTED = "accepted", _("已签收")
        PROPOSED = "proposed", _("已提交方案")
        CONFIRMED = "confirmed", _("客户已确认")
        CLOSED = "closed", _("已结案")

    store = models.ForeignKey(
        "org.Store", verbose_name=_("门店"), on_delete=models.PROTECT, related_name="complaints"
    )
    number = models.CharField(_("投诉单号"), max_length=20)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        verbose_name=_("车辆"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    repair_order = models.ForeignKey(
        "workorders.RepairOrder",
        verbose_name=_("维修工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    follow_up = models.ForeignKey(
        "followups.FollowUpTask",
        verbose_name=_("来源回访"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    source = models.CharField(_("来源"), max_length=24, choices=Source.choices)
    category = models.CharField(_("类别"), max_length=24, choices=Category.choices)
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices)
    proposed_severity = models.CharField(_("系统建议级别"), max_length=10, choices=Severity.choices)
    severity_reason = models.CharField(_("调整级别原因"), max_length=200, blank=True)
    description = models.TextField(_("投诉内容"))
    status = models.CharField(
        _("状态"), max_length=14, choices=Status.choices, default=Status.NEW, db_index=True
    )
    first_response_due = models.DateTimeField(_("首次响应截止"))
    resolution_due = models.DateTimeField(_("解决截止"), db_index=True)
    calendar_estimated = models.BooleanField(default=False)
    first_responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("客户确认时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    is_repeat = models.BooleanField(_("重复投诉"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("重开次数"), default=0)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_ip = models.GenericIPAddressField(
        null=True, blank=True, help_text=_("线上投诉的来源地址（限流用）")
    )
    root_cause = models.TextField(_("问题原因"), blank=True)
    corrective_action = models.TextField(_("整改措施"), blank=True)
    resolution = models.TextField(_("处理方案"), blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="complaint_number_unique")
        ]
        indexes = [models.Index(fields=["store", "status", "severity"])]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def resolved(self) -> bool:
        return self.status in {self.Status.CONFIRMED, self.Status.CLOSED}


class HandlingTicket(ChoiceLabels):
    """The handling ticket (处理单) a department's supervisor signs and answers."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="tickets")
    department = models.ForeignKey(
        "org.Department", verbose_name=_("责任部门"), on_delete=models.PROTECT
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dispatched_at = models.DateTimeField(_("派单时间"))
    proposal_due = models.DateField(_("方案截止"))
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    proposed_at = models.DateTimeField(_("方案提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("处理单")
        verbose_name_plural = _("处理单")
        ordering = ["-dispatched_at"]

    def __str__(self):
        return f"{self.complaint} → {self.department}"


class Compensation(ChoiceLabels):
    class Kind(models.TextChoices):
        FREE_INSPECTION = "free_inspection", _("免费检测")
        LABOUR_VOUCHER = "labour_voucher", _("工时券")
        PARTS_DISCOUNT = "parts_discount", _("配件折扣")
        COURTESY_CAR = "courtesy_car", _("代步车")
        FREE_WASH = "free_wash", _("免费洗车")
        OTHER = "other", _("其他")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="compensations")
    kind = models.CharField(_("补偿方式"), max_length=20, choices=Kind.choices)
    amount = MoneyField(_("金额"))
    needs_approval = models.BooleanField(default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("补偿")
        verbose_name_plural = _("补偿")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="compensation_amount_not_negative"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ¥{self.amount}"


class ComplaintEvent(ChoiceLabels):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("投诉事件")
        verbose_name_plural = _("投诉事件")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.from_status}→{self.to_status}"


class Escalation(ChoiceLabels):
    """One rung of the escalation ladder reached; exists once per complaint, target and level."""

    class Target(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("首次响应")
        RESOLUTION = "resolution", _("解决")

    class Level(models.TextChoices):
        AT_RISK = "at_risk", _("即将超时")
        BREACHED = "breached", _("已超时")
        IMMEDIATE = "immediate", _("重大/危机即时通报")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="escalations")
    target = models.CharField(max_length=16, choices=Target.choices)
    level = models.CharField(max_length=10, choices=Level.choices)
    at = models.DateTimeField()
    notified = models.JSONField(default=list)

    class Meta:
        verbose_name = _("升级")
        verbose_name_plural = _("升级")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "target", "level"], name="escalation_once")
        ]

    def __str__(self):
        return f"{self.complaint} {self.target} {self.level}"


def minutes(value: int) -> dt.timedelta:
    return dt.timedelta(minutes=value)
