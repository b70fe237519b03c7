from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AgripricesConfig(AppConfig):
    name = "agriprices"
    verbose_name = _("Prices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agriprices.roles import ensure_role_groups

        # Permissions exist only after migrate has run, so the groups follow it.
        post_migrate.connect(ensure_role_groups, sender=self)
