from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealercare.core.models import TimeStampedModel
from dealercare.core.scoping import StoreScopedQuerySet


class FollowUpPolicy(models.Model):
    """A store's follow-up rules; a store without a row uses these defaults."""

    store = models.OneToOneField(
        "org.Store",
        verbose_name=_("门店"),
        on_delete=models.CASCADE,
        related_name="follow_up_policy",
    )
    due_working_days = models.PositiveSmallIntegerField(_("回访时限（工作日）"), default=3)
    max_attempts = models.PositiveSmallIntegerField(_("未接通最多尝试次数"), default=3)
    home_visit_share = models.DecimalField(
        _("每月上门访问比例"), max_digits=4, decimal_places=3, default="0.020"
    )

    class Meta:
        verbose_name = _("回访规则")
        verbose_name_plural = _("回访规则")

    def __str__(self):
        return f"{self.store} {self.due_working_days}d/{self.max_attempts}×"


class FollowUpTask(TimeStampedModel):
    class Kind(models.TextChoices):
        AFTER_SERVICE = "after_service", _("维修保养回访")
        AFTER_SALE = "after_sale", _("新车交付回访")
        COMPLAINT_CLOSURE = "complaint_closure", _("投诉结案回访")
        REMINDER_CALL = "reminder_call", _("保养提醒电话")
        RENEWAL_CALL = "renewal_call", _("续保提醒电话")
        HOME_VISIT = "home_visit", _("上门访问")

    class Status(models.TextChoices):
        PENDING = "pending", _("待回访")
        IN_PROGRESS = "in_progress", _("回访中")
        DONE = "done", _("已完成")
        CLOSED_UNREACHABLE = "closed_unreachable", _("无法联系（已关闭）")

    class Result(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        DISSATISFIED = "dissatisfied", _("不满意")
        UNREACHABLE = "unreachable", _("未接通")

    store = models.ForeignKey(
        "org.Store", verbose_name=_("门店"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    result = models.CharField(_("结果"), max_length=20, choices=Result.choices, blank=True)
    # What must exist once: `after_service:repair_order:123`, `home_visit:2026-11:customer:9`.
    source_key = models.CharField(max_length=100, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        verbose_name=_("车辆"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    repair_order = models.ForeignKey(
        "workorders.RepairOrder",
        verbose_name=_("维修工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访专员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_up_tasks",
    )
    window_start = models.DateField(_("开始日期"))
    due_date = models.DateField(_("截止日期"), db_index=True)
    next_attempt_on = models.DateField(_("下次尝试"), db_index=True)
    calendar_estimated = models.BooleanField(_("日历为估算"), default=False)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    reasons = models.JSONField(_("不满意原因"), default=list, blank=True)
    comment = models.TextField(_("回访记录"), blank=True)
    needs_complaint = models.BooleanField(
        _("待转投诉"),
        default=False,
        help_text=_("客户不满意：投诉模块上线后转为投诉单"),
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["store", "status", "next_attempt_on"]),
            models.Index(fields=["store", "kind", "status"]),
            # Lists by status in due order (the API's, the worklist's), and the daily summary's
            # tasks finished on a day: without them PostgreSQL walks all history for a page.
            models.Index(fields=["store", "status", "due_date", "id"]),
            models.Index(fields=["store", "done_at"]),
            # The worklist: a store's open tasks callable by a date, the agent's own or nobody's
            # (a few hundred among a million finished ones).
            models.Index(
                fields=["store", "next_attempt_on", "assignee"],
                condition=models.Q(status__in=["pending", "in_progress"]),
                name="followup_open_worklist_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.customer} {self.due_date}"

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.PENDING, self.Status.IN_PROGRESS}

    @property
    def reason_labels(self) -> list[str]:
        """The dissatisfaction reasons as people read them (the codes stay in `reasons`)."""
        return [
            str(DissatisfactionReason(code).label) if code in DissatisfactionReason.values else code
            for code in self.reasons
        ]


class FollowUpAttempt(models.Model):
    """One call (or visit) and its outcome: the task's history, never edited."""

    task = models.ForeignKey(FollowUpTask, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.CharField(_("结果"), max_length=20, choices=FollowUpTask.Result.choices)
    reasons = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["at", "id"]
        # The daily summary's calls of the day: without it the whole call history is read.
        indexes = [models.Index(fields=["at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_result_display()}"


class DissatisfactionReason(models.TextChoices):
    """The reasons an agent can tick when a customer is not satisfied (DOMAIN.md categories)."""

    ATTITUDE = "attitude", _("服务态度")
    WAITING_TIME = "waiting_time", _("等待时间长")
    PRICE_TRANSPARENCY = "price_transparency", _("价格不透明")
    REPAIR_QUALITY = "repair_quality", _("维修质量")
    PARTS = "parts", _("配件问题")
    ENVIRONMENT = "environment", _("环境设施")
    OTHER = "other", _("其他")
