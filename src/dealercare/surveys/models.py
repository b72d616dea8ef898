from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dealercare.core.models import TimeStampedModel
from dealercare.core.scoping import StoreScopedQuerySet


class Dimension(models.TextChoices):
    ATTITUDE = "attitude", _("服务态度")
    EFFICIENCY = "efficiency", _("服务效率")
    QUALITY = "quality", _("服务质量")
    ENVIRONMENT = "environment", _("环境设施")
    PRICE_TRANSPARENCY = "price_transparency", _("价格透明")


class Questionnaire(TimeStampedModel):
    """A versioned questionnaire. Once in use it is never edited: a revision is a new version,
    so old answers keep the meaning they were given under."""

    class Kind(models.TextChoices):
        CSI = "csi", _("售后满意度（CSI）")
        SSI = "ssi", _("销售满意度（SSI）")
        NPS = "nps", _("净推荐值（NPS）")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ACTIVE = "active", _("使用中")
        RETIRED = "retired", _("已停用")

    code = models.SlugField(_("代码"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=5, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    store = models.ForeignKey(
        "org.Store",
        verbose_name=_("门店"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="questionnaires",
        help_text=_("留空表示集团通用"),
    )

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="questionnaire_version_unique")
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"


class Item(models.Model):
    class Type(models.TextChoices):
        SCALE5 = "scale5", _("1–5 分")
        SCALE10 = "scale10", _("1–10 分")
        RECOMMEND = "recommend", _("0–10 推荐意愿")
        SINGLE = "single", _("单选")
        MULTIPLE = "multiple", _("多选")
        TEXT = "text", _("文字")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("题目"), max_length=200)
    item_type = models.CharField(_("题型"), max_length=10, choices=Type.choices)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2, default=Decimal("1"))
    dimension = models.CharField(_("维度"), max_length=20, choices=Dimension.choices, blank=True)
    options = models.JSONField(_("选项"), default=list, blank=True)
    required = models.BooleanField(_("必答"), default=True)

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="item_position_unique"
            )
        ]

    def __str__(self):
        return f"{self.position}. {self.text}"

    @property
    def max_score(self) -> int | None:
        return {"scale5": 5, "scale10": 10, "recommend": 10}.get(self.item_type)

    @property
    def scored(self) -> bool:
        """Counts in CSI (the recommend question is NPS, not CSI)."""
        return self.item_type in {self.Type.SCALE5, self.Type.SCALE10}


class Invitation(TimeStampedModel):
    """One chance to answer: a one-time signed link (SMS), a QR code at the desk, or a call."""

    class Channel(models.TextChoices):
        SMS_LINK = "sms_link", _("短信链接")
        QR_ONSITE = "qr_onsite", _("到店扫码")
        PHONE = "phone", _("电话访问")
        THIRD_PARTY = "third_party", _("第三方平台")

    store = models.ForeignKey(
        "org.Store", on_delete=models.PROTECT, related_name="survey_invitations"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="invitations"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="survey_invitations"
    )
    repair_order = models.ForeignKey(
        "workorders.RepairOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    send_after = models.DateTimeField(_("发送时间"), db_index=True)
    sent_at = models.DateTimeField(_("已发送"), null=True, blank=True)
    expires_at = models.DateTimeField(_("失效时间"))
    source_key = models.CharField(max_length=100, unique=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("问卷邀请")
        verbose_name_plural = _("问卷邀请")
        ordering = ["-created_at"]
        # A store's invitations of a month (the response rate).
        indexes = [models.Index(fields=["store", "send_after"])]

    def __str__(self):
        return f"{self.questionnaire} → {self.customer}"


class Response(models.Model):
    """One response per invitation (the OneToOne decides, also under concurrent submissions)."""

    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="response")
    store = models.ForeignKey(
        "org.Store", on_delete=models.PROTECT, related_name="survey_responses"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="responses"
    )
    channel = models.CharField(max_length=12, choices=Invitation.Channel.choices)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(db_index=True)
    month = models.DateField(db_index=True, help_text="First day of the store-local month")
    csi = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    recommend = models.PositiveSmallIntegerField(null=True, blank=True)
    below_threshold = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("问卷答复")
        verbose_name_plural = _("问卷答复")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["store", "month"])]

    def __str__(self):
        return f"{self.questionnaire} {self.submitted_at:%Y-%m-%d} CSI {self.csi}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="answer_once_per_item")
        ]

    def __str__(self):
        return f"{self.item_id}: {self.score}"


class ThirdPartyRating(models.Model):
    class Platform(models.TextChoices):
        AUTOHOME = "autohome", _("汽车之家")
        DONGCHEDI = "dongchedi", _("懂车帝")
        DIANPING = "dianping", _("大众点评")
        OTHER = "other", _("其他")

    store = models.ForeignKey(
        "org.Store", on_delete=models.PROTECT, related_name="third_party_ratings"
    )
    platform = models.CharField(_("平台"), max_length=12, choices=Platform.choices)
    rated_on = models.DateField(_("日期"))
    rating = models.DecimalField(_("评分"), max_digits=3, decimal_places=1)
    text = models.TextField(_("评价"), blank=True)
    plate = models.CharField(_("车牌"), max_length=8, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("第三方评价")
        verbose_name_plural = _("第三方评价")
        ordering = ["-rated_on"]

    def __str__(self):
        return f"{self.get_platform_display()} {self.rating}"
