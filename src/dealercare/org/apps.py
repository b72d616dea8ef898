from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "dealercare.org"
    label = "org"
    verbose_name = _("组织")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import roles_sync

        # Not limited to this app: permissions of apps migrated after org exist only later.
        post_migrate.connect(roles_sync, dispatch_uid="dealercare.roles_sync")
