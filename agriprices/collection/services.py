"""Writing a market's plan: the schedule and the prices expected, in one transaction,
with an audit row saying who changed what. Every bad input raises ``PlanError`` naming
the field, and then nothing changed; a plan changed by someone else since the editor
read it raises ``PlanConflict`` (two tabs must not silently undo each other)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agriprices.audit.models import AuditAction
from agriprices.audit.services import record as audit
from agriprices.collection.models import CollectionPlan, PlannedItem
from agriprices.models import Commodity, Market, PriceType


class PlanError(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PlanConflict(PlanError):
    """The plan changed since the editor read it: nothing was saved."""


def lock_plan(market: Market) -> None:
    """Take the market's row as the lock on its plan until the transaction ends: two
    editors (the dashboard, the admin) take turns, and the plan read is current."""
    Market.objects.select_for_update().filter(pk=market.pk).first()


def plan_version(market: Market) -> str:
    """What an editor read of ``market``'s plan: each version and its last change, ""
    for a market without a plan. Any version made, changed or deleted since (a future
    one too, or today's while a future one exists) changes it."""
    rows = (
        CollectionPlan.objects.filter(market=market)
        .order_by("effective_from")
        .values_list("pk", "updated_at")
    )
    return ";".join(f"{pk}@{updated_at.isoformat()}" for pk, updated_at in rows)


def save_plan(
    *,
    market: Market,
    kind: str,
    weekdays: Collection[int] = (),
    every_days: int | None = None,
    starts_on: date | None = None,
    tolerance_days: int = 1,
    expected: Collection[tuple[Commodity, str]] = (),
    actor: AbstractBaseUser | AnonymousUser | None = None,
    version: str | None = None,
    effective_from: date | None = None,
) -> CollectionPlan:
    """Set ``market``'s plan from ``effective_from`` (default: today, so today's round
    is judged by it): collected on ``weekdays`` (kind "weekdays") or every
    ``every_days`` days from ``starts_on`` (kind "every"), a price within
    ``tolerance_days`` of a collection day counting for it, and the (commodity, price
    type) pairs expected — at least one: a plan expecting nothing would drop the market
    from every completeness count. The days before keep the version they had: this
    saves a new version, or changes the one taking effect that very day. Prices kept
    in the plan keep the agent named for them. With ``version`` (``plan_version`` of
    the market as the editor read it), a plan changed since is refused with
    ``PlanConflict``. The change is audited as ``actor``'s; a plan saved as it already
    is changes nothing (no new version, no audit row)."""
    if kind not in CollectionPlan.Kind.values:
        raise PlanError(f"unknown schedule {kind!r}", field="kind")
    for _commodity, price_type in expected:
        if price_type not in PriceType.values:
            raise PlanError(f"unknown price type {price_type!r}", field="expected")
    day = effective_from or timezone.localdate()
    with transaction.atomic():
        # The market's row is the lock: two editors of a market without a version yet
        # (or about to make one) take turns, and the newest version read is current.
        lock_plan(market)
        read = plan_version(market)
        found = (
            CollectionPlan.objects.filter(market=market, effective_from__lte=day)
            .order_by("-effective_from")
            .first()
        )
        before = describe(found)
        agents = (
            {(item.commodity_id, item.price_type): item.agent_id for item in found.items.all()}
            if found is not None
            else {}
        )
        stored = _terms(found, agents) if found is not None else None
        if found is not None and found.effective_from == day:
            plan = found
        else:
            plan = CollectionPlan(market=market, effective_from=day)
        plan.kind = kind
        plan.weekdays = "".join(str(weekday) for weekday in sorted(set(weekdays)))
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
        if not expected:
            raise PlanError(_("Tick at least one crop expected at the market."), field="expected")
        wanted = {(commodity.pk, price_type) for commodity, price_type in expected}
        if found is not None and stored == _terms(plan, wanted):
            # Nothing to change: a save of the plan as it is, or the same save again (a
            # double tap, a resent form), which is nobody else's change to warn of.
            return found
        if version is not None and version != read:
            raise PlanConflict(
                _(
                    "Someone changed this plan since you opened it. Its current values are "
                    "shown: make your changes again and save."
                )
            )
        plan.save()
        kept = set()
        for item in plan.items.all():
            if (item.commodity_id, item.price_type) in wanted:
                kept.add((item.commodity_id, item.price_type))
            else:
                item.delete()
        PlannedItem.objects.bulk_create(
            [
                PlannedItem(
                    plan=plan,
                    commodity_id=commodity_id,
                    price_type=price_type,
                    agent_id=agents.get((commodity_id, price_type)),
                )
                for commodity_id, price_type in sorted(wanted - kept)
            ]
        )
        record_change(actor, market, before, describe(plan))
    return plan


def _terms(plan: CollectionPlan, expected: Collection[tuple[int, str]]) -> tuple[object, ...]:
    """What a version says: its schedule, its tolerance and the (commodity id, price
    type) pairs it expects."""
    return (
        plan.kind,
        plan.weekdays,
        plan.every_days,
        plan.starts_on,
        plan.tolerance_days,
        frozenset(expected),
    )


def judged_days_past(plan: CollectionPlan) -> bool:
    """Whether the version took effect before today: the days since were judged by it,
    and deleting it would judge them again by another (history rewritten)."""
    return plan.effective_from < timezone.localdate()


def delete_plans(
    plans: Iterable[CollectionPlan], *, actor: AbstractBaseUser | AnonymousUser | None
) -> int:
    """Delete ``plans`` (their markets go back to the plan before, or the default one),
    each audited as a change to nothing, as a single delete is, whatever path deletes
    them (the admin's "delete selected" too). Returns how many were deleted. A version
    that judged days past is refused (PlanError), and then nothing is deleted: a plan
    that should end is replaced by a new version from today."""
    with transaction.atomic():
        rows = list(
            CollectionPlan.objects.select_for_update()
            .filter(pk__in=[plan.pk for plan in plans])
            .select_related("market")
            .order_by("pk")
        )
        past = [plan for plan in rows if judged_days_past(plan)]
        if past:
            raise PlanError(
                _(
                    "The plan of %(market)s from %(day)s judged days that have passed: "
                    "deleting it would change them. Save a new version from today instead."
                )
                % {"market": past[0].market, "day": past[0].effective_from.isoformat()}
            )
        # Described before the rows go: their prices are deleted with them.
        described = [(plan.market, plan.effective_from, describe(plan)) for plan in rows]
        CollectionPlan.objects.filter(pk__in=[plan.pk for plan in rows]).delete()
        for market, day, before in described:
            # What judges its days now: the version before it (or the default plan).
            after = describe(version_before(market, day))
            record_change(actor, market, before, after, deleted=True)
    return len(rows)


def version_before(market: Market, day: date) -> CollectionPlan | None:
    """The market's version in force the day before ``day`` (None: the default plan):
    what a version taking effect on ``day`` replaces, or what takes over its days when
    it is deleted."""
    return (
        CollectionPlan.objects.filter(market=market, effective_from__lt=day)
        .order_by("-effective_from")
        .first()
    )


def describe(
    plan: CollectionPlan | None, items: Iterable[PlannedItem] | None = None
) -> dict[str, str]:
    """A plan in the words its audit row uses: the schedule, the tolerance, and each
    expected price ("potatoes retail"); ``items``: its prices as an editor is about to
    save them (default: as stored)."""
    if plan is None or plan.pk is None:
        return {}
    if plan.kind == CollectionPlan.Kind.EVERY:
        schedule = f"every {plan.every_days} days from {plan.starts_on}"
    else:
        schedule = f"weekdays {plan.weekdays}"
    described = {
        "from": plan.effective_from.isoformat(),
        "schedule": schedule,
        "tolerance": f"{plan.tolerance_days} days",
    }
    if items is None:
        items = plan.items.select_related("commodity", "agent").order_by("pk")
    for item in items:
        key = f"{item.commodity.slug} {item.price_type}"
        described[key] = item.agent.get_username() if item.agent else "expected"
    return described


def record_change(
    actor: AbstractBaseUser | AnonymousUser | None,
    market: Market,
    before: dict[str, str],
    after: dict[str, str],
    *,
    deleted: bool = False,
) -> None:
    """The audit row of one change to ``market``'s plan: who, the market, and each
    thing changed ("schedule: weekdays 0 -> 14; + onions wholesale; - beans retail"),
    ``before`` and ``after`` being the plans in force ({}: the default one). With
    ``deleted``, ``before`` is the version deleted and ``after`` the one in force on
    its days now."""
    changes = []
    if deleted:
        # A version deleted: its days go to the version before (or the default plan).
        changes.append(f"deleted the version from {before['from']}")
    elif after.get("from") and before.get("from") != after.get("from"):
        # A new version: the day it takes effect (the days before keep theirs).
        changes.append(f"from {after['from']}")
    header = {"from", "schedule", "tolerance"}
    for key in ("schedule", "tolerance"):
        if before.get(key) != after.get(key):
            changes.append(f"{key}: {before.get(key, 'default')} -> {after.get(key, 'default')}")
    for key in sorted(set(before) | set(after) - header):
        if key in header or before.get(key) == after.get(key):
            continue
        if key not in before:
            changes.append(f"+ {key}")
        elif key not in after:
            changes.append(f"- {key}")
        else:
            changes.append(f"{key}: {before[key]} -> {after[key]}")
    audit(
        AuditAction.PLAN_CHANGED,
        actor=actor,
        subject=f"collection plan {market.slug}",
        detail="; ".join(changes) or "saved unchanged",
    )
