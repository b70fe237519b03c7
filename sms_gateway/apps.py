from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsGatewayConfig(AppConfig):
    name = "sms_gateway"
    verbose_name = _("SMS")
    default_auto_field = "django.db.models.BigAutoField"
