"""Login forms that stop guessing (the rule is config.logins)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from config import logins


class ThrottledLoginMixin(AuthenticationForm):
    locked_message = _("Too many failed logins. Wait a few minutes, then try again.")

    def _who(self) -> tuple[str, str]:
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return self.data.get("username") or "", address

    def clean(self) -> dict[str, Any]:
        if logins.locked(*self._who()):
            raise forms.ValidationError(self.locked_message, code="locked")
        try:
            return super().clean() or {}
        except forms.ValidationError:
            logins.failed(*self._who())
            raise


class ThrottledAuthenticationForm(ThrottledLoginMixin):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
