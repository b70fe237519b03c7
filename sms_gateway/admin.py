"""Operators see who wrote or called and what they were answered; numbers are masked in
the message log, lists and pages alike (the full number is on the subscriber's page,
for those who may see subscribers)."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
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
    """The message log: every SMS, USSD answer and call answered (provider "voice"),
    for operators too. The number is masked on its page as in the list, for everyone:
    the log is for what was asked and answered, and is read over shoulders; whoever
    must act on a number (a complaint, a stop asked by phone) follows the link to the
    subscriber, whose page only those allowed to see subscribers open."""

    list_display = ["received_at", "masked_sender", "body", "action", "reply", "reply_segments"]
    list_filter = ["action", "provider"]
    search_fields = ["body", "reply", "provider_sid"]
    exclude = ["sender"]
    readonly_fields = [
        "masked_sender",
        "subscriber",
        *(f.name for f in InboundMessage._meta.fields if f.name != "sender"),
    ]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("from"))
    def masked_sender(self, obj: InboundMessage) -> str:
        return mask_phone(obj.sender)

    @admin.display(description=_("subscriber"))
    def subscriber(self, obj: InboundMessage) -> str:
        found = Subscriber.objects.filter(phone=obj.sender).values_list("pk", flat=True).first()
        if found is None:
            return "—"
        url = reverse("admin:sms_gateway_subscriber_change", args=[found])
        return format_html('<a href="{}">{}</a>', url, _("the subscriber's page"))

    def get_readonly_fields(
        self, request: HttpRequest, obj: InboundMessage | None = None
    ) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("sms_gateway.view_subscriber"):
            fields.remove("subscriber")  # a link they could not follow
        return fields


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
