"""``GET /api/v1/collection/``: completeness of price collection for a day, a week or a
month, per market, region, agent and overall, with the late prices. Anyone may read the
markets, regions and the overall figures (a market's collection is no secret and
partners plan around it); the agents' lines name people, so they are shown only to
accounts that may view market agents (operators, or a partner account given that
permission), and an agent signed in sees their own line. ``GET
/api/v1/collection/history/``: the weeks × markets table, for up to a year; it names
no one, so anyone may read it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from agriprices.api import params as p
from agriprices.api.base import ERRORS, ApiView
from agriprices.api.caching import PricesChangeMixin, cached_until_prices_change
from agriprices.api.errors import ErrorSerializer
from agriprices.collection import schedule as sched
from agriprices.collection.completeness import (
    Completeness,
    Tally,
    completeness,
    weekly_history,
)
from agriprices.collection.schedule import Period
from agriprices.collection.streaks import STREAK_ROUNDS
from agriprices.models import Market
from agriprices.validation import askable_days

VIEW_AGENTS = "agriprices.view_agentprofile"


class CollectionPlaces(p.QueryParams):
    """The markets an answer on collection is about: a region's, or those named."""

    region = p.region_ref(required=False)
    market = p.MarketsField(help_text="One or more markets, repeated or comma-separated.")


