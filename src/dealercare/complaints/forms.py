from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Compensation, Complaint, Severity


class ComplaintForm(forms.Form):
    lookup = forms.CharField(label=_("客户手机号或车牌号"), max_length=20)
    source = forms.ChoiceField(label=_("来源"), choices=Complaint.Source.choices)
    category = forms.ChoiceField(label=_("类别"), choices=Complaint.Category.choices)
    severity = forms.ChoiceField(
        label=_("级别"), choices=[("", _("按系统建议")), *list(Severity.choices)], required=False
    )
    severity_reason = forms.CharField(label=_("调整级别原因"), max_length=200, required=False)
    description = forms.CharField(
        label=_("投诉内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ProposeForm(forms.Form):
    root_cause = forms.CharField(label=_("问题原因"), widget=forms.Textarea(attrs={"rows": 2}))
    corrective_action = forms.CharField(
        label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 2})
    )
    resolution = forms.CharField(label=_("处理方案"), widget=forms.Textarea(attrs={"rows": 2}))
    compensation_kind = forms.ChoiceField(
        label=_("补偿方式"), choices=[("", "—"), *list(Compensation.Kind.choices)], required=False
    )
    compensation_amount = forms.DecimalField(
        label=_("补偿金额"), max_digits=12, decimal_places=2, min_value=0, required=False
    )

    def compensations(self) -> list[dict]:
        kind = self.cleaned_data.get("compensation_kind")
        if not kind:
            return []
        return [{"kind": kind, "amount": self.cleaned_data.get("compensation_amount") or 0}]


class PublicComplaintForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    mobile = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    plate = forms.CharField(label=_("车牌号"), max_length=12, required=False)
    category = forms.ChoiceField(label=_("问题类别"), choices=Complaint.Category.choices)
    description = forms.CharField(
        label=_("请描述您遇到的问题"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
