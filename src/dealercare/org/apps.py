from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "dealercare.org"
    label = "org"
    verbose_name = _("组织")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .backends import connect_signals
        from .roles import roles_sync

        connect_signals()

        # Not limited to this app: permissions of apps migrated after org exist only later.
        post_migrate.connect(roles_sync, dispatch_uid="dealercare.roles_sync")
