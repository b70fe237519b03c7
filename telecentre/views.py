"""The telecentre dashboard: server-rendered pages that work without JavaScript. Views
read through selectors, write through services, and stay thin."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agriprices import spreadsheet
from agriprices.models import LatestPrice, PriceType, Quote, Region
from agriprices.periods import period_start
from agriprices.roles import signed_in_user
from agriprices.selectors.catalogue import (
    commodities,
    commodity_by_ref,
    market_by_ref,
    region_by_ref,
)
from agriprices.selectors.latest import latest_prices
from agriprices.services.recording import QuoteError, outlier_verdict, record_quote
from agriprices.services.reviewing import review_quote
from agriprices.validation import price_per_base_unit
from agriprices.warnings.queries import with_warnings
from sms_gateway.segments import count_segments
from sms_gateway.services import simulate_sms, simulate_ussd
from telecentre import charts, maps, radio, trends
from telecentre import selectors as pages
from telecentre.access import needs_permission
from telecentre.forms import (
    BulletinForm,
    PriceEntryForm,
    PriceFilterForm,
    PublishForm,
    ReviewForm,
    SimulatorForm,
    UssdSimulatorForm,
)
from telecentre.models import Bulletin
from telecentre.services import (
    BulletinError,
    broadcast_preview,
    expire_bulletin,
    publish_bulletin,
    warnings_draft,
)

REGION_COOKIE = "region"
REGION_COOKIE_AGE = 365 * 24 * 3600
#: Rows on one page of prices: enough for a region, small enough for a 2G link; the
#: rest are on the next pages.
MAX_ROWS = 120
CHART_MONTHS = (3, 6, 12, 24)
#: Flagged prices on one page of the review queue.
REVIEW_ROWS = 50


def _chosen_region(request: HttpRequest) -> Region | None:
    """The region asked for, else the one this browser chose before."""
    ref = request.GET.get("region", request.COOKIES.get(REGION_COOKIE, ""))
    return region_by_ref(ref) if ref else None


def _remember_region(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if "region" in request.GET:
        if request.GET["region"]:
            response.set_cookie(
                REGION_COOKIE, request.GET["region"], max_age=REGION_COOKIE_AGE, samesite="Lax"
            )
        else:
            response.delete_cookie(REGION_COOKIE)
    return response


def _pages_of(request: HttpRequest, rows: QuerySet) -> dict[str, object]:
    """A table's page (``?page=``, MAX_ROWS rows) for the template, read only when its
    cached fragment is stale; ``number`` belongs in the fragment's key, ``keep`` is the
    query string the page links carry on."""
    number = request.GET.get("page", "1")
    keep = request.GET.copy()
    keep.pop("page", None)
    return {
        "page": lambda: Paginator(rows, MAX_ROWS).get_page(number),
        "number": number,
        "keep": keep.urlencode(),
    }


def _current_bulletins(region: Region | None, limit: int = 5) -> QuerySet[Bulletin]:
    bulletins = Bulletin.objects.current()
    if region is not None:
        bulletins = bulletins.filter(regions=region)
    return bulletins.order_by("-published_at")[:limit]


def home(request: HttpRequest) -> HttpResponse:
    region = _chosen_region(request)
    data = request.GET.copy()
    if region is not None and "region" not in data:
        data["region"] = region.slug
    form = PriceFilterForm(data)
    chosen = form.cleaned_data if form.is_valid() else {}
    rows = (
        pages.price_table(
            region=chosen["region"],
            market=chosen["market"],
            category=chosen["category"],
            search=chosen["q"],
        )
        if chosen
        else LatestPrice.objects.none()
    )
    response = render(
        request,
        "telecentre/home.html",
        {
            "form": form,
            **_pages_of(request, rows),
            "version": pages.prices_version(),
            "region": region,
            "bulletins": _current_bulletins(region),
        },
    )
    return _remember_region(request, response)


def commodity_detail(request: HttpRequest, ref: str) -> HttpResponse:
    commodity = commodity_by_ref(ref)
    if commodity is None:
        raise Http404(_("No such commodity."))
    region = _chosen_region(request)
    try:
        months = int(request.GET.get("months", 6))
    except ValueError:
        months = 6
    months = months if months in CHART_MONTHS else 6
    language = get_language()
    name = commodity.display_name(language)
    version = pages.prices_version()
    key = f"charts:{commodity.pk}:{region.pk if region else 0}:{months}:{language}:{version}"
    prices = with_warnings(
        latest_prices(commodity=commodity, region=region, price_type=PriceType.RETAIL)
    )
    found = cache.get(key)
    if found is None:
        found = trends.commodity_charts(
            commodity=commodity,
            prices=list(prices),
            months=months,
            title=ngettext(
                "Weekly median price of %(name)s, last %(months)d month",
                "Weekly median price of %(name)s, last %(months)d months",
                months,
            )
            % {"name": name, "months": months},
            language=language,
        )
        cache.set(key, found, settings.API_CACHE_SECONDS)
    response = render(
        request,
        "telecentre/commodity.html",
        {
            "commodity": commodity,
            "name": name,
            "region": region,
            **_pages_of(request, prices),
            # Built by charts.py, every label escaped.
            "chart": mark_safe(found.trend),  # noqa: S308
            "against_normal": [
                (caption, mark_safe(svg))  # noqa: S308
                for caption, svg in found.against_normal
            ],
            "months": months,
            "month_choices": CHART_MONTHS,
            "version": version,
        },
    )
    return _remember_region(request, response)


def market_detail(request: HttpRequest, ref: str) -> HttpResponse:
    market = market_by_ref(ref)
    if market is None:
        raise Http404(_("No such market."))
    language = get_language()

    def rows() -> list[tuple[LatestPrice, str]]:
        medians = pages.weekly_medians_at(market, weeks=12)
        return [
            (
                row,
                charts.sparkline(
                    medians.get(row.commodity_id, []),
                    label=_("%(name)s, 12 weeks") % {"name": row.commodity.display_name(language)},
                ),
            )
            for row in with_warnings(
                latest_prices(market=market, price_type=PriceType.RETAIL)
            ).order_by("commodity__name")
        ]

    return render(
        request,
        "telecentre/market.html",
        {
            "market": market,
            "name": market.display_name(language),
            "rows": rows,  # called only when the cached table is stale
            "version": pages.prices_version(),
        },
    )


def price_grid(request: HttpRequest) -> HttpResponse:
    """Crops down, markets across, for a notice board or a phone."""
    region = _chosen_region(request)
    response = render(
        request,
        "telecentre/grid.html",
        {
            "grid": lambda: pages.price_grid(region=region),  # read when not cached
            "region": region,
            "all_regions": pages.regions_by_name(get_language()),
            "stale_days": pages.STALE_DAYS,
            "currency": settings.AGRIPRICES_CURRENCY,
            "version": pages.prices_version(),
        },
    )
    return _remember_region(request, response)


def market_map(request: HttpRequest) -> HttpResponse:
    """The markets on a map of the country, coloured by how their price of one crop
    compares with the national median, and the same as a table."""
    crops = list(commodities())
    ref = request.GET.get("commodity", "")
    commodity = commodity_by_ref(ref) if ref else (crops[0] if crops else None)
    if commodity is None:
        raise Http404(_("No such commodity."))
    language = get_language()
    version = pages.prices_version()
    key = f"map-drawing:{commodity.pk}:{language}:{version}"
    found = cache.get(key)
    if found is None:
        priced = pages.price_map(commodity)
        name = commodity.display_name(language)
        drawing = maps.market_map(
            pages.map_pins(priced, language), title=_("Markets: price of %(name)s") % {"name": name}
        )
        found = (priced, str(drawing.svg), drawing.numbered, drawing.unlabelled)
        cache.set(key, found, settings.API_CACHE_SECONDS)
    priced, svg, numbered, unlabelled = found
    return render(
        request,
        "telecentre/map.html",
        {
            "commodity": commodity,
            "crops": crops,
            "priced": priced,
            "svg": mark_safe(svg),  # noqa: S308 - built by maps.py, labels escaped
            "numbered": numbered,
            "unlabelled": unlabelled,
            "near_pct": maps.NEAR_PCT,
            "currency": settings.AGRIPRICES_CURRENCY,
        },
    )


def price_warnings(request: HttpRequest) -> HttpResponse:
    """Crops whose price is abnormal for the season, worst first, per region."""
    region = _chosen_region(request)
    response = render(
        request,
        "telecentre/warnings.html",
        {
            "page": lambda: pages.warnings_page(region=region),  # read when not cached
            "region": region,
            "all_regions": pages.regions_by_name(get_language()),
            "version": pages.prices_version(),
        },
    )
    return _remember_region(request, response)


# --- Bulletins -----------------------------------------------------------------------------


def bulletin_list(request: HttpRequest) -> HttpResponse:
    bulletins = Bulletin.objects.prefetch_related("regions")
    editor = request.user.has_perm("telecentre.change_bulletin")
    if not editor:
        bulletins = bulletins.current()
    return render(
        request,
        "telecentre/bulletins.html",
        {"bulletins": bulletins.order_by("-published_at", "-created_at")[:50], "editor": editor},
    )


def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = get_object_or_404(Bulletin.objects.prefetch_related("regions"), pk=pk)
    if bulletin.status != "published" and not request.user.has_perm("telecentre.view_bulletin"):
        raise Http404(_("No such bulletin."))
    return render(request, "telecentre/bulletin.html", {"bulletin": bulletin})


def _bulletin_form(request: HttpRequest, bulletin: Bulletin | None) -> HttpResponse:
    initial = None
    if bulletin is None and request.GET.get("from") == "warnings":
        initial = warnings_draft(region=_chosen_region(request), language=get_language())
    form = BulletinForm(request.POST or None, instance=bulletin, initial=initial)
    summary = form["sms_summary"].value() or ""
    counted = count_segments(" ".join(summary.split()))
    if request.method == "POST" and "check" not in request.POST and form.is_valid():
        saved = form.save(commit=False)
        if saved.created_by_id is None:
            saved.created_by = request.user
        saved.save()
        form.save_m2m()
        messages.success(request, _("Bulletin saved."))
        return redirect("telecentre:bulletin-publish", pk=saved.pk)
    return render(
        request,
        "telecentre/bulletin_form.html",
        {"form": form, "bulletin": bulletin, "counted": counted, "summary_chars": len(summary)},
    )


@needs_permission("telecentre.add_bulletin")
def bulletin_create(request: HttpRequest) -> HttpResponse:
    return _bulletin_form(request, None)


@needs_permission("telecentre.change_bulletin")
def bulletin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _bulletin_form(request, get_object_or_404(Bulletin, pk=pk))


@needs_permission("telecentre.publish_bulletin")
def bulletin_publish(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = get_object_or_404(Bulletin.objects.prefetch_related("regions"), pk=pk)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            publish_bulletin(
                bulletin_id=bulletin.pk,
                by=signed_in_user(request),
                send_sms=form.cleaned_data["send_sms"],
            )
        except BulletinError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Bulletin published."))
            return redirect("telecentre:bulletin", pk=bulletin.pk)
    preview = broadcast_preview(bulletin) if bulletin.sms_summary else None
    return render(
        request,
        "telecentre/bulletin_publish.html",
        {"bulletin": bulletin, "form": form, "preview": preview},
    )


@require_POST
@needs_permission("telecentre.change_bulletin")
def bulletin_expire(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = get_object_or_404(Bulletin, pk=pk)
    expire_bulletin(bulletin_id=bulletin.pk, by=signed_in_user(request))
    messages.success(request, _("Bulletin taken down."))
    return redirect("telecentre:bulletins")


# --- Review queue --------------------------------------------------------------------------


@needs_permission("agriprices.review_quote")
def review_queue(request: HttpRequest) -> HttpResponse:
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            approve = form.cleaned_data["action"] == "approve"
            done = 0
            for quote in form.cleaned_data["quotes"]:
                try:
                    review_quote(
                        quote_id=quote.pk,
                        reviewer=signed_in_user(request),
                        approve=approve,
                        reason=form.cleaned_data["reason"],
                    )
                    done += 1
                except QuoteError as exc:
                    messages.error(request, f"{quote}: {exc.message}")
            if done:
                text = (
                    ngettext("%(n)d price approved.", "%(n)d prices approved.", done)
                    if approve
                    else ngettext("%(n)d price rejected.", "%(n)d prices rejected.", done)
                )
                messages.success(request, text % {"n": done})
            return redirect("telecentre:review")
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    context = {"flagged": pages.flagged_quotes(limit=REVIEW_ROWS), "waiting": pages.waiting()}
    return render(request, "telecentre/review.html", context)


# --- Agent entry ---------------------------------------------------------------------------


@needs_permission("agriprices.add_quote")
def report_price(request: HttpRequest) -> HttpResponse:
    form = PriceEntryForm(request.POST or None, user=signed_in_user(request))
    warning = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        commodity, unit = data["commodity"], data["unit"]
        if not data["confirm"] and unit.converts_to(commodity.base_unit):
            warning = outlier_verdict(
                commodity=commodity,
                market=data["market"],
                per_base_unit=price_per_base_unit(
                    data["price"], unit.base_quantity, commodity.base_unit.base_quantity
                ),
                observed_on=data["observed_on"],
                price_type=data["price_type"],
            )
        if warning is None:
            try:
                quote = record_quote(
                    agent=signed_in_user(request),
                    commodity=commodity,
                    market=data["market"],
                    unit=unit,
                    price=data["price"],
                    observed_on=data["observed_on"],
                    price_type=data["price_type"],
                    source=Quote.Source.WEB,
                )
            except QuoteError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                if quote.status == Quote.Status.FLAGGED:
                    messages.warning(request, _("Recorded; an operator will check it."))
                else:
                    messages.success(request, _("Recorded. Thank you."))
                return redirect("telecentre:report")
    return render(request, "telecentre/report.html", {"form": form, "warning": warning})


# --- Printed price sheet -------------------------------------------------------------------


def _sheet_week(request: HttpRequest) -> date | None:
    try:
        asked = date.fromisoformat(request.GET["week"]) if request.GET.get("week") else None
    except ValueError:
        asked = None
    return period_start(asked, "week") if asked else pages.latest_summary_week()


def price_sheet(request: HttpRequest) -> HttpResponse:
    week, region = _sheet_week(request), _chosen_region(request)

    def regions() -> list[tuple[Region, list, object]]:
        """Per region: its rows, and its one market when it has only one (then there is
        no cheapest or dearest to name)."""
        tables: dict[int, tuple[Region, list]] = {}
        for row in pages.regional_week(week, region=region) if week else []:
            tables.setdefault(row.region.pk, (row.region, []))[1].append(row)
        return [(place, rows, pages.only_market(rows)) for place, rows in tables.values()]

    response = render(
        request,
        "telecentre/sheet.html",
        {
            "week": week,
            "week_end": week + timedelta(days=6) if week else None,
            "regions": regions,  # called only when the cached tables are stale
            "region": region,
            "all_regions": pages.regions_by_name(get_language()),
            "keep": [("week", week.isoformat())] if week else [],
            "version": pages.prices_version(),
        },
    )
    return _remember_region(request, response)


def radio_script(request: HttpRequest) -> HttpResponse:
    """The week's prices and warnings as sentences read on air, in the language asked
    for (``lang``) or the page's."""
    week, region = _sheet_week(request), _chosen_region(request)
    languages = [code for code, _name in settings.LANGUAGES]
    asked = request.GET.get("lang", "")
    language = asked if asked in languages else get_language()
    script = radio.radio_script(region=region, language=language, week=week)
    response = render(
        request,
        "telecentre/radio.html",
        {
            "script": script,
            "region": region,
            "all_regions": pages.regions_by_name(get_language()),
            "languages": settings.LANGUAGES,
            "keep": [("lang", language)],
        },
    )
    return _remember_region(request, response)