class CollectionParams(CollectionPlaces):
    agent = serializers.CharField(
        required=False,
        max_length=150,
        help_text="An agent's username: only what they answer for. Accounts that may view "
        "market agents only (an agent may name themself).",
    )
    date = serializers.CharField(
        required=False, max_length=10, help_text="`YYYY-MM-DD`: one day's collection days."
    )
    week = serializers.CharField(
        required=False, max_length=8, help_text="`YYYY-Www`, an ISO week, e.g. 2026-W49."
    )
    month = serializers.CharField(required=False, max_length=7, help_text="`YYYY-MM`.")

    # A day, a week and a month are read by the one rule (schedule.read_period), bounded
    # alike: far-off years would overflow the calendar's arithmetic.
    def validate_date(self, value: str) -> Period:
        return _period("day", value)

    def validate_week(self, value: str) -> Period:
        return _period("week", value)

    def validate_month(self, value: str) -> Period:
        return _period("month", value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        given = [name for name in ("date", "week", "month") if name in attrs]
        if len(given) > 1:
            raise serializers.ValidationError(
                {given[1]: f"give one of date, week and month, not {' and '.join(given)}"}
            )
        chosen = [attrs.pop(name) for name in ("date", "week", "month") if name in attrs]
        attrs["period"] = chosen[0] if chosen else sched.week_of(timezone.localdate())
        return attrs


def _period(kind: str, text: str) -> Period:
    try:
        return sched.read_period(kind, text, today=timezone.localdate())
    except sched.PeriodError as exc:
        raise serializers.ValidationError(exc.message) from None


class TallySerializer(serializers.Serializer):
    expected = serializers.IntegerField()
    received = serializers.IntegerField()
    late = serializers.IntegerField()
    not_due = serializers.IntegerField(help_text="A price may still count for its round.")
    percent = serializers.IntegerField(allow_null=True, help_text="Received of expected.")


class MarketLineSerializer(TallySerializer):
    market = serializers.CharField(help_text="The market's slug.")
    name = serializers.CharField()
    region = serializers.CharField(help_text="The region's slug.")
    missed_rounds = serializers.IntegerField(
        help_text="Closed rounds in a row, newest back, in which none of the market's prices "
        "came, planned or not (a partly reported round shows as late prices instead); counted "
        f"back {STREAK_ROUNDS} rounds at most: {STREAK_ROUNDS} means as many or more."
    )
    flagged = serializers.BooleanField(help_text="missed_rounds ≥ COLLECTION_ESCALATE_AFTER.")
    default_plan = serializers.BooleanField(
        help_text="The plan in force in the period (today's for the period under way, the "
        "last day's for one past, the first day's for one to come) is the default one: no "
        "plan of its own."
    )
    collection_days = serializers.ListField(child=serializers.DateField())


class RegionLineSerializer(TallySerializer):
    region = serializers.CharField()
    name = serializers.CharField()


class AgentLineSerializer(TallySerializer):
    agent = serializers.CharField(help_text="Username.")
    missed_rounds = serializers.IntegerField(
        help_text="Closed rounds in a row, newest back, on which none of the agent's markets "
        f"that collected got a price; at most {STREAK_ROUNDS}, as for a market."
    )
    last_report = serializers.DateTimeField(allow_null=True)


class LateSerializer(serializers.Serializer):
    market = serializers.CharField()
    commodity = serializers.CharField()
    price_type = serializers.CharField()
    day = serializers.DateField(help_text="The collection day it was due for.")


class CollectionSerializer(serializers.Serializer):
    period = serializers.DictField(help_text="kind (day, week, month), label, start, end.")
    today = serializers.DateField()
    overall = TallySerializer()
    regions = RegionLineSerializer(many=True)
    markets = MarketLineSerializer(many=True)
    agents = AgentLineSerializer(
        many=True,
        required=False,
        help_text=(
            "Only for accounts that may view market agents, and for an agent asking about "
            "themselves (`agent=` their own name): their own line."
        ),
    )
    late = LateSerializer(many=True)


def _tally(tally: Tally) -> dict[str, Any]:
    return {
        "expected": tally.expected,
        "received": tally.received,
        "late": tally.late,
        "not_due": tally.not_due,
        "percent": tally.percent,
    }


def _market(market: Market) -> dict[str, str]:
    """A market as every collection answer names it."""
    return {"market": market.slug, "name": market.name, "region": market.region.slug}


def collection_document(report: Completeness, *, agents: bool) -> dict[str, Any]:
    """The answer as CollectionSerializer describes it (the schema), in its fields'
    order, without its pass over every market's line (a tenth of a week's answer of
    every market): dates are written by the JSON renderer as DRF's fields write them, a
    report's time by the field itself (in the service's time zone)."""
    markets = report.markets
    period = report.period
    flagged = set(report.escalated())
    document: dict[str, Any] = {
        "period": {
            "kind": period.kind,
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "today": report.today,
        "overall": _tally(report.overall),
        "regions": [
            {**_tally(report.by_region[pk]), "region": region.slug, "name": region.name}
            for pk, region in sorted(report.regions.items(), key=lambda kv: kv[1].name)
            if pk in report.by_region
        ],
        "markets": [
            {
                **_tally(tally),
                **_market(market),
                "missed_rounds": report.market_streaks.get(pk, 0),
                "flagged": pk in flagged,
                "default_plan": report.plans[pk].default,
                "collection_days": report.rounds[pk],
            }
            for pk, tally in sorted(
                report.by_market.items(),
                key=lambda kv: (markets[kv[0]].region.name, markets[kv[0]].name),
            )
            for market in [markets[pk]]
        ],
    }
    if agents:
        document["agents"] = [
            {
                **_tally(tally),
                "agent": report.agents[pk].username,
                "missed_rounds": report.agent_streaks.get(pk, 0),
                "last_report": _last_report(report.last_reports.get(pk)),
            }
            for pk, tally in sorted(
                report.by_agent.items(), key=lambda kv: report.agents[kv[0]].username
            )
            if pk in report.agents
        ]
    document["late"] = [
        {
            "market": markets[item.market_id].slug,
            "commodity": report.commodities[item.commodity_id].slug,
            "price_type": item.price_type,
            "day": item.day,
        }
        for item in report.late
    ]
    return document


def _last_report(at: datetime | None) -> str | None:
    return None if at is None else serializers.DateTimeField().to_representation(at)


class Collection(ApiView):
    params_class = CollectionParams
    serializer_class = CollectionSerializer

    @extend_schema(
        summary="Completeness of price collection",
        description=(
            "For a day (`date`), an ISO week (`week`, default this week) or a month "
            "(`month`): each planned price (market, commodity, price type) of each "
            "collection day is received (a price held for review or approved within the "
            "plan's tolerance of the day, the nearer round's), late (the round closed without "
            "one: no price from then on counts for it) or not yet "
            "due (each day judged by the version of the market's plan in force that day; "
            "before its first, by the default plan: what the market reported in the last "
            "90 days, weekly, judging those 90 days only, from its first price in them, "
            "each crop from its own first price in them). "
            "A market expecting nothing in the period is not listed. Counted per region, "
            "market and "
            "overall, with the rounds missed in a row "
            "per market. The agents' lines only for accounts that may view market agents, "
            "and an agent's own line for that agent. "
            "`format=csv` gives one row per market."
        ),
        parameters=[CollectionParams],
        responses={
            200: CollectionSerializer,
            **ERRORS,
            401: OpenApiResponse(ErrorSerializer, description="`agent` without signing in."),
            403: OpenApiResponse(ErrorSerializer, description="`agent` of someone else."),
        },
    )
    def get(self, request: Request) -> Response:
        query = self.params().validated_data
        user = request.user
        may_view = user.is_authenticated and user.has_perm(VIEW_AGENTS)
        agent = _agent(query.get("agent"), user, may_view=may_view)
        shows_agents = may_view or agent is not None
        report = completeness(
            query["period"],
            today=timezone.localdate(),
            region=query.get("region"),
            markets=query.get("market") or None,
            agent=agent,
            by_agent=shows_agents,
        )
        document = collection_document(report, agents=shows_agents)
        if request.accepted_renderer.format == "csv":
            # Each row says its period, and true/false as the JSON does.
            return Response(
                [
                    {"period": report.period.label}
                    | {
                        k: ("true" if v else "false") if isinstance(v, bool) else v
                        for k, v in line.items()
                        if k != "collection_days"
                    }
                    | {"collection_days": " ".join(str(d) for d in line["collection_days"])}
                    for line in document["markets"]
                ]
            )
        return Response(document)


def _agent(name: str | None, user: Any, *, may_view: bool) -> User | None:
    """The agent ``agent=`` names, once the reader may ask about them: whether a name
    is an agent's is itself worth knowing, so a reader who may not ask learns nothing
    of it (signed out: 401; someone else's name: 403, whether or not it exists)."""
    if name is None:
        return None
    if not user.is_authenticated:
        raise NotAuthenticated({"agent": "sign in (a token) to ask about an agent"})
    if not may_view and name != user.get_username():
        raise PermissionDenied({"agent": "only operators may ask about another agent"})
    agent = User.objects.filter(username=name, agent_profile__isnull=False).first()
    if agent is None:
        raise serializers.ValidationError(
            {"agent": [f"no agent called {name[:60]!r}"]}, code="unknown"
        )
    return agent


#: Weeks one history answer holds at most: a year.
MAX_HISTORY_WEEKS = 52


class HistoryParams(CollectionPlaces):
    weeks = p.CountField(
        required=False,
        default=8,
        min_value=1,
        max_value=MAX_HISTORY_WEEKS,
        help_text=f"How many weeks, 1 to {MAX_HISTORY_WEEKS} (a year); default 8.",
    )
    week = serializers.CharField(
        required=False,
        max_length=8,
        help_text="`YYYY-Www`: the last week shown (default this week).",
    )

    def validate_week(self, value: str) -> Period:
        return _period("week", value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        last = attrs.get("week") or sched.week_of(timezone.localdate())
        first = last.start - timedelta(weeks=attrs["weeks"] - 1)
        earliest, _latest = askable_days(timezone.localdate())
        if first < earliest:
            raise serializers.ValidationError(
                {"weeks": f"the weeks asked start before {earliest.isoformat()}"}
            )
        return attrs


class HistoryWeekSerializer(serializers.Serializer):
    week = serializers.CharField(help_text="`YYYY-Www`.")
    start = serializers.DateField()
    end = serializers.DateField()


class HistoryMarketSerializer(serializers.Serializer):
    market = serializers.CharField(help_text="The market's slug.")
    name = serializers.CharField()
    region = serializers.CharField(help_text="The region's slug.")
    weeks = TallySerializer(many=True, help_text="One per week, in the order of `weeks`.")


class HistorySerializer(serializers.Serializer):
    today = serializers.DateField()
    weeks = HistoryWeekSerializer(many=True)
    markets = HistoryMarketSerializer(many=True)


class CollectionHistory(PricesChangeMixin, ApiView):
    """A year of every market is counted from about 700,000 prices: the answer is kept in
    the shared cache until anything it counts changes (any price, held or reviewed, the
    catalogue, a plan) or the day does (a round closes by itself), as rendered bytes."""

    params_class = HistoryParams
    serializer_class = HistorySerializer

    @extend_schema(
        summary="Completeness of price collection, week by week",
        description=(
            "The weeks × markets table of the operators' collection page, for up to a year: "
            "each market's planned prices of each week's collection days, counted as "
            "`/api/v1/collection/` counts them (received, late, not yet due). The weeks "
            "end with `week` (default this week), oldest first. `format=csv` gives one row "
            "per market and week."
        ),
        parameters=[HistoryParams],
        responses={200: HistorySerializer, **ERRORS},
    )
    @cached_until_prices_change
    def get(self, request: Request) -> Response:
        query = self.params().validated_data
        today = timezone.localdate()
        periods, table, markets = weekly_history(
            today=today,
            weeks=query["weeks"],
            last_week=query.get("week"),
            region=query.get("region"),
            markets=query.get("market") or None,
        )
        ordered = sorted(table, key=lambda pk: (markets[pk].region.name, markets[pk].name))
        if request.accepted_renderer.format == "csv":
            return Response(
                [
                    {
                        **_market(markets[pk]),
                        "week": period.label,
                        **_tally(tally),
                    }
                    for pk in ordered
                    for period, tally in zip(periods, table[pk], strict=True)
                ]
            )
        # As HistorySerializer describes it (the schema), without its pass: a year of
        # every market is 13,000 tallies, 150 ms of DRF's fields in a cold answer.
        return Response(
            {
                "today": today,
                "weeks": [
                    {"week": period.label, "start": period.start, "end": period.end}
                    for period in periods
                ],
                "markets": [
                    {
                        **_market(markets[pk]),
                        "weeks": [_tally(tally) for tally in table[pk]],
                    }
                    for pk in ordered
                ],
            }
        )
