"""Where outbound SMS go, chosen by SMS_BACKEND like Django's EMAIL_BACKEND."""

from django.conf import settings
from django.utils.module_loading import import_string

from sms_gateway.backends.base import BaseSmsBackend, SendError


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


__all__ = ["BaseSmsBackend", "SendError", "get_backend"]