def price_sheet_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every market's week, not folded: the whole data behind the printed sheet,
    streamed a line at a time."""
    week, region = _sheet_week(request), _chosen_region(request)

    def table() -> Iterator[list[object]]:
        yield [
            "week",
            "region",
            "commodity",
            "market",
            "unit",
            "median",
            "low",
            "high",
            "change_pct",
        ]
        for row in pages.week_of_prices(week, region=region) if week else []:
            yield [
                week,
                row.market.region.name,
                row.commodity.name,
                row.market.name,
                row.commodity.base_unit.code,
                f"{row.median.normalize():f}",
                f"{row.low.normalize():f}",
                f"{row.high.normalize():f}",
                "" if row.change_pct is None else f"{row.change_pct:.1f}",
            ]

    response = StreamingHttpResponse(
        spreadsheet.lines(table()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="prices-{week or "none"}.csv"'
    return response


# --- SMS simulator -------------------------------------------------------------------------


@needs_permission("telecentre.use_sms_simulator")
def sms_simulator(request: HttpRequest) -> HttpResponse:
    form = SimulatorForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        action, reply = simulate_sms(
            sender=form.cleaned_data["phone"], body=form.cleaned_data["message"]
        )
        result = {"action": action, "reply": reply, "counted": count_segments(reply)}
    return render(request, "telecentre/simulator.html", {"form": form, "result": result})


@needs_permission("telecentre.use_sms_simulator")
def ussd_simulator(request: HttpRequest) -> HttpResponse:
    """The USSD menus as a farmer walks them, one form post per answer, for training;
    nothing is changed."""
    form = UssdSimulatorForm(request.POST or None)
    screen, path = None, ""
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        screen = simulate_ussd(phone=form.cleaned_data["phone"], answers=answers)
        path = "*".join(answers)
    context = {"form": form, "screen": screen, "path": path}
    return render(request, "telecentre/ussd_simulator.html", context)
