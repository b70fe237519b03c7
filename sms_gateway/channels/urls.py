"""The webhooks of every registered channel (``Channel.urlpatterns``), so that a channel
that brings its own is wired by its line in settings.CHANNELS alone."""

from sms_gateway.channels import registry

urlpatterns = [pattern for channel in registry() for pattern in channel.urlpatterns]
