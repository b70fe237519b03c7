from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsGatewayConfig(AppConfig):
    name = "sms_gateway"
    verbose_name = _("SMS")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agriprices.signals import latest_price_changed, price_warning_raised
        from sms_gateway import subscriptions

        latest_price_changed.connect(subscriptions.price_changed, dispatch_uid="sms-alerts")
        price_warning_raised.connect(subscriptions.warning_raised, dispatch_uid="sms-warnings")
