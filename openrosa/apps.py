from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenRosaConfig(AppConfig):
    name = "openrosa"
    verbose_name = _("ODK Collect")
    default_auto_field = "django.db.models.BigAutoField"
