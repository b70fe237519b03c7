from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class TelecentreConfig(AppConfig):
    name = "telecentre"
    verbose_name = _("Telecentre")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin
        from django.contrib.auth.models import User

        from telecentre.accounts import withdraw_from_inactive
        from telecentre.login import ThrottledAdminAuthenticationForm
        from telecentre.roles import grant_bulletin_permissions

        # The admin's login counts failures like the dashboard's.
        admin.site.login_form = ThrottledAdminAuthenticationForm
        # Second factors are not the admin's: it would show their secrets, and remove
        # them without a row in the audit trail. `manage.py two_factor reset` does that.
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
        # An account made inactive, however it is done, gives up its keys, its API
        # token and its sessions (a queryset's update() sends no signal).
        post_save.connect(withdraw_from_inactive, sender=User, dispatch_uid="withdraw-inactive")
        # After agriprices has made the role groups (it migrates first).
        post_migrate.connect(grant_bulletin_permissions, sender=self)
