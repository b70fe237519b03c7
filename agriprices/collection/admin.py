"""The collection plan in the admin: a market's schedule with its expected prices inline
(registered by ``agriprices.admin``)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from agriprices.collection.models import (
    WEEKDAY_CHOICES,
    CollectionPlan,
    PlannedItem,
    weekday_names,
)
from agriprices.collection.services import (
    delete_plans,
    describe,
    judged_days_past,
    lock_plan,
    plan_version,
    record_change,
    version_before,
)
from agriprices.forms import AsciiDateField, IsoDateInput

#: Why a save on a plan changed since its form was opened was refused, as the dashboard
#: says it: the form is shown again with the plan as it now is.
STALE = _(
    "Someone changed this plan since you opened it. Its current values are shown: make "
    "your changes again and save."
)


class PlannedItemForm(forms.ModelForm):
    """A planned price of the plan being saved (``plan``, the formset's)."""

    def __init__(self, *args: Any, plan: CollectionPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan

    def validate_unique(self) -> None:
        # On a plan changed since it was read, a price added by the change may be
        # stored already (the same save sent twice): PlannedItemsFormSet judges it.
        if not getattr(self.plan, "changed_since_read", False):
            super().validate_unique()


class PlannedItemsFormSet(BaseInlineFormSet):
    """The plan's prices; of a plan someone changed since the form was opened (in the
    dashboard, another tab, a second tap on Save), the save is refused, unless it is
    that very change: then nothing more is saved, and the operator is told it was."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return super().get_form_kwargs(index) | {"plan": self.instance}

    def clean(self) -> None:
        super().clean()
        plan = self.instance
        if not getattr(plan, "changed_since_read", False):
            return
        kept = [
            form.instance
            for form in self.forms
            if form.cleaned_data.get("commodity") and not form.cleaned_data.get("DELETE")
        ]
        stored = CollectionPlan.objects.get(pk=plan.pk)
        if not _same(describe(stored), describe(plan, kept)):
            # Nothing is saved; the admin shows the plan as it now is (changeform_view).
            plan.refused_as_stale = True
            raise forms.ValidationError(STALE, code="stale")
        plan.saved_already = True


class PlannedItemInline(admin.TabularInline):
    model = PlannedItem
    form = PlannedItemForm
    formset = PlannedItemsFormSet
    extra = 3
    # A plan expecting nothing would drop its market from every completeness count.
    min_num = 1
    validate_min = True
    fields = ["commodity", "price_type", "agent"]
    autocomplete_fields = ["commodity"]


class CollectionPlanForm(forms.ModelForm):
    """Weekdays as checkboxes, stored as their digits ("14": Tuesday and Friday); the
    market's plan as the form was opened (``version``), so that a save made on a plan
    changed since (in the dashboard, another tab) is refused, as the dashboard's is."""

    version = forms.CharField(required=False, widget=forms.HiddenInput)

    weekdays = forms.TypedMultipleChoiceField(
        label=_("weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    effective_from = AsciiDateField(
        label=_("takes effect"),
        required=False,
        help_text=_("Empty: today. The days before keep the plan they had."),
    )

    class Meta:
        model = CollectionPlan
        fields = [
            "market",
            "effective_from",
            "kind",
            "weekdays",
            "every_days",
            "starts_on",
            "tolerance_days",
        ]
        field_classes = {"starts_on": AsciiDateField}
        # The browser's date picker, not the admin's calendar: that writes the day in the
        # language's format (06.12.2026), which a day field refuses (AsciiDateField).
        widgets = {"starts_on": IsoDateInput}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["weekdays"] = list(self.instance.weekday_numbers)
            self.initial["version"] = plan_version(self.instance.market)

    def clean_effective_from(self) -> date:
        # The past keeps the plan it was judged by: a version starts today or later.
        today = timezone.localdate()
        day = self.cleaned_data.get("effective_from") or today
        if day < today:
            raise forms.ValidationError(
                _("A plan takes effect today or later: the days before keep the plan they had.")
            )
        return day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk:
            # The admin saves in one transaction: the market stays locked until this
            # form and its prices are saved, so the plan compared is the one replaced.
            market = self.instance.market
            lock_plan(market)
            # Refused or not once its prices are read (PlannedItemsFormSet).
            self.instance.changed_since_read = cleaned.get("version", "") != plan_version(market)
        return cleaned

    def clean_weekdays(self) -> str:
        return "".join(str(day) for day in sorted(set(self.cleaned_data["weekdays"])))

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # Django's, untyped
        # The model speaks of digits (its stored form); here they are checkboxes.
        if "weekdays" in self.errors and self.cleaned_data.get("kind") == "weekdays":
            self.errors["weekdays"] = self.error_class([str(_("Tick at least one market day."))])


@admin.register(CollectionPlan)
class CollectionPlanAdmin(admin.ModelAdmin):
    """A market's plan versions. Changing the version in force saves the change as a
    new version taking effect today (the one it replaces keeps judging the days before:
    the past is not rewritten); a version taking effect today or later is changed in
    place; versions replaced since are read only."""

    form = CollectionPlanForm
    list_display = [
        "market",
        "effective_from",
        "kind",
        "market_days",
        "every_days",
        "tolerance_days",
        "updated_at",
    ]
    list_filter = ["kind", "market__region"]
    search_fields = ["market__name"]
    autocomplete_fields = ["market"]
    inlines = [PlannedItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CollectionPlan]:
        return super().get_queryset(request).select_related("market")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fields = list(super().get_fields(request, obj))
        if obj is None or self.has_change_permission(request, obj):
            return fields
        # Read only (a version replaced, or a reader who may only view plans): the form's
        # version token guards a save that cannot be made, so it is no row; the market
        # days read as names, not as the digits they are stored in.
        return [("market_days" if f == "weekdays" else f) for f in fields if f != "version"]

    @admin.display(description=_("weekdays"), ordering="weekdays")
    def market_days(self, obj: CollectionPlan) -> str | None:
        # None, not "": the admin shows its dash for a plan of every N days.
        return weekday_names(obj.weekday_numbers) or None

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A version's market and day are what it is: another day is another version.
        return ["market", "effective_from"] if obj is not None and obj.pk else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and _replaced(obj) is not None:
            return False
        return super().has_change_permission(request, obj)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # A version replaced while its form was open (someone saved a version from
        # today meanwhile): Django answers the save with a bare 403, as the permission
        # above says. The operator gets the change form back instead, as the version now
        # reads (read only, by that same permission), saying why nothing was saved and
        # where the version in force is, as a form made stale by a change is answered.
        if request.method == "POST" and object_id is not None:
            plan = self.get_object(request, unquote(object_id))
            in_force = _replaced(plan) if plan is not None else None
            if in_force is not None and super().has_change_permission(request, plan):
                url = reverse(
                    f"{self.admin_site.name}:agriprices_collectionplan_change",
                    args=[in_force.pk],
                )
                messages.error(
                    request,
                    format_html(
                        gettext(
                            "This version of the plan was replaced meanwhile by {version}, "
                            "in force now: nothing was saved here. Open it: if it does not "
                            "hold your change yet, make it there."
                        ),
                        # Named as the plan's str() names it, but with its market's
                        # name in the reader's language (str() has the stored one).
                        version=format_html(
                            '<a href="{}">{} ({})</a>',
                            url,
                            in_force.market.display_name(get_language()),
                            in_force.effective_from,
                        ),
                    ),
                )
                return self._shown_as_now(request, object_id, form_url, extra_context)
        response = super().changeform_view(request, object_id, form_url, extra_context)
        # Refused as made on a plan changed since (PlannedItemsFormSet): the operator's
        # values would hide what the plan now is, and the reason would sit at the prices.
        context = getattr(response, "context_data", None) or {}
        plan = getattr(getattr(context.get("adminform"), "form", None), "instance", None)
        if request.method == "POST" and getattr(plan, "refused_as_stale", False):
            messages.error(request, STALE)
            return self._shown_as_now(request, object_id, form_url, extra_context)
        return response

    def _shown_as_now(
        self,
        request: HttpRequest,
        object_id: str | None,
        form_url: str,
        extra_context: dict[str, Any] | None,
    ) -> HttpResponse:
        """The change form as the plan now reads, for a save that was refused."""
        shown = copy.copy(request)
        shown.method = "GET"
        return super().changeform_view(shown, object_id, form_url, extra_context)

    # Audited as a change made in the dashboard is (services.record_change): the plan as
    # it was is read before the form saves it and its prices, then compared.
    def save_model(
        self, request: HttpRequest, obj: CollectionPlan, form: Any, change: bool
    ) -> None:
        if getattr(obj, "saved_already", False):
            return
        previous = (
            CollectionPlan.objects.select_related("market").filter(pk=obj.pk).first()
            if obj.pk
            else None
        )
        today = timezone.localdate()
        # A version added is compared with the one it takes over from (in force the day
        # before it takes effect), not with the default plan.
        replaced = (
            previous if previous is not None else version_before(obj.market, obj.effective_from)
        )
        request._plan_before = describe(replaced)  # type: ignore[attr-defined]
        if previous is None or previous.effective_from >= today:
            super().save_model(request, obj, form, change)
            return
        # The version in force since an earlier day: this row becomes today's version
        # (the inline prices below are saved onto it) and a copy of it as it was keeps
        # judging the days before.
        items = list(previous.items.all())
        obj.effective_from = today
        super().save_model(request, obj, form, change)
        previous.pk = None
        previous.save()
        PlannedItem.objects.bulk_create(
            [
                PlannedItem(
                    plan=previous,
                    commodity_id=item.commodity_id,
                    price_type=item.price_type,
                    agent_id=item.agent_id,
                )
                for item in items
            ]
        )
        request._plan_kept = previous  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if getattr(form.instance, "saved_already", False):
            return
        super().save_related(request, form, formsets, change)
        plan = form.instance
        before = getattr(request, "_plan_before", {})
        kept = getattr(request, "_plan_kept", None)
        after = describe(plan)
        if kept is not None and _same(describe(kept), after):
            # Saved unchanged: no new version, the one in force stays as it was.
            day = kept.effective_from
            kept.delete()
            plan.effective_from = day
            plan.save(update_fields=["effective_from"])
            after = describe(plan)
        if before != after:  # saved unchanged: nothing to audit
            record_change(request.user, plan.market, before, after)

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> list[dict[str, Any]]:
        if getattr(form.instance, "saved_already", False):
            return []  # the admin's history: "No fields changed."
        return super().construct_change_message(request, form, formsets, add)

    # A version that judged days past cannot be deleted (services.delete_plans says
    # why); the admin hides its delete button, and "delete selected" names it as not
    # deletable, through this.
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and judged_days_past(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: CollectionPlan) -> None:
        delete_plans([obj], actor=request.user)

    # "Delete selected" goes through here, not delete_model: each plan is audited too.
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CollectionPlan]) -> None:
        delete_plans(queryset, actor=request.user)


def _replaced(plan: CollectionPlan) -> CollectionPlan | None:
    """The market's version in force today when it is newer than ``plan`` (None: it is
    not): ``plan`` then only judges days past, and stays as it was."""
    return (
        CollectionPlan.objects.filter(
            market_id=plan.market_id,
            effective_from__gt=plan.effective_from,
            effective_from__lte=timezone.localdate(),
        )
        .order_by("-effective_from")
        .first()
    )


def _same(before: dict[str, str], after: dict[str, str]) -> bool:
    """The same plan, whatever day each takes effect."""
    return {k: v for k, v in before.items() if k != "from"} == {
        k: v for k, v in after.items() if k != "from"
    }
