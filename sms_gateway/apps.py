from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SmsGatewayConfig(AppConfig):
    name = "sms_gateway"
    verbose_name = _("SMS")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agriprices.signals import latest_price_changed, price_warning_raised
        from sms_gateway import subscriptions

        # Operators approve one another's large broadcasts and read the message log.
        post_migrate.connect(_grant_operator_permissions, sender=self)

        latest_price_changed.connect(subscriptions.price_changed, dispatch_uid="sms-alerts")
        price_warning_raised.connect(subscriptions.warning_raised, dispatch_uid="sms-warnings")


def _grant_operator_permissions(**kwargs: Any) -> None:
    from agriprices.roles import grant_to_operators

    # The message log (SMS, USSD and calls, numbers masked) is theirs to read.
    grant_to_operators(
        "sms_gateway", ["approve_broadcast", "view_broadcast", "view_inboundmessage"]
    )
