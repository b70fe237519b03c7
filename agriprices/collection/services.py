"""Writing a market's plan: the schedule and the prices expected, in one transaction.
Every bad input raises ``PlanError`` naming the field, and then nothing changed."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.models import Commodity, Market, PriceType


class PlanError(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def save_plan(
    *,
    market: Market,
    kind: str,
    weekdays: Collection[int] = (),
    every_days: int | None = None,
    starts_on: date | None = None,
    tolerance_days: int = 1,
    expected: Collection[tuple[Commodity, str]] = (),
) -> CollectionPlan:
    """Set ``market``'s plan: collected on ``weekdays`` (kind "weekdays") or every
    ``every_days`` days from ``starts_on`` (kind "every"), a price within
    ``tolerance_days`` of a collection day counting for it, and the (commodity, price
    type) pairs expected. Prices kept in the plan keep the agent named for them; saving
    the same plan again changes nothing but its time."""
    if kind not in CollectionPlan.Kind.values:
        raise PlanError(f"unknown schedule {kind!r}", field="kind")
    for _, price_type in expected:
        if price_type not in PriceType.values:
            raise PlanError(f"unknown price type {price_type!r}", field="expected")
    with transaction.atomic():
        plan = CollectionPlan.objects.select_for_update().filter(market=market).first()
        plan = plan or CollectionPlan(market=market)
        plan.kind = kind
        plan.weekdays = "".join(str(day) for day in sorted(set(weekdays)))
        plan.every_days = every_days
        plan.starts_on = starts_on
        plan.tolerance_days = tolerance_days
        try:
            plan.clean()
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()), ("kind", [str(exc)]))
            raise PlanError(
                " ".join(messages), field=None if field == "__all__" else field
            ) from exc
        plan.save()
        wanted = {(commodity.pk, price_type) for commodity, price_type in expected}
        kept = set()
        for item in plan.items.all():
            if (item.commodity_id, item.price_type) in wanted:
                kept.add((item.commodity_id, item.price_type))
            else:
                item.delete()
        PlannedItem.objects.bulk_create(
            [
                PlannedItem(plan=plan, commodity_id=commodity_id, price_type=price_type)
                for commodity_id, price_type in sorted(wanted - kept)
            ]
        )
    return plan
