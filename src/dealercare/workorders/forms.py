from django import forms
from django.utils.translation import gettext_lazy as _

from dealercare.core.codes import ServiceType
from dealercare.customers.validators import normalize_plate

from .models import AddOn, RepairOrderLine

WALKAROUND_ITEMS = [
    ("body_damage", _("车身有划痕/凹陷")),
    ("glass_damage", _("玻璃有破损")),
    ("valuables", _("车内有贵重物品")),
    ("warning_lights", _("仪表有故障灯")),
]


class ReceptionForm(forms.Form):
    plate = forms.CharField(label=_("车牌号"), max_length=12)
    job_type = forms.ChoiceField(label=_("工单类型"), choices=ServiceType.choices)
    mileage_km = forms.IntegerField(label=_("进厂里程（公里）"), min_value=0, max_value=2_000_000)
    mileage_reason = forms.CharField(label=_("里程低于上次的原因"), max_length=200, required=False)
    promised_at = forms.DateTimeField(
        label=_("预计交车时间"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    fuel_level = forms.ChoiceField(
        label=_("油量/电量"),
        choices=[(v, v) for v in ("E", "1/4", "1/2", "3/4", "F")],
        initial="1/2",
    )
    description = forms.CharField(
        label=_("客户描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in WALKAROUND_ITEMS:
            self.fields[f"walk_{code}"] = forms.BooleanField(label=label, required=False)

    def clean_plate(self):
        return normalize_plate(self.cleaned_data["plate"])

    def walkaround(self) -> dict:
        checks = {
            code: self.cleaned_data.get(f"walk_{code}", False) for code, _ in WALKAROUND_ITEMS
        }
        return {**checks, "fuel_level": self.cleaned_data["fuel_level"]}


class LineForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=RepairOrderLine.Kind.choices)
    name = forms.CharField(label=_("项目"), max_length=100)
    hours = forms.DecimalField(
        label=_("工时"), max_digits=6, decimal_places=2, required=False, min_value=0
    )
    quantity = forms.DecimalField(
        label=_("数量"), max_digits=8, decimal_places=2, required=False, min_value=0
    )
    unit_price = forms.DecimalField(label=_("单价"), max_digits=12, decimal_places=2, min_value=0)


class AddOnForm(forms.Form):
    name = forms.CharField(label=_("增项"), max_length=100)
    price = forms.DecimalField(label=_("价格"), max_digits=12, decimal_places=2, min_value=0)
    description = forms.CharField(label=_("说明"), max_length=300, required=False)
    photo = forms.FileField(label=_("照片"), required=False)


class PhoneDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(AddOn.Decision.APPROVED, _("同意")), (AddOn.Decision.DECLINED, _("拒绝"))]
    )
    decided_by_name = forms.CharField(label=_("确认人"), max_length=50)


class SettleForm(forms.Form):
    discount = forms.DecimalField(
        label=_("优惠"), max_digits=12, decimal_places=2, min_value=0, initial=0
    )
    next_service_advice = forms.CharField(label=_("下次保养建议"), max_length=300, required=False)
