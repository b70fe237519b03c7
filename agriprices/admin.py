"""The admin is the operator's UI until the dashboard lands. Status changes go through
``services.reviewing.review_quote`` so they are recorded as events like anywhere else;
quotes are never edited or deleted here."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agriprices.audit.models import AuditEvent
from agriprices.declension import locative
from agriprices.models import (
    AgentProfile,
    Commodity,
    CommodityAlias,
    LatestPrice,
    Market,
    MarketAlias,
    Quote,
    QuoteEvent,
    Region,
    Unit,
)
from agriprices.roles import signed_in_user
from agriprices.services.recording import QuoteError
from agriprices.services.reviewing import review_quote


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LocativesPreview:
    """Shows beside a place's "in …" forms what the radio script says in each language,
    so an operator sees where the rule needs a stored form."""

    @admin.display(description=_("“in …” as the radio script says it"))
    def locatives_said(self, obj: Market | Region) -> str:
        if obj.pk is None:
            return "—"
        return format_html_join(
            "",
            "<div>{}: {}</div>",
            ((code, locative(obj, code)) for code, _n in settings.LANGUAGES),
        )


@admin.register(Region)
class RegionAdmin(LocativesPreview, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["locatives_said"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "dimension", "base_quantity"]
    list_filter = ["dimension"]
    search_fields = ["code", "name"]


class CommodityAliasInline(admin.TabularInline):
    model = CommodityAlias
    extra = 1
    fields = ["name", "language", "kind"]


@admin.register(Commodity)
class CommodityAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "base_unit"]
    list_filter = ["category", "base_unit"]
    search_fields = ["name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CommodityAliasInline]


class MarketAliasInline(admin.TabularInline):
    model = MarketAlias
    extra = 1
    fields = ["name", "language", "kind"]


@admin.register(Market)
class MarketAdmin(LocativesPreview, admin.ModelAdmin):
    list_display = ["name", "region", "district", "kind"]
    list_filter = ["region", "kind"]
    search_fields = ["name", "district", "aliases__name"]
    list_select_related = ["region"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["locatives_said"]
    inlines = [MarketAliasInline]


@admin.register(CommodityAlias)
class CommodityAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "commodity", "language", "kind"]
    list_filter = ["language", "kind"]
    search_fields = ["name", "commodity__name"]
    list_select_related = ["commodity"]


@admin.register(MarketAlias)
class MarketAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "market", "language", "kind"]
    list_filter = ["language", "kind"]
    search_fields = ["name", "market__name"]
    list_select_related = ["market"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "market_list"]
    search_fields = ["user__username", "markets__name"]
    filter_horizontal = ["markets"]
    list_filter = ["markets__region"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgentProfile]:
        return super().get_queryset(request).select_related("user").prefetch_related("markets")

    @admin.display(description=_("markets"))
    def market_list(self, obj: AgentProfile) -> str:
        return ", ".join(m.name for m in obj.markets.all())


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


class QuoteEventInline(admin.TabularInline):
    model = QuoteEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "actor", "reason"]
    readonly_fields = ["at", "from_status", "to_status", "actor", "reason"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = [
        "observed_on",
        "commodity",
        "market",
        "price",
        "currency",
        "unit",
        "price_type",
        "status",
        "status_reason",
        "source",
        "agent",
    ]
    list_filter = ["status", "source", "price_type", "market__region", "market", "commodity"]
    search_fields = ["commodity__name", "market__name", "external_id", "status_reason"]
    list_select_related = ["commodity", "market", "unit", "agent"]
    date_hierarchy = "observed_on"
    inlines = [QuoteEventInline]
    actions = ["approve", "reject"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("agriprices.view_quote")

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if not request.user.has_perm("agriprices.review_quote"):
            actions.pop("approve", None)
            actions.pop("reject", None)
        return actions

    def _review(
        self, request: HttpRequest, queryset: QuerySet[Quote], *, approve: bool, reason: str = ""
    ) -> None:
        done = 0
        for quote_id in queryset.values_list("pk", flat=True):
            try:
                review_quote(
                    quote_id=quote_id,
                    reviewer=signed_in_user(request),
                    approve=approve,
                    reason=reason,
                )
                done += 1
            except QuoteError as exc:
                self.message_user(request, f"{quote_id}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(
                request, ngettext("%d quote updated.", "%d quotes updated.", done) % done
            )

    @admin.action(description=_("Approve selected prices"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Quote]) -> None:
        self._review(request, queryset, approve=True)

    @admin.action(description=_("Reject selected prices…"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Quote]) -> HttpResponse | None:
        if "apply" in request.POST:
            form = RejectForm(request.POST)
            if form.is_valid():
                self._review(request, queryset, approve=False, reason=form.cleaned_data["reason"])
                return None
        else:
            form = RejectForm()
        return TemplateResponse(
            request,
            "admin/agriprices/quote/reject.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject prices"),
                "form": form,
                "quotes": queryset.select_related("commodity", "market", "unit"),
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(QuoteEvent)
class QuoteEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "quote", "from_status", "to_status", "actor", "reason"]
    list_filter = ["to_status", "from_status"]
    search_fields = ["reason", "quote__commodity__name", "quote__market__name"]
    list_select_related = ["quote__commodity", "quote__market", "actor"]


@admin.register(LatestPrice)
class LatestPriceAdmin(ReadOnlyAdmin):
    list_display = [
        "commodity",
        "market",
        "price_type",
        "price",
        "currency",
        "unit",
        "observed_on",
        "change_week_pct",
        "change_month_pct",
    ]
    list_filter = ["price_type", "market__region", "market", "commodity"]
    search_fields = ["commodity__name", "market__name"]
    list_select_related = ["commodity", "market", "unit"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read only, for everyone, superusers included: the trail is never edited."""

    list_display = ("at", "action", "actor_name", "subject", "detail", "address")
    list_filter = ("action",)
    search_fields = ("actor_name", "subject", "detail")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


from agriprices.collection import admin as collection_admin  # noqa: E402, F401
