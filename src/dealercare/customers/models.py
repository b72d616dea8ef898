from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealercare.core.masking import mask_phone
from dealercare.core.models import ChoiceLabels, TimeStampedModel
from dealercare.core.scoping import StoreScopedQuerySet

from .validators import validate_mobile, validate_plate, validate_vin


class Customer(TimeStampedModel):
    class Gender(models.TextChoices):
        MALE = "male", _("男")
        FEMALE = "female", _("女")
        UNKNOWN = "unknown", _("未知")

    class Source(models.TextChoices):
        WALK_IN = "walk_in", _("到店")
        PHONE = "phone", _("电话")
        ONLINE = "online", _("线上")
        REFERRAL = "referral", _("转介绍")
        SALES = "sales", _("新车销售")
        OTHER = "other", _("其他")

    class Segment(models.TextChoices):
        LOYAL = "loyal", _("忠诚客户")
        GENERAL = "general", _("一般客户")
        LOST = "lost", _("流失客户")

    store = models.ForeignKey(
        "org.Store", verbose_name=_("归属门店"), on_delete=models.PROTECT, related_name="customers"
    )
    name = models.CharField(_("姓名"), max_length=50)
    mobile = models.CharField(_("手机号"), max_length=11, validators=[validate_mobile])
    gender = models.CharField(
        _("性别"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN
    )
    birthday = models.DateField(_("生日（公历）"), null=True, blank=True)
    lunar_birthday = models.CharField(
        _("生日（农历）"), max_length=5, blank=True, help_text=_("月-日，如 08-15")
    )
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.WALK_IN
    )
    language = models.CharField(
        _("消息语言"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    email = models.EmailField(_("电子邮箱"), blank=True)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    segment = models.CharField(
        _("客户分类"), max_length=10, choices=Segment.choices, default=Segment.GENERAL
    )
    last_visit_at = models.DateField(_("最近到店"), null=True, blank=True)
    service_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("专属服务经理"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("90 天内投诉 2 次及以上的客户自动指派"),
    )
    notes = models.TextField(_("备注"), blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-created_at", "-id"]
        permissions = [("reveal_mobile", _("查看完整手机号"))]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "mobile"], name="customer_mobile_unique_per_store"
            )
        ]
        indexes = [models.Index(fields=["store", "name"]), models.Index(fields=["mobile"])]

    def __str__(self):
        return f"{self.name}（{self.mobile_masked}）"

    @property
    def mobile_masked(self) -> str:
        return mask_phone(self.mobile)


class Vehicle(TimeStampedModel):
    store = models.ForeignKey(
        "org.Store", verbose_name=_("门店"), on_delete=models.PROTECT, related_name="vehicles"
    )
    owner = models.ForeignKey(
        Customer, verbose_name=_("车主"), on_delete=models.PROTECT, related_name="vehicles"
    )
    vin = models.CharField(
        _("车架号（VIN）"),
        max_length=17,
        blank=True,
        validators=[validate_vin],
        help_text=_("线上预约的车辆可暂缺，到店接车时补录"),
    )
    plate = models.CharField(_("车牌号"), max_length=8, validators=[validate_plate])
    brand = models.CharField(_("品牌"), max_length=50)
    model = models.CharField(_("车型"), max_length=50)
    color = models.CharField(_("颜色"), max_length=20, blank=True)
    purchase_date = models.DateField(_("购车日期"), null=True, blank=True)
    current_mileage_km = models.PositiveIntegerField(_("当前里程（公里）"), default=0)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")
        ordering = ["plate"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "vin"],
                condition=~models.Q(vin=""),
                name="vehicle_vin_unique_per_store",
            ),
            models.UniqueConstraint(
                fields=["store", "plate"], name="vehicle_plate_unique_per_store"
            ),
        ]
        indexes = [models.Index(fields=["plate"]), models.Index(fields=["vin"])]

    def __str__(self):
        return f"{self.plate} {self.brand} {self.model}"


class MileageReading(models.Model):
    class Source(models.TextChoices):
        RECEPTION = "reception", _("接车登记")
        CUSTOMER = "customer", _("客户提供")
        SALE = "sale", _("新车交付")
        IMPORT = "import", _("导入")
        MANUAL = "manual", _("手工录入")

    vehicle = models.ForeignKey(
        Vehicle, verbose_name=_("车辆"), on_delete=models.CASCADE, related_name="mileage_readings"
    )
    km = models.PositiveIntegerField(_("里程（公里）"))
    read_at = models.DateTimeField(_("读数时间"), db_index=True)
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )
    reason = models.CharField(
        _("原因"), max_length=200, blank=True, help_text=_("读数低于上次读数时必须填写")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("里程记录")
        verbose_name_plural = _("里程记录")
        ordering = ["-read_at", "-id"]

    def __str__(self):
        return f"{self.km} km @ {self.read_at:%Y-%m-%d}"


class Consent(models.Model):
    """One consent decision; the latest per purpose is the customer's current consent (PIPL)."""

    class Purpose(models.TextChoices):
        SERVICE = "service", _("服务通知")
        MARKETING = "marketing", _("营销信息")

    class Source(models.TextChoices):
        PAPER_FORM = "paper_form", _("纸质授权书")
        ONLINE = "online", _("线上勾选")
        PHONE = "phone", _("电话确认")
        SMS_REPLY = "sms_reply", _("短信回复（如 TD 退订）")
        STAFF = "staff", _("员工录入")

    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    granted = models.BooleanField(_("同意"))
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    at = models.DateTimeField(_("时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("授权记录")
        verbose_name_plural = _("授权记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "purpose", "-at"])]

    def __str__(self):
        return f"{self.get_purpose_display()}: {'✓' if self.granted else '✗'}"


class CustomerEvent(ChoiceLabels):
    """An event on the customer's timeline; every state change writes one (never edited)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("建档")
        UPDATED = "updated", _("资料修改")
        CONSENT_CHANGED = "consent_changed", _("授权变更")
        VEHICLE_ADDED = "vehicle_added", _("新增车辆")
        VEHICLE_UPDATED = "vehicle_updated", _("车辆修改")
        MILEAGE_RECORDED = "mileage_recorded", _("里程登记")
        MESSAGE_SENT = "message_sent", _("发送消息")
        APPOINTMENT = "appointment", _("预约")
        REPAIR_ORDER = "repair_order", _("维修工单")
        FOLLOW_UP = "follow_up", _("回访")
        COMPLAINT = "complaint", _("投诉")

    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="events"
    )
    store = models.ForeignKey("org.Store", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("事件"), max_length=30, choices=Kind.choices)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("客户事件")
        verbose_name_plural = _("客户事件")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
