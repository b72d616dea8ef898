from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DissatisfactionReason, FollowUpTask


class OutcomeForm(forms.Form):
    result = forms.ChoiceField(
        label=_("回访结果"), choices=FollowUpTask.Result.choices, widget=forms.RadioSelect
    )
    reasons = forms.MultipleChoiceField(
        label=_("不满意原因"),
        choices=DissatisfactionReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("回访记录"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
