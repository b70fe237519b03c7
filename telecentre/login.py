"""Login forms that stop guessing: after LOGIN_MAX_FAILURES wrong passwords for one
username (or LOGIN_MAX_FAILURES_PER_ADDRESS from one address: a telecentre's operators
share one) in LOGIN_LOCK_SECONDS, every attempt is refused until the window ends, right
password or not. Counted in the shared cache, so every web process sees the same count."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from config import counters


class ThrottledLoginMixin(AuthenticationForm):
    locked_message = _("Too many failed logins. Wait a few minutes, then try again.")

    def _counters(self) -> list[tuple[str, int]]:
        username = (self.data.get("username") or "").strip().lower()[:150]
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return [
            (f"user:{username}", settings.LOGIN_MAX_FAILURES),
            (f"ip:{address}", settings.LOGIN_MAX_FAILURES_PER_ADDRESS),
        ]

    def clean(self) -> dict[str, Any]:
        window = settings.LOGIN_LOCK_SECONDS
        if any(
            counters.peek("login", key, window_seconds=window) >= most
            for key, most in self._counters()
        ):
            raise forms.ValidationError(self.locked_message, code="locked")
        try:
            return super().clean() or {}
        except forms.ValidationError:
            for key, _most in self._counters():
                counters.count("login", key, window_seconds=window)
            raise


class ThrottledAuthenticationForm(ThrottledLoginMixin):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
