import datetime as dt
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from dealercare.core.models import TimeStampedModel

from .roles import ALL_STORE_ROLES, Role


class DealerGroup(TimeStampedModel):
    name = models.CharField(_("集团名称"), max_length=100)
    code = models.SlugField(_("代码"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("集团")
        verbose_name_plural = _("集团")

    def __str__(self):
        return self.name


class Store(TimeStampedModel):
    group = models.ForeignKey(
        DealerGroup, verbose_name=_("集团"), on_delete=models.PROTECT, related_name="stores"
    )
    code = models.CharField(_("门店代码"), max_length=20, unique=True)
    name = models.CharField(_("门店名称"), max_length=100)
    brand = models.CharField(_("品牌"), max_length=50, blank=True)
    province = models.CharField(_("省份"), max_length=20)
    city = models.CharField(_("城市"), max_length=50)
    plate_prefix = models.CharField(
        _("车牌前缀"), max_length=2, help_text=_("本地车牌的省份简称与发牌机关代号，如“京A”")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("服务电话"), max_length=30, blank=True)
    time_zone = models.CharField(_("时区"), max_length=50, default="Asia/Shanghai")
    is_active = models.BooleanField(_("营业中"), default=True)

    class Meta:
        verbose_name = _("门店")
        verbose_name_plural = _("门店")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Department(models.Model):
    class Kind(models.TextChoices):
        SALES = "sales", _("销售部")
        AFTERSALES = "aftersales", _("售后部")
        CUSTOMER_SERVICE = "customer_service", _("客服中心")
        MARKETING = "marketing", _("市场部")
        PARTS = "parts", _("配件部")
        WORKSHOP = "workshop", _("车间")

    store = models.ForeignKey(
        Store, verbose_name=_("门店"), on_delete=models.CASCADE, related_name="departments"
    )
    kind = models.CharField(_("部门"), max_length=20, choices=Kind.choices)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        constraints = [
            models.UniqueConstraint(fields=["store", "kind"], name="department_unique_per_store")
        ]
        ordering = ["store", "kind"]

    def __str__(self):
        return f"{self.store} {self.get_kind_display()}"


class StaffProfile(TimeStampedModel):
    """A staff member: a Django user with a store (none for group HQ), department and roles.

    Roles are the user's Django groups (see `roles.py`).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    store = models.ForeignKey(
        Store,
        verbose_name=_("门店"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("留空表示集团总部，可查看全部门店"),
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    display_name = models.CharField(_("姓名"), max_length=50)
    mobile = models.CharField(_("手机"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")

    def __str__(self):
        return self.display_name or self.user.get_username()

    def clean(self):
        if self.department_id and self.department.store_id != self.store_id:
            raise ValidationError({"department": _("部门必须属于员工所在门店。")})

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(self.user.groups.values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes & {str(r) for r in roles})

    @property
    def sees_all_stores(self) -> bool:
        return self.store_id is None and self.has_role(*ALL_STORE_ROLES)

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(code).label) for code in sorted(self.role_codes) if code in Role.values]


class BusinessPeriod(models.Model):
    """One opening period of a store's customer-service day (default 08:30–12:00, 13:30–17:30)."""

    store = models.ForeignKey(
        Store, verbose_name=_("门店"), on_delete=models.CASCADE, related_name="business_periods"
    )
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))

    class Meta:
        verbose_name = _("营业时段")
        verbose_name_plural = _("营业时段")
        ordering = ["store", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="business_period_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("结束时间必须晚于开始时间。")})


DEFAULT_BUSINESS_PERIODS = [(dt.time(8, 30), dt.time(12, 0)), (dt.time(13, 30), dt.time(17, 30))]


class StoreCalendarOverride(models.Model):
    """A store's own exception to the statutory calendar (e.g. workshop open on a Saturday)."""

    store = models.ForeignKey(
        Store, verbose_name=_("门店"), on_delete=models.CASCADE, related_name="calendar_overrides"
    )
    date = models.DateField(_("日期"))
    is_working_day = models.BooleanField(_("工作日"))
    reason = models.CharField(_("原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("门店日历调整")
        verbose_name_plural = _("门店日历调整")
        ordering = ["store", "date"]
        constraints = [
            models.UniqueConstraint(fields=["store", "date"], name="calendar_override_unique")
        ]

    def __str__(self):
        return f"{self.store} {self.date} {'上班' if self.is_working_day else '休息'}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self):
        return f"{self.user} · {self.created_at:%Y-%m-%d}"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
