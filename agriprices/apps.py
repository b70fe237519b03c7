from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class AgripricesConfig(AppConfig):
    name = "agriprices"
    verbose_name = _("Prices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import agriprices.checks  # noqa: F401 - registers the system checks
        from agriprices import name_index
        from agriprices.models import Commodity, CommodityAlias, Market, MarketAlias
        from agriprices.roles import ensure_role_groups

        # Permissions exist only after migrate has run, so the groups follow it.
        post_migrate.connect(ensure_role_groups, sender=self)
        # Cached name indexes follow every change of a name (cache invalidation only).
        for model in (Commodity, CommodityAlias, Market, MarketAlias):
            post_save.connect(name_index.names_changed, sender=model)
            post_delete.connect(name_index.names_changed, sender=model)
