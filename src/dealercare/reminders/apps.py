from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "dealercare.reminders"
    label = "reminders"
    verbose_name = _("保养与续保提醒")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import ServiceInterval
        from .signals import forecasts_clear

        post_save.connect(
            forecasts_clear, sender=ServiceInterval, dispatch_uid="reminders.interval"
        )
        post_delete.connect(
            forecasts_clear, sender=ServiceInterval, dispatch_uid="reminders.interval-"
        )
