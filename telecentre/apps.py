from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TelecentreConfig(AppConfig):
    name = "telecentre"
    verbose_name = _("Telecentre")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin

        from telecentre.login import ThrottledAdminAuthenticationForm
        from telecentre.roles import grant_bulletin_permissions

        # The admin's login counts failures like the dashboard's.
        admin.site.login_form = ThrottledAdminAuthenticationForm
        # After agriprices has made the role groups (it migrates first).
        post_migrate.connect(grant_bulletin_permissions, sender=self)
