import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealercare.core.codes import ServiceType
from dealercare.core.models import ChoiceLabels, TimeStampedModel
from dealercare.core.scoping import StoreScopedQuerySet


class Bay(models.Model):
    """A service bay (工位): each active bay is one place in every service slot."""

    store = models.ForeignKey(
        "org.Store", verbose_name=_("门店"), on_delete=models.CASCADE, related_name="bays"
    )
    name = models.CharField(_("工位"), max_length=30)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("工位")
        verbose_name_plural = _("工位")
        ordering = ["store", "name"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="bay_unique_name")]

    def __str__(self):
        return f"{self.store} {self.name}"


def default_delivery_windows():
    return [["08:30", "10:30"], ["13:00", "15:30"]]


class BookingPolicy(models.Model):
    """A store's booking rules. A store without a row uses these defaults."""

    store = models.OneToOneField(
        "org.Store", verbose_name=_("门店"), on_delete=models.CASCADE, related_name="booking_policy"
    )
    slot_minutes = models.PositiveSmallIntegerField(_("时段长度（分钟）"), default=60)
    days_ahead = models.PositiveSmallIntegerField(_("可预约天数"), default=14)
    online_lead_minutes = models.PositiveSmallIntegerField(_("线上预约提前量（分钟）"), default=60)
    delivery_windows = models.JSONField(
        _("交车时间窗"),
        default=default_delivery_windows,
        help_text=_('如 [["08:30", "10:30"], ["13:00", "15:30"]]'),
    )
    delivery_slot_minutes = models.PositiveSmallIntegerField(_("交车时段（分钟）"), default=30)
    delivery_capacity = models.PositiveSmallIntegerField(_("每个交车时段的交车数"), default=2)
    delivery_lead_minutes = models.PositiveSmallIntegerField(
        _("交车预约提前量（分钟）"), default=15
    )

    class Meta:
        verbose_name = _("预约规则")
        verbose_name_plural = _("预约规则")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=10, delivery_slot_minutes__gte=10),
                name="booking_policy_slot_minutes_min",
            )
        ]

    def __str__(self):
        return f"{self.store} {self.slot_minutes}′"

    @property
    def delivery_window_times(self) -> list[tuple[dt.time, dt.time]]:
        return [
            (dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in self.delivery_windows
        ]


class ServiceCapacity(models.Model):
    """At most `per_slot` bookings of one service type in a slot (default: every active bay)."""

    store = models.ForeignKey(
        "org.Store",
        verbose_name=_("门店"),
        on_delete=models.CASCADE,
        related_name="service_capacities",
    )
    service_type = models.CharField(_("服务类型"), max_length=20, choices=ServiceType.choices)
    per_slot = models.PositiveSmallIntegerField(_("每时段上限"))

    class Meta:
        verbose_name = _("服务类型容量")
        verbose_name_plural = _("服务类型容量")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "service_type"], name="service_capacity_unique"
            )
        ]

    def __str__(self):
        return f"{self.store} {self.get_service_type_display()} ≤ {self.per_slot}"


class BlockedPeriod(models.Model):
    """A period in which nothing can be booked (training afternoon, stocktaking...)."""

    store = models.ForeignKey(
        "org.Store",
        verbose_name=_("门店"),
        on_delete=models.CASCADE,
        related_name="blocked_periods",
    )
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    reason = models.CharField(_("原因"), max_length=100)

    class Meta:
        verbose_name = _("不可预约时段")
        verbose_name_plural = _("不可预约时段")
        ordering = ["store", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="blocked_period_end_after_start"
            )
        ]

    def __str__(self):
        return f"{self.store} {self.start:%Y-%m-%d %H:%M} {self.reason}"


class Appointment(TimeStampedModel):
    class Kind(models.TextChoices):
        SERVICE = "service", _("维修保养预约")
        DELIVERY = "delivery", _("交车预约")

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        WALK_IN = "walk_in", _("到店")
        ONLINE = "online", _("线上")
        DEALER_INITIATED = "dealer_initiated", _("主动邀约")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        ARRIVED = "arrived", _("已到店")
        CONVERTED = "converted", _("已开单")
        NO_SHOW = "no_show", _("未到店")
        CANCELLED = "cancelled", _("已取消")

    store = models.ForeignKey(
        "org.Store", verbose_name=_("门店"), on_delete=models.PROTECT, related_name="appointments"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        verbose_name=_("车辆"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.SERVICE)
    start = models.DateTimeField(_("开始时间"), db_index=True)
    end = models.DateTimeField(_("结束时间"))
    service_type = models.CharField(
        _("服务类型"), max_length=20, choices=ServiceType.choices, default=ServiceType.MAINTENANCE
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    bay = models.ForeignKey(
        Bay,
        verbose_name=_("工位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("服务顾问"),
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
    reminder_sent_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["store", "start"]),
            models.Index(fields=["status", "start"]),
        ]
        constraints = [
            # One booking per bay and slot while it holds its place.
            models.UniqueConstraint(
                fields=["bay", "start"],
                condition=models.Q(status__in=["requested", "confirmed", "arrived"]),
                name="appointment_bay_slot_unique",
            )
        ]

    def __str__(self):
        return f"{self.start:%m-%d %H:%M} {self.customer.name}"

    @property
    def holds_capacity(self) -> bool:
        return self.status in {self.Status.REQUESTED, self.Status.CONFIRMED, self.Status.ARRIVED}


class SlotCounter(models.Model):
    """The capacity row of one slot: a booking increments `booked` only while it is below the
    slot's capacity (a conditional UPDATE), so concurrent requests can never over-book.

    `service_type` is "" for the slot's total over all types.
    """

    store = models.ForeignKey("org.Store", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Appointment.Kind.choices)
    start = models.DateTimeField()
    service_type = models.CharField(max_length=20, blank=True)
    capacity = models.PositiveSmallIntegerField()
    booked = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("时段占用")
        verbose_name_plural = _("时段占用")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "kind", "start", "service_type"], name="slot_counter_unique"
            ),
        ]

    def __str__(self):
        return (
            f"{self.store_id} {self.kind} {self.start:%Y-%m-%d %H:%M} {self.booked}/{self.capacity}"
        )


class AppointmentEvent(ChoiceLabels):
    """Every state change of an appointment (who, when, from which state to which)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("预约事件")
        verbose_name_plural = _("预约事件")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.from_status}→{self.to_status}"


class VerificationCode(models.Model):
    """A one-time SMS code for the public booking page. Only a hash of the code is kept."""

    store = models.ForeignKey("org.Store", on_delete=models.CASCADE, related_name="+")
    mobile = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=64)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")

    def __str__(self):
        return f"{self.mobile} {self.created_at:%Y-%m-%d %H:%M}"
