from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sms_gateway.phones import mask_phone
from voice.models import OutboundCall, RecordedClip, RefusedCallbacks


@admin.register(RecordedClip)
class RecordedClipAdmin(admin.ModelAdmin):
    """Recordings are uploaded on the voice clips page, which checks and normalises them."""

    list_display = ["language", "text", "duration_ms", "recorded_by", "created_at"]
    list_filter = ["language"]
    search_fields = ["text"]
    readonly_fields = ["file_name", "duration_ms", "recorded_by", "created_at"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001 - the admin's signature
        return False


@admin.register(OutboundCall)
class OutboundCallAdmin(admin.ModelAdmin):
    list_display = ["created_at", "masked_to", "status", "attempts", "last_error", "placed_at"]
    list_filter = ["status"]
    exclude = ["to"]
    readonly_fields = [f.name for f in OutboundCall._meta.fields if f.name != "to"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001 - the admin's signature
        return False

    @admin.display(description=_("to"))
    def masked_to(self, obj: OutboundCall) -> str:
        return mask_phone(obj.to)


@admin.register(RefusedCallbacks)
class RefusedCallbacksAdmin(admin.ModelAdmin):
    """Missed calls refused a callback because the service's were spent, by day."""

    list_display = ["day", "refused", "first_at", "told_at"]
    readonly_fields = ["day", "refused", "first_at", "told_at"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001 - the admin's signature
        return False
