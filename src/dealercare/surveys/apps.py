from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "dealercare.surveys"
    label = "surveys"
    verbose_name = _("满意度")

    def ready(self):
        from django.db.models.signals import post_migrate

        from dealercare.workorders.signals import repair_order_delivered

        from .receivers import invitation_on_delivery
        from .templates_seed import templates_seed

        repair_order_delivered.connect(invitation_on_delivery, dispatch_uid="surveys.delivery")
        post_migrate.connect(templates_seed, sender=self, dispatch_uid="surveys.templates")
