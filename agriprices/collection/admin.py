"""The collection plan in the admin: a market's schedule with its expected prices inline
(registered by ``agriprices.admin``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from agriprices.collection.models import WEEKDAY_CHOICES, CollectionPlan, PlannedItem
from agriprices.collection.services import delete_plans, describe, record_change


class PlannedItemInline(admin.TabularInline):
    model = PlannedItem
    extra = 3
    # A plan expecting nothing would drop its market from every completeness count.
    min_num = 1
    validate_min = True
    fields = ["commodity", "price_type", "agent"]
    autocomplete_fields = ["commodity"]


class CollectionPlanForm(forms.ModelForm):
    """Weekdays as checkboxes, stored as their digits ("14": Tuesday and Friday)."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CollectionPlan
        fields = ["market", "kind", "weekdays", "every_days", "starts_on", "tolerance_days"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["weekdays"] = list(self.instance.weekday_numbers)

    def clean_weekdays(self) -> str:
        return "".join(str(day) for day in sorted(set(self.cleaned_data["weekdays"])))

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # Django's, untyped
        # The model speaks of digits (its stored form); here they are checkboxes.
        if "weekdays" in self.errors and self.cleaned_data.get("kind") == "weekdays":
            self.errors["weekdays"] = self.error_class([str(_("Tick at least one market day."))])


@admin.register(CollectionPlan)
class CollectionPlanAdmin(admin.ModelAdmin):
    form = CollectionPlanForm
    list_display = ["market", "kind", "weekdays", "every_days", "tolerance_days", "updated_at"]
    list_filter = ["kind", "market__region"]
    search_fields = ["market__name"]
    autocomplete_fields = ["market"]
    inlines = [PlannedItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CollectionPlan]:
        return super().get_queryset(request).select_related("market")

    # Audited as a change made in the dashboard is (services.record_change): the plan as
    # it was is read before the form saves it and its prices, then compared.
    def save_model(
        self, request: HttpRequest, obj: CollectionPlan, form: Any, change: bool
    ) -> None:
        previous = CollectionPlan.objects.filter(pk=obj.pk).first() if obj.pk else None
        request._plan_before = describe(previous)  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        plan = form.instance
        before = getattr(request, "_plan_before", {})
        record_change(request.user, plan.market, before, describe(plan))

    def delete_model(self, request: HttpRequest, obj: CollectionPlan) -> None:
        delete_plans([obj], actor=request.user)

    # "Delete selected" goes through here, not delete_model: each plan is audited too.
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CollectionPlan]) -> None:
        delete_plans(queryset, actor=request.user)
