from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealercare.core.codes import ServiceType
from dealercare.core.models import ChoiceLabels, TimeStampedModel
from dealercare.core.money import MoneyField, to_money
from dealercare.core.scoping import StoreScopedQuerySet


class RepairOrder(TimeStampedModel):
    class Status(models.TextChoices):
        RECEPTION = "reception", _("接车")
        DISPATCHED = "dispatched", _("已派工")
        IN_PROGRESS = "in_progress", _("维修中")
        WAITING_PARTS = "waiting_parts", _("待料")
        QC = "qc", _("质检")
        WASHING = "washing", _("洗车")
        READY = "ready", _("待交车")
        SETTLED = "settled", _("已结算")
        DELIVERED = "delivered", _("已交车")
        CANCELLED = "cancelled", _("已取消")

    store = models.ForeignKey(
        "org.Store", verbose_name=_("门店"), on_delete=models.PROTECT, related_name="repair_orders"
    )
    number = models.CharField(_("工单号"), max_length=20)
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        verbose_name=_("车辆"),
        on_delete=models.PROTECT,
        related_name="repair_orders",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="repair_orders",
    )
    appointment = models.OneToOneField(
        "appointments.Appointment",
        verbose_name=_("预约"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_order",
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("服务顾问"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    technicians = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("技师"), blank=True, related_name="+"
    )
    job_type = models.CharField(_("工单类型"), max_length=20, choices=ServiceType.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RECEPTION, db_index=True
    )
    mileage_km = models.PositiveIntegerField(_("进厂里程（公里）"))
    description = models.TextField(_("客户描述"))
    walkaround = models.JSONField(_("环车检查"), default=dict, blank=True)
    promised_at = models.DateTimeField(_("预计交车时间"))
    discount = MoneyField(_("优惠"), default=Decimal("0.00"))
    next_service_advice = models.CharField(_("下次保养建议"), max_length=300, blank=True)
    settled_total = MoneyField(_("结算金额"), null=True, blank=True)
    settled_at = models.DateTimeField(_("结算时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("交车时间"), null=True, blank=True, db_index=True)
    comeback_of = models.ForeignKey(
        "self",
        verbose_name=_("返修自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comebacks",
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("维修工单")
        verbose_name_plural = _("维修工单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="repair_order_number_unique")
        ]
        indexes = [
            models.Index(fields=["store", "status"]),
            models.Index(fields=["vehicle", "-created_at"]),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in {self.Status.DELIVERED, self.Status.CANCELLED}


class RepairOrderLine(ChoiceLabels):
    """A labour line (hours × rate) or a parts line (quantity × unit price) of the estimate."""

    class Kind(models.TextChoices):
        LABOUR = "labour", _("工时")
        PART = "part", _("配件")

    repair_order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("项目"), max_length=100)
    hours = models.DecimalField(_("工时"), max_digits=6, decimal_places=2, null=True, blank=True)
    quantity = models.DecimalField(_("数量"), max_digits=8, decimal_places=2, default=Decimal("1"))
    unit_price = MoneyField(_("单价"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工单明细")
        verbose_name_plural = _("工单明细")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="line_unit_price_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="labour") | models.Q(hours__gt=0),
                name="labour_line_has_hours",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"

    @property
    def amount(self) -> Decimal:
        units = self.hours if self.kind == self.Kind.LABOUR else self.quantity
        # Rounded half-up like a cash register (0.25 h × 180.10 = 45.025 → 45.03).
        return to_money(Decimal(units) * Decimal(self.unit_price))


class AddOn(ChoiceLabels):
    """An add-on item (增项) found during the repair; charged only once the owner approves."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待确认")
        APPROVED = "approved", _("已同意")
        DECLINED = "declined", _("已拒绝")

    class Via(models.TextChoices):
        LINK = "link", _("客户手机确认")
        PHONE = "phone", _("电话确认（顾问记录）")

    repair_order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="add_ons")
    name = models.CharField(_("增项"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    price = MoneyField(_("价格"))
    photo = models.FileField(_("照片"), upload_to="add-ons/%Y/%m/", blank=True)
    decision = models.CharField(
        _("客户决定"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_via = models.CharField(_("确认方式"), max_length=10, choices=Via.choices, blank=True)
    decided_by_name = models.CharField(
        _("确认人"), max_length=50, blank=True, help_text=_("电话确认时记录对方姓名")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("增项")
        verbose_name_plural = _("增项")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="add_on_price_not_negative"
            )
        ]

    def __str__(self):
        return f"{self.name} ¥{self.price}"


class RepairOrderEvent(ChoiceLabels):
    """Every state change of a repair order and every add-on decision: who, when, what."""

    repair_order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("工单事件")
        verbose_name_plural = _("工单事件")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.from_status}→{self.to_status}"


class WorkshopPolicy(models.Model):
    store = models.OneToOneField(
        "org.Store", on_delete=models.CASCADE, related_name="workshop_policy"
    )
    labour_rate = MoneyField(_("工时单价"), default=Decimal("180.00"))
    comeback_days = models.PositiveSmallIntegerField(_("返修判定天数"), default=30)

    class Meta:
        verbose_name = _("车间规则")
        verbose_name_plural = _("车间规则")

    def __str__(self):
        return f"{self.store} ¥{self.labour_rate}/h"
