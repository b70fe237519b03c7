"""Collection of prices, for operators: this round by market with each agent's last
report, the late prices, the markets flagged for missing round after round, and a weeks
× markets history; and each market's plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from agriprices.api.errors import PageBadRequest
from agriprices.collection import schedule as sched
from agriprices.collection.completeness import completeness, silent_markets, weekly_history
from agriprices.collection.models import CollectionPlan, weekday_names
from agriprices.collection.plans import MarketPlan, default_plan_since, market_plans, schedule_of
from agriprices.collection.services import (
    PlanConflict,
    PlanError,
    plan_version,
    save_plan,
)
from agriprices.models import Commodity, Market, PriceType
from telecentre import dates
from telecentre.access import needs_permission
from telecentre.forms import CollectionPlanForm
from telecentre.selectors import prices as price_pages
from telecentre.views.region import chosen_region, remember_region

#: Weeks in the history table.
HISTORY_WEEKS = 8


@needs_permission("agriprices.view_agentprofile")
def collection(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    week = _week(request.GET.get("week", ""), today)
    region = chosen_region(request)
    report = completeness(week, today=today, region=region)
    markets = report.markets
    flagged = set(report.escalated())
    # Each market's agents: those of the versions judging the week (a version taking
    # over in it may expect nothing), else of the plan shown.
    agents_of: dict[int, list[int]] = {}
    for pk, plan in report.plans.items():
        versions = [version for version, _ in report.versions_in_period(pk)] or [plan]
        agents_of[pk] = sorted(
            {a for version in versions for item in version.items for a in item.agent_ids},
            key=lambda agent: report.agents[agent].username if agent in report.agents else "",
        )
    rows = [
        {
            "market": markets[pk],
            "tally": tally,
            "streak": report.market_streaks.get(pk, 0),
            "flagged": pk in flagged,
            # The plan in force in the week shown; with a version taking over in it,
            # each, from its first day.
            "plans": [
                (version, first if n else None, _market_days(version.schedule))
                for n, (version, first) in enumerate(report.plan_changes_in_period(pk))
            ]
            or [(report.plans[pk], None, _market_days(report.plans[pk].schedule))],
            "agents": [
                (report.agents[a], report.last_reports.get(a))
                for a in agents_of.get(pk, [])
                if a in report.agents
            ],
        }
        for pk, tally in sorted(
            report.by_market.items(),
            key=lambda kv: (markets[kv[0]].region.name, markets[kv[0]].name),
        )
    ]
    judged_from = default_plan_since(today)
    periods, table, history_markets = weekly_history(
        today=today, weeks=HISTORY_WEEKS, last_week=week, region=region
    )
    # A week as its column says it ("W49"), worked out once, not in every cell.
    week_labels = [period.label[5:] for period in periods]
    history = [
        (history_markets[pk], list(zip(week_labels, table[pk], strict=True)))
        for pk in sorted(
            table, key=lambda pk: (history_markets[pk].region.name, history_markets[pk].name)
        )
    ]
    language = get_language()
    late = sorted(
        report.late,
        key=lambda item: (
            markets[item.market_id].display_name(language).casefold(),
            item.day,
            report.commodities[item.commodity_id].display_name(language).casefold(),
            item.price_type,
        ),
    )
    context = {
        "week": week,
        "previous_week": sched.week_of(week.start - timedelta(days=7)),
        "next_week": sched.week_of(week.end + timedelta(days=1)) if week.end < today else None,
        "report": report,
        "rows": rows,
        "flagged": [row for row in rows if row["flagged"]],
        # A week (partly) before the days the default plan judges: say from when.
        "default_judges_from": judged_from if week.start < judged_from else None,
        # Silent as of today: shown with the week under way.
        "silent": silent_markets(report) if week.start <= today <= week.end else [],
        "late": [
            (
                markets[i.market_id],
                report.commodities[i.commodity_id],
                PriceType(i.price_type).label,
                i.day,
            )
            for i in late
        ],
        "agents": sorted(
            (
                (
                    report.agents[pk],
                    tally,
                    report.agent_streaks.get(pk, 0),
                    report.last_reports.get(pk),
                )
                for pk, tally in report.by_agent.items()
                if pk in report.agents
            ),
            key=lambda row: row[0].username,
        ),
        "history": history,
        # The same table for a year, for a spreadsheet: the API's answer (it names no one).
        "year_csv": reverse("api:collection-history")
        + "?"
        + urlencode(
            {"weeks": 52, "week": week.label}
            | ({"region": region.slug} if region is not None else {})
            | {"format": "csv"}
        ),
        "week_labels": week_labels,
        "region": region,
        "all_regions": price_pages.regions_by_name(get_language()),
        "keep": [("week", week.label)],
    }
    return remember_region(request, render(request, "telecentre/collection.html", context))


def _market_days(schedule: sched.Schedule) -> str:
    """When a plan collects: its market days ("Tuesday, Friday"), or every N days from
    its first collection day ("every 3 days from 20 Dec")."""
    if schedule.every_days and schedule.starts_on:
        return ngettext(
            "every %(n)s day from %(day)s", "every %(n)s days from %(day)s", schedule.every_days
        ) % {"n": schedule.every_days, "day": dates.day(schedule.starts_on)}
    return weekday_names(schedule.weekdays)


def _week(text: str, today: date) -> sched.Period:
    """``?week=2026-W49``, this week when absent; a week that cannot be read or is out
    of range is a 400 naming it (as every page's parameters), never another week."""
    if not text:
        return sched.week_of(today)
    try:
        return sched.read_period("week", text, today=today)
    except sched.PeriodError as exc:
        raise PageBadRequest(_("Week: %(reason)s") % {"reason": exc.message}) from None


@needs_permission("agriprices.change_market")
def plan_edit(request: HttpRequest, ref: str) -> HttpResponse:
    # The market's slug, exactly (the pages link by it): a name that merely resembles
    # it ("osh'--") is no address of this page.
    market = Market.objects.filter(slug=ref).first()
    if market is None:
        raise Http404(_("No such market."))
    commodities = list(Commodity.objects.select_related("base_unit"))
    current = market_plans([market], today=timezone.localdate())[market.pk]
    form = CollectionPlanForm(
        request.POST or None, initial=_plan_initial(market, current), commodities=commodities
    )
    conflict = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            save_plan(
                market=market,
                kind=data["kind"],
                weekdays=data["weekdays"],
                every_days=data["every_days"],
                starts_on=data["starts_on"],
                tolerance_days=data["tolerance_days"],
                expected=form.expected(),
                actor=request.user,
                version=data["version"],
            )
        except PlanConflict as exc:
            # The values now stored, for the operator to change again: theirs were
            # made on a plan that is no longer there.
            conflict = exc.message
            current = market_plans([market], today=timezone.localdate())[market.pk]
            form = CollectionPlanForm(
                initial=_plan_initial(market, current), commodities=commodities
            )
        except PlanError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            upcoming = _upcoming(market)
            if upcoming:
                messages.success(
                    request,
                    _(
                        "Plan saved: it applies from today until %(last)s (from %(next)s, "
                        "the version made for then); the rounds before keep the plan they had."
                    )
                    % {
                        "last": dates.day(upcoming[0]["from"] - timedelta(days=1)),
                        "next": dates.day(upcoming[0]["from"]),
                    },
                )
            else:
                messages.success(
                    request,
                    _(
                        "Plan saved: it applies from today; the rounds before keep the plan "
                        "they had."
                    ),
                )
            return redirect("telecentre:collection")
    upcoming = _upcoming(market)
    return render(
        request,
        "telecentre/collection_plan.html",
        {
            "market": market,
            "form": form,
            # The plan in force today is the default one (none of its own yet, or only
            # versions to come): the form shows that plan, as it judges.
            "default": current if current.default else None,
            "conflict": conflict,
            "upcoming": upcoming,
            "until": upcoming[0]["from"] - timedelta(days=1) if upcoming else None,
        },
        status=409 if conflict else 200,
    )


def _upcoming(market: Market) -> list[dict[str, Any]]:
    """The market's versions taking effect after today, soonest first, as the plan
    page lists them: a save from today applies only until the first of them."""
    found = []
    for plan in (
        CollectionPlan.objects.filter(market=market, effective_from__gt=timezone.localdate())
        .prefetch_related("items__commodity")
        .order_by("effective_from")
    ):
        schedule = schedule_of(plan)
        found.append(
            {
                "from": plan.effective_from,
                "market_days": _market_days(schedule),
                "schedule": schedule,
                "crops": sorted(
                    {item.commodity for item in plan.items.all()},
                    key=lambda crop: crop.display_name(get_language()).casefold(),
                ),
            }
        )
    return found


def _plan_initial(market: Market, current: MarketPlan) -> dict[str, Any]:
    """The form's values: the market's plan in force today, ``current`` (its own or the
    default one), as it judges: saved unchanged, it judges the rounds to come alike."""
    initial: dict[str, Any] = {
        "kind": CollectionPlan.Kind.EVERY
        if current.schedule.every_days
        else CollectionPlan.Kind.WEEKDAYS,
        "weekdays": list(current.schedule.weekdays),
        "every_days": current.schedule.every_days,
        "starts_on": current.schedule.starts_on,
        # The default plan's too (any day of the week counts, its market day being a
        # guess): a plan saved from it unchanged must not turn the prices its agents
        # bring on another day late (helper-66). The page says so, to narrow it.
        "tolerance_days": current.schedule.tolerance,
        "version": plan_version(market),
    }
    for item in current.items:
        initial.setdefault(f"expected_{item.price_type}", []).append(str(item.commodity_id))
    return initial
