from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Dimension, Item, Questionnaire


class QuestionnaireForm(forms.Form):
    code = forms.SlugField(
        label=_("代码"), max_length=40, help_text=_("同一代码的新问卷成为新版本")
    )
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Questionnaire.Kind.choices)


class ItemForm(forms.Form):
    text = forms.CharField(label=_("题目"), max_length=200, required=False)
    item_type = forms.ChoiceField(label=_("题型"), choices=Item.Type.choices)
    weight = forms.DecimalField(
        label=_("权重"), max_digits=5, decimal_places=2, min_value=0, initial=1
    )
    dimension = forms.ChoiceField(
        label=_("维度"), choices=[("", "—"), *Dimension.choices], required=False
    )
    options = forms.CharField(label=_("选项（逗号分隔）"), max_length=500, required=False)
    required = forms.BooleanField(label=_("必答"), required=False, initial=True)

    def item(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("text"):
            return None
        options = [
            o.strip() for o in data.get("options", "").replace("，", ",").split(",") if o.strip()
        ]
        return {
            "text": data["text"],
            "item_type": data["item_type"],
            "weight": data["weight"] or 1,
            "dimension": data["dimension"],
            "options": options,
            "required": data["required"],
        }


ItemFormSet = forms.formset_factory(ItemForm, extra=8, max_num=30)
