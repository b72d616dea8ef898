import functools

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@functools.cache
def _choice_labels(field, language: str | None) -> dict:
    return {value: str(label) for value, label in field.flatchoices}


def choice_labels(model, field_name: str) -> dict:
    """A choice field's labels in the active language, {value: label}, for rows read as
    values rather than records."""
    return _choice_labels(model._meta.get_field(field_name), get_language())


class ChoiceLabels(models.Model):
    """get_FOO_display() from a table made once per field and language.

    Django's own rebuilds the field's whole choices mapping, translating every label, on each
    call: a worklist of 200 rows showing two choice labels each paid 2,400 translations."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return _choice_labels(field, get_language()).get(value, value)


class TimeStampedModel(ChoiceLabels):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AuditLog(models.Model):
    """Who did what to which record, when, from which IP. Written by services, never edited."""

    class Action(models.TextChoices):
        CREATE = "create", _("新建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        REVEAL = "reveal", _("查看完整信息")
        LOGIN = "login", _("登录")
        IMPORT = "import", _("导入")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    store = models.ForeignKey(
        "org.Store",
        verbose_name=_("门店"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象ID"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"


class CalendarYear(models.Model):
    """A year whose statutory holidays are known (seeded or imported): answers are exact."""

    year = models.PositiveIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=100)
    imported_at = models.DateTimeField(_("导入时间"), auto_now=True)

    class Meta:
        verbose_name = _("法定节假日年份")
        verbose_name_plural = _("法定节假日年份")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class StatutoryDay(models.Model):
    """A day that differs from the Monday–Friday rule: a holiday or a make-up working day (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("节日"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("法定节假日/调休")
        verbose_name_plural = _("法定节假日/调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"

    @property
    def is_working_day(self) -> bool:
        return self.kind == self.Kind.WORKDAY


class WorkerHeartbeat(models.Model):
    """One row per huey consumer, touched by a periodic job: the UI shows 'worker last seen'."""

    worker = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("任务进程心跳")
        verbose_name_plural = _("任务进程心跳")

    def __str__(self):
        return f"{self.worker} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class NumberSequence(models.Model):
    """A counter per key (e.g. `RO:BJ01:20261124`) for human numbers; incremented with a
    conditional UPDATE, so concurrent requests never get the same number."""

    key = models.CharField(max_length=100, unique=True)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("编号序列")
        verbose_name_plural = _("编号序列")

    def __str__(self):
        return f"{self.key}={self.value}"
