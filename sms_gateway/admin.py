"""Operators see who wrote and what they were answered; numbers are masked in lists."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sms_gateway.models import Broadcast, InboundMessage, Subscriber, Subscription
from sms_gateway.phones import mask_phone


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ["commodity", "market", "kind", "alert_pct", "language", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["commodity", "market"]


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = [
        "masked_phone",
        "language",
        "home_market",
        "digest_weekday",
        "opted_out",
        "undeliverable",
        "created_at",
    ]
    list_filter = ["language", "opted_out", "undeliverable"]
    inlines = [SubscriptionInline]
    search_fields = ["phone"]
    list_select_related = ["home_market"]

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Subscriber) -> str:
        return mask_phone(obj.phone)

    def get_readonly_fields(self, request: HttpRequest, obj: Subscriber | None = None) -> list[str]:
        # The number is who the subscriber is (their SMS arrive by it, their messages
        # are kept under it): another number is another subscriber.
        # The app's language is the app's word (Telegram's), not an operator's.
        return ["phone", "app_language"] if obj is not None else ["app_language"]


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


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["subscriber", "commodity", "market", "kind", "alert_pct", "created_at"]
    list_filter = ["kind", "market__region", "commodity"]
    list_select_related = ["subscriber", "commodity", "market"]
    autocomplete_fields = ["commodity", "market"]
    raw_id_fields = ["subscriber"]


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    """Read-only: broadcasts are started from the dashboard, which shows their cost first."""

    list_display = ["key", "created_at", "language", "recipients", "fanned_out_at"]
    readonly_fields = [f.name for f in Broadcast._meta.fields] + ["regions"]

    def has_add_permission(self, request) -> bool:
        return False
