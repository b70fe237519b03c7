from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class AgripricesConfig(AppConfig):
    name = "agriprices"
    verbose_name = _("Prices")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        import agriprices.checks  # noqa: F401 - registers the system checks
        from agriprices import name_index
        from agriprices.audit import signals as audit_signals
        from agriprices.models import Commodity, CommodityAlias, Market, MarketAlias
        from agriprices.roles import ensure_role_groups

        # Sign-ins and failed ones go to the audit trail.
        user_logged_in.connect(audit_signals.signed_in, dispatch_uid="audit-login")
        user_login_failed.connect(audit_signals.sign_in_failed, dispatch_uid="audit-login-failed")
        from rest_framework.authtoken.models import Token

        post_save.connect(audit_signals.token_saved, sender=Token, dispatch_uid="audit-token")
        post_delete.connect(audit_signals.token_deleted, sender=Token, dispatch_uid="audit-token")
        # Permissions exist only after migrate has run, so the groups follow it.
        post_migrate.connect(ensure_role_groups, sender=self)
        # A deletion is part of the time of the last change that cached answers are kept
        # under (models.deletions).
        from agriprices.collection.models import CollectionPlan, PlannedItem
        from agriprices.models import Region, Unit
        from agriprices.models.deletions import note_deletion
        from agriprices.warnings.models import PriceWarning

        catalogue = (Region, Commodity, Market, Unit, CommodityAlias, MarketAlias)
        for model in (*catalogue, PriceWarning, CollectionPlan, PlannedItem):
            post_delete.connect(note_deletion, sender=model, dispatch_uid=f"deleted-{model}")
        # Cached name indexes follow every change of a name (cache invalidation only).
        for model in (Commodity, CommodityAlias, Market, MarketAlias):
            post_save.connect(name_index.names_changed, sender=model)
            post_delete.connect(name_index.names_changed, sender=model)
