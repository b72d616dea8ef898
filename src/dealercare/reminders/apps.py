from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "dealercare.reminders"
    label = "reminders"
    verbose_name = _("保养与续保提醒")
