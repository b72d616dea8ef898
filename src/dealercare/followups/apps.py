from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "dealercare.followups"
    label = "followups"
    verbose_name = _("回访")

    def ready(self):
        from dealercare.workorders.signals import repair_order_delivered

        from .receivers import follow_up_on_delivery

        repair_order_delivered.connect(follow_up_on_delivery, dispatch_uid="followups.delivery")
