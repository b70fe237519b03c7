"""The price form ODK Collect and KoboCollect fill offline: an XForm built by pyxform
from an XLSForm-like definition made of the catalogue, for one agent (their markets),
with labels in every language of the service, and the recent medians as a CSV the form
reads on the phone (``pulldata``) to warn of a price far from them.

The form's version is a digest of its definition and its medians, so it changes exactly
when the catalogue, the agent's markets or the medians do, and Collect offers the update.
The built XML is cached under that version: the same inputs, the same form."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pyxform.xls2xform import convert

from agriprices.collection.plans import market_plans
from agriprices.labels import unit_name
from agriprices.models import Commodity, Market, PriceType, Unit
from agriprices.selectors import catalogue
from agriprices.selectors.agents import assigned_markets
from agriprices.selectors.series import recent_medians

FORM_ID = "agriprices_prices"
MEDIANS_FILE = "medians.csv"
#: The crop list's copy of the whole catalogue (the crop orders' keys are digits).
CATALOGUE = "all"
#: A price this many times its recent median (or a fraction as far below) is questioned
#: on the phone; the server's outlier rule still decides what is held for review.
FAR_FACTOR = 1.5
_BUILT_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Form:
    xml: str
    version: str
    medians: str  # the CSV media file

    @property
    def md5(self) -> str:
        return hashlib.md5(self.xml.encode(), usedforsecurity=False).hexdigest()

    @property
    def medians_md5(self) -> str:
        return hashlib.md5(self.medians.encode(), usedforsecurity=False).hexdigest()


def _languages() -> dict[str, str]:
    """pyxform's column suffix per language code: "English (en)"."""
    with translation.override("en"):
        return {code: f"{name} ({code})" for code, name in settings.LANGUAGES}


def _labels(text: str, column: str = "label", **values: object) -> dict[str, str]:
    """``text`` (a source string) translated into every language, as ``column`` columns
    (label, constraint_message), with ``values`` put in."""
    labels = {}
    for code, language in _languages().items():
        with translation.override(code):
            labels[f"{column}::{language}"] = _(text) % values if values else _(text)
    return labels


def _names(obj: Commodity | Market) -> dict[str, str]:
    return {f"label::{column}": obj.display_name(code) for code, column in _languages().items()}


def _unit_labels(unit: Unit) -> dict[str, str]:
    """A unit as each language writes it ("кг", "мешок 50 кг"), as the dashboard does;
    one the table of units does not know, by its catalogue name."""
    labels = {}
    for code, column in _languages().items():
        with translation.override(code):
            labels[f"label::{column}"] = unit_name(unit.code, unknown=unit.name or unit.code)
    return labels


def medians_key(market: str, commodity: str, price_type: str) -> str:
    """The key the form looks a median up by (the CSV's first column)."""
    return f"{market}|{commodity}|{price_type}"


def _medians(markets: list[Market]) -> str:
    found = recent_medians(markets)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "median"])
    for (market, commodity, price_type), median in sorted(found.items()):
        writer.writerow([medians_key(market, commodity, price_type), f"{median.normalize():f}"])
    return out.getvalue()


def crop_orders(
    markets: Sequence[Market], planned: Mapping[int, Sequence[int]]
) -> tuple[dict[int, str], dict[str, tuple[int, ...]]]:
    """Each market's crop order, as a key (``"1"``, ``"2"``…), and each key's planned
    crops (ids, in the plan's order), which the list shows first. Markets planning the
    same crops share a key."""
    keys: dict[tuple[int, ...], str] = {}
    of_market = {}
    for market in markets:
        order = tuple(dict.fromkeys(planned.get(market.pk, ())))
        of_market[market.pk] = keys.setdefault(order, str(len(keys) + 1))
    return of_market, {key: order for order, key in keys.items()}


