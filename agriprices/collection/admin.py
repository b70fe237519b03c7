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


class PlannedItemInline(admin.TabularInline):
    model = PlannedItem
    extra = 3
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
