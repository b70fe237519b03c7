from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OpenRosaConfig(AppConfig):
    name = "openrosa"
    verbose_name = _("ODK Collect")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Operators issue and revoke any agent's Collect keys.
        post_migrate.connect(_grant_operator_permissions, sender=self)


def _grant_operator_permissions(**kwargs: Any) -> None:
    from agriprices.roles import grant_to_operators

    grant_to_operators("openrosa", ["manage_collect_keys", "view_collectkey"])
