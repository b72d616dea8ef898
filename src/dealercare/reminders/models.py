from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from dealercare.core.models import TimeStampedModel
from dealercare.core.scoping import StoreScopedQuerySet


class ServiceInterval(models.Model):
    """Maintenance interval per brand (and model); the most specific row wins, then the default
    (5,000 km / 6 months)."""

    brand = models.CharField(_("品牌"), max_length=50)
    model = models.CharField(
        _("车型"), max_length=50, blank=True, help_text=_("留空表示该品牌所有车型")
    )
    km = models.PositiveIntegerField(_("间隔里程（公里）"), default=5000)
    months = models.PositiveSmallIntegerField(_("间隔月数"), default=6)

    class Meta:
        verbose_name = _("保养间隔")
        verbose_name_plural = _("保养间隔")
        constraints = [
            models.UniqueConstraint(fields=["brand", "model"], name="service_interval_unique")
        ]

    def __str__(self):
        return f"{self.brand} {self.model or '*'}: {self.km} km / {self.months} 月"


class ServiceForecast(models.Model):
    """The predicted next service of a vehicle, recomputed by the daily run."""

    class RateSource(models.TextChoices):
        HISTORY = "history", _("按本车里程记录")
        DEFAULT = "default", _("默认行驶里程")

    vehicle = models.OneToOneField(
        "customers.Vehicle", on_delete=models.CASCADE, related_name="service_forecast"
    )
    last_service_date = models.DateField(_("上次保养日期"), null=True, blank=True)
    last_service_km = models.PositiveIntegerField(_("上次保养里程"), null=True, blank=True)
    daily_km = models.DecimalField(_("日均行驶（公里）"), max_digits=7, decimal_places=2)
    rate_source = models.CharField(max_length=10, choices=RateSource.choices)
    due_date = models.DateField(_("预计保养日期"), db_index=True)
    due_km = models.PositiveIntegerField(_("预计保养里程"))
    computed_on = models.DateField()

    class Meta:
        verbose_name = _("保养预测")
        verbose_name_plural = _("保养预测")

    def __str__(self):
        return f"{self.vehicle_id} → {self.due_date}"


class InsurancePolicy(TimeStampedModel):
    store = models.ForeignKey(
        "org.Store", on_delete=models.PROTECT, related_name="insurance_policies"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        verbose_name=_("车辆"),
        on_delete=models.CASCADE,
        related_name="insurance_policies",
    )
    insurer = models.CharField(_("保险公司"), max_length=50)
    policy_number = models.CharField(_("保单号"), max_length=50, blank=True)
    end_date = models.DateField(_("到期日"), db_index=True)
    premium = models.DecimalField(_("保费"), max_digits=12, decimal_places=2, default=Decimal("0"))
    renewed_at = models.DateTimeField(_("续保时间"), null=True, blank=True)
    renewed_with_us = models.BooleanField(_("在本店续保"), default=False)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("车险保单")
        verbose_name_plural = _("车险保单")
        ordering = ["end_date"]

    def __str__(self):
        return f"{self.insurer} {self.end_date}"


class Reminder(TimeStampedModel):
    """One reminder of one due date at one stage; the source key makes it exist once."""

    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("保养提醒")
        RENEWAL = "renewal", _("续保提醒")

    class Stage(models.TextChoices):
        FIRST = "first", _("首次提醒（提前14天）")
        SECOND = "second", _("二次提醒（提前3天）")
        DAYS_60 = "d60", _("到期前60天")
        DAYS_30 = "d30", _("到期前30天")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("待发送")
        SENT = "sent", _("已发送")
        CALL_TASK = "call_task", _("转电话提醒")

    store = models.ForeignKey("org.Store", on_delete=models.PROTECT, related_name="reminders")
    vehicle = models.ForeignKey(
        "customers.Vehicle", on_delete=models.CASCADE, related_name="reminders"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="reminders"
    )
    policy = models.ForeignKey(
        InsurancePolicy, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    stage = models.CharField(_("阶段"), max_length=8, choices=Stage.choices)
    due_date = models.DateField(_("到期/保养日期"))
    send_on = models.DateField(_("发送日期"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.SCHEDULED, db_index=True
    )
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    source_key = models.CharField(max_length=100, unique=True)
    booked_appointment = models.ForeignKey(
        "appointments.Appointment",
        verbose_name=_("带来的预约"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reminders",
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["send_on", "id"]
        indexes = [
            models.Index(fields=["status", "send_on"]),
            # The daily summary's reminders sent on a day and in the last 30 days: a store's
            # reminders of all years otherwise.
            models.Index(fields=["store", "sent_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.vehicle_id} {self.send_on}"
