from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Consent, Customer, Vehicle
from .validators import normalize_mobile, normalize_plate, normalize_vin


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "name",
            "mobile",
            "gender",
            "birthday",
            "lunar_birthday",
            "source",
            "language",
            "email",
            "notes",
        ]
        widgets = {
            "birthday": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "lunar_birthday": forms.TextInput(attrs={"placeholder": "08-15"}),
        }

    mobile = forms.CharField(label=_("手机号"), max_length=20)

    def clean_mobile(self):
        return normalize_mobile(self.cleaned_data["mobile"])


class CustomerCreateForm(CustomerForm):
    service_consent = forms.BooleanField(label=_("同意接收服务通知"), required=False, initial=True)
    marketing_consent = forms.BooleanField(label=_("同意接收营销信息"), required=False)
    consent_source = forms.ChoiceField(
        label=_("授权来源"), choices=Consent.Source.choices, initial=Consent.Source.PAPER_FORM
    )


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(choices=Consent.Purpose.choices)
    granted = forms.TypedChoiceField(
        coerce=lambda value: value == "1", choices=[("1", "1"), ("0", "0")]
    )
    source = forms.ChoiceField(label=_("来源"), choices=Consent.Source.choices)


class VehicleForm(forms.ModelForm):
    class Meta:
        model = Vehicle
        fields = ["plate", "vin", "brand", "model", "color", "purchase_date"]
        widgets = {"purchase_date": forms.DateInput(attrs={"type": "date"})}

    vin = forms.CharField(label=_("车架号（VIN）"), max_length=30)
    plate = forms.CharField(label=_("车牌号"), max_length=12)

    def clean_vin(self):
        return normalize_vin(self.cleaned_data["vin"])

    def clean_plate(self):
        return normalize_plate(self.cleaned_data["plate"])


class VehicleCreateForm(VehicleForm):
    mileage_km = forms.IntegerField(label=_("当前里程（公里）"), min_value=0, required=False)
