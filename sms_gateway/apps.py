from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsGatewayConfig(AppConfig):
    name = "sms_gateway"
    verbose_name = _("SMS")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agriprices.signals import latest_price_changed
        from sms_gateway import subscriptions

        latest_price_changed.connect(subscriptions.price_changed, dispatch_uid="sms-alerts")
