import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from dealercare.core.codes import ServiceType
from dealercare.customers.validators import normalize_mobile, normalize_plate

from .models import Appointment


class AppointmentForm(forms.Form):
    """Staff booking: find the car by plate (or the customer by mobile), pick a slot."""

    lookup = forms.CharField(
        label=_("车牌号或手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": _("如 京A12345 或 13812345678")}),
    )
    start = forms.DateTimeField(
        label=_("预约时段"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": 60}),
    )
    kind = forms.ChoiceField(label=_("类型"), choices=Appointment.Kind.choices)
    service_type = forms.ChoiceField(label=_("服务类型"), choices=ServiceType.choices)
    channel = forms.ChoiceField(
        label=_("渠道"),
        choices=[c for c in Appointment.Channel.choices if c[0] != Appointment.Channel.ONLINE],
    )
    note = forms.CharField(
        label=_("备注"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_lookup(self):
        value = self.cleaned_data["lookup"].strip()
        digits = normalize_mobile(value)
        return digits if digits.isdigit() and len(digits) == 11 else normalize_plate(value)


class PublicBookingForm(forms.Form):
    """The car owner's booking form on the phone page."""

    service_type = forms.ChoiceField(
        label=_("服务类型"),
        choices=[(k, v) for k, v in ServiceType.choices if k != ServiceType.INTERNAL],
    )
    day = forms.DateField(label=_("日期"), widget=forms.HiddenInput)
    start = forms.CharField(label=_("时段"), widget=forms.HiddenInput)
    name = forms.CharField(label=_("姓名"), max_length=50)
    mobile = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    plate = forms.CharField(label=_("车牌号"), max_length=12)
    note = forms.CharField(
        label=_("备注"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_start(self):
        try:
            start = dt.datetime.fromisoformat(self.cleaned_data["start"])
        except ValueError as exc:
            raise forms.ValidationError(_("请选择一个时段。")) from exc
        if start.tzinfo is None:
            raise forms.ValidationError(_("请选择一个时段。"))
        return start
