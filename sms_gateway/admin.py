"""Operators see who wrote and what they were answered; numbers are masked in lists."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sms_gateway.models import InboundMessage, Subscriber
from sms_gateway.phones import mask_phone


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["masked_phone", "language", "home_market", "opted_out", "created_at"]
    list_filter = ["language", "opted_out"]
    search_fields = ["phone"]
    list_select_related = ["home_market"]

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Subscriber) -> str:
        return mask_phone(obj.phone)


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "masked_sender", "body", "action", "reply", "reply_segments"]
    list_filter = ["action", "provider"]
    search_fields = ["body", "reply", "provider_sid"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("from"))
    def masked_sender(self, obj: InboundMessage) -> str:
        return mask_phone(obj.sender)
