from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dealercare.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .calendar_seed import seed_after_migrate

        # Also after a flush (transactional tests): the calendar is data every store needs.
        post_migrate.connect(seed_after_migrate, sender=self, dispatch_uid="dealercare.calendar")