def definition(
    markets: list[Market], planned: Mapping[int, Sequence[int]] | None = None
) -> dict[str, Any]:
    """The XLSForm, as pyxform reads a workbook: survey, choices and settings rows.
    ``planned``: the commodities planned at each market (ids, in order), which come
    first in the crop list when that market is chosen. The list holds, for each crop
    order (``crop_orders``), its planned crops, then the whole catalogue once with, on
    each crop, the orders that plan it; the market chosen filters it to its order's
    planned crops and the catalogue's others (``choice_filter``). So the catalogue is
    in the form once however many markets and plans; only planned crops are repeated.
    Every choice is named by the crop's slug, as the one list was: a submission reads
    the same."""
    listed = list(catalogue.commodities().select_related("base_unit"))
    in_catalogue = {commodity.pk: commodity for commodity in listed}
    of_market, orders = crop_orders(markets, planned or {})
    planned_in: dict[int, list[str]] = defaultdict(list)
    for key, planned_first in orders.items():
        for pk in planned_first:
            planned_in[pk].append(key)
    units = list(Unit.objects.order_by("dimension", "base_quantity", "code"))
    # The crop's row in the catalogue's copy, which has each crop once.
    crop_row = f"instance('commodity')/root/item[name=${{commodity}} and order='{CATALOGUE}']"
    survey = [
        {
            "type": "select_one market",
            "name": "market",
            "required": "yes",
            **_labels(gettext_noop("Market")),
        },
        {
            "type": "calculate",
            "name": "crop_order",
            "calculation": "instance('market')/root/item[name=${market}]/order",
        },
        {
            "type": "date",
            "name": "observed_on",
            "default": "today()",
            "required": "yes",
            # The server's rule (validation.date_error), said on the phone before sending.
            "constraint": (
                ". <= today() and decimal-date-time(.) >= "
                f"decimal-date-time(today()) - {settings.AGRIPRICES_MAX_AGE_DAYS}"
            ),
            **_labels(gettext_noop("Day the prices were seen")),
            **_labels(
                gettext_noop("Not in the future, and within %(n)d days"),
                "constraint_message",
                n=settings.AGRIPRICES_MAX_AGE_DAYS,
            ),
        },
        {
            "type": "image",
            "name": "photo",
            "parameters": "max-pixels=1024",
            **_labels(gettext_noop("Photo of the price board (if you can)")),
        },
        {
            "type": "select_one price_type",
            "name": "price_type",
            "default": PriceType.RETAIL,
            "required": "yes",
            **_labels(gettext_noop("Price type")),
        },
        {"type": "begin repeat", "name": "prices", **_labels(gettext_noop("Prices"))},
        {
            "type": "select_one commodity",
            "name": "commodity",
            "required": "yes",
            "choice_filter": f"order=${{crop_order}} or (order='{CATALOGUE}' and "
            "not(contains(planned, concat(' ', ${crop_order}, ' '))))",
            **_labels(gettext_noop("Commodity")),
        },
        {
            "type": "calculate",
            "name": "dimension",
            "calculation": f"{crop_row}/dimension",
        },
        {
            "type": "select_one unit",
            "name": "unit",
            "required": "yes",
            "choice_filter": "dimension=${dimension}",
            **_labels(gettext_noop("Unit")),
        },
        {
            "type": "decimal",
            "name": "price",
            "required": "yes",
            "constraint": ". > 0",
            **_labels(gettext_noop("Price")),
        },
        {
            "type": "calculate",
            "name": "per_base",
            "calculation": f"${{price}} * {crop_row}/base "
            "div instance('unit')/root/item[name=${unit}]/quantity",
        },
        {
            "type": "calculate",
            "name": "median",
            "calculation": f"pulldata('{MEDIANS_FILE[:-4]}', 'median', 'key', "
            "concat(${market}, '|', ${commodity}, '|', ${price_type}))",
        },
        {
            "type": "note",
            "name": "far",
            "relevant": f"${{median}} != '' and (${{per_base}} > ${{median}} * {FAR_FACTOR} "
            f"or ${{per_base}} < ${{median}} div {FAR_FACTOR})",
            **_labels(
                gettext_noop("Far from the recent median (${median} per base unit): check it.")
            ),
        },
        {"type": "end repeat"},
    ]
    choices = [
        {
            "list_name": "market",
            "name": market.slug,
            "order": of_market[market.pk],
            **_names(market),
        }
        for market in markets
    ]
    choices += [
        {"list_name": "price_type", "name": value, **_labels(str(label))}
        for value, label in PriceType.choices
    ]
    choices += [
        _crop_choice(in_catalogue[pk], order=key)
        for key, planned_first in orders.items()
        for pk in planned_first
        if pk in in_catalogue
    ]
    choices += [
        _crop_choice(
            commodity,
            order=CATALOGUE,
            planned=f" {' '.join(planned_in[commodity.pk])} " if commodity.pk in planned_in else "",
        )
        for commodity in listed
    ]
    choices += [
        {
            "list_name": "unit",
            "name": unit.code,
            "dimension": unit.dimension,
            "quantity": f"{unit.base_quantity.normalize():f}",
            **_unit_labels(unit),
        }
        for unit in units
    ]
    form_settings = {
        "form_id": FORM_ID,
        "form_title": "AgriPrices",
        "default_language": _languages()[settings.LANGUAGE_CODE[:2]],
        "instance_name": "concat(${market}, ' ', ${observed_on})",
        # A planned crop is in the list once per order planning it, and in the
        # catalogue's copy, under its own name each time.
        "allow_choice_duplicates": "yes",
    }
    # pyxform looks for the columns in the first 100 rows unless told them all.
    columns = {column: column for row in choices for column in row}
    return {
        "survey": survey,
        "choices": choices,
        "choices_header": [columns],
        "settings": [form_settings],
    }


def _crop_choice(commodity: Commodity, *, order: str, planned: str = "") -> dict[str, str]:
    # pyxform cannot write an empty cell: a crop planned nowhere has no ``planned``
    # (an absent node reads as "" in the filter).
    return {
        "list_name": "commodity",
        "name": commodity.slug,
        "order": order,
        **({"planned": planned} if planned else {}),
        "dimension": commodity.base_unit.dimension,
        "base": f"{commodity.base_unit.base_quantity.normalize():f}",
        **_names(commodity),
    }


def form_for(user: User) -> Form | None:
    """The form for ``user``'s markets, or None when they have none."""
    markets = list(assigned_markets(user).order_by("name"))
    if not markets:
        return None
    plans = market_plans(markets, today=timezone.localdate())
    planned = {
        market.pk: [item.commodity_id for item in plans[market.pk].items] for market in markets
    }
    workbook = definition(markets, planned)
    medians = _medians(markets)
    # The plan is in the version: a changed plan is a new form for Collect to fetch.
    plan_text = json.dumps(
        [
            [
                market.pk,
                repr(plans[market.pk].schedule),
                [(i.commodity_id, i.price_type) for i in plans[market.pk].items],
            ]
            for market in markets
        ]
    )
    digest = hashlib.sha256(
        (json.dumps(workbook, sort_keys=True, ensure_ascii=False) + medians + plan_text).encode()
    ).hexdigest()
    version = str(int(digest[:12], 16))  # Collect shows it; digits read best
    key = f"openrosa:xform:{version}"
    xml = cache.get(key)
    if xml is None:
        workbook["settings"][0]["version"] = version
        xml = build(workbook)
        cache.set(key, xml, _BUILT_SECONDS)
    return Form(xml=xml, version=version, medians=medians)


def build(workbook: dict[str, Any], *, validate: bool = False) -> str:
    """The XForm of an XLSForm definition; ``validate`` runs ODK Validate (Java)."""
    return convert(workbook, validate=validate, form_name="data").xform
