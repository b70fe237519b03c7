"""The warning bands, in one table that every reader takes them from: the API's filters
and its documentation, the stored choices, the dashboard's badges, sections and charts,
the radio script, bulletin drafts and the SMS texts.

Adding a band is a row of ``BANDS``, its CSS rule (``.b-<name>`` in telecentre's
stylesheet, for a band with a badge) and the translations of its texts; nothing else.

The thresholds are WFP's for ALPS (Technical Guidance Note, 2014: normal < 0.25 ≤ stress
< 1 ≤ alert < 2 ≤ crisis, in σ above the seasonal trend) and those FAO GIEWS publishes
for IPA (normal < 0.5 ≤ watch < 1 ≤ alert; since the measure is symmetric, IPA ≤ −1 is
reported as abnormally low). See ``indicators`` for how both are computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

#: The two indicators, as ``Band`` names its thresholds.
ALPS, IPA = "alps", "ipa"
#: The season a month's price is, for a farmer (the API's ``season``).
HIGH, LOW = "high", "low"


@dataclass(frozen=True)
class Band:
    """One warning band. ``name`` is what is stored and what the API says and filters
    by; ``css_class`` is how a page shows it."""

    name: str
    #: What pages, charts and bulletins call it.
    label: Promise
    #: Where each indicator enters the band, climbing: from this value up, the highest
    #: band reached winning; for a band ``below`` normal, from this value down. None:
    #: the indicator never gives this band.
    alps: float | None = None
    ipa: float | None = None
    below: bool = False
    #: Shown as a badge beside a price and listed on the warnings page (under
    #: ``heading``); a band without one reads as normal there.
    badge: bool = False
    heading: Promise | None = None
    #: Followers of a crop get an SMS (naming the band ``sms``) when a series' newest
    #: month rises into it.
    alarming: bool = False
    sms: Promise | None = None
    #: The season a badge-less ALPS band still shows as this badge (see ``badge``).
    season: str = ""
    #: What the radio script says of a crop in the band; the bands with a sentence are
    #: those a bulletin drafted from the warnings lists too.
    radio: Promise | None = None
    #: The fill of its zone above the normal price on a market's chart.
    chart_fill: str = ""

    @property
    def css_class(self) -> str:
        return f"b-{self.name}"

    def threshold(self, indicator: str) -> float | None:
        return self.alps if indicator == ALPS else self.ipa


_ALARM = _("Alert and crisis")  # one section for both

#: Every band, worst first: the order warnings are listed in.
BANDS: tuple[Band, ...] = (
    Band(
        "crisis",
        _("crisis"),
        alps=2.0,
        badge=True,
        heading=_ALARM,
        alarming=True,
        sms=pgettext_lazy("sms", "CRISIS"),
        radio=_(
            "A warning for %(crop)s %(in_market)s: the price has reached crisis level, %(pct)s "
            "above the usual price for %(month)s."
        ),
        chart_fill="#fbe1e1",
    ),
    Band(
        "alert",
        _("alert"),
        alps=1.0,
        ipa=1.0,
        badge=True,
        heading=_ALARM,
        alarming=True,
        sms=pgettext_lazy("sms", "ALERT"),
        radio=_(
            "A warning for %(crop)s %(in_market)s: the price has reached alert level, %(pct)s "
            "above the usual price for %(month)s."
        ),
        chart_fill="#ffd8b0",
    ),
    Band(
        "stress",
        _("stress"),
        alps=0.25,
        badge=True,
        heading=_("Stress"),
        chart_fill="#fff3c4",
    ),
    Band("watch", _("watch"), ipa=0.5),
    Band("normal", _("normal"), alps=-math.inf, ipa=-math.inf),
    Band(
        "low",
        _("low"),
        ipa=-1.0,
        below=True,
        badge=True,
        heading=_("Low for the season"),
        season=LOW,
        radio=_(
            "%(crop)s %(in_market)s: the price is low for the season, %(pct)s below the usual "
            "price for %(month)s."
        ),
    ),
)

_BY_NAME = {band.name: band for band in BANDS}


@dataclass(frozen=True)
class Season:
    """What a month's price is for the season, as a farmer's price reply says it."""

    name: str
    #: ALPS when it could be computed, else IPA, at or beyond this line says it (at or
    #: above a positive line, at or below a negative one): one unit either way, where
    #: the alert band and its low mirror begin.
    line: float
    hint: Promise


SEASONS: tuple[Season, ...] = (
    Season(HIGH, 1.0, pgettext_lazy("sms", "High for the season")),
    Season(LOW, -1.0, pgettext_lazy("sms", "Low for the season")),
)


def band(name: str) -> Band | None:
    """The band called ``name``; None for "" (not judged) or an unknown name."""
    return _BY_NAME.get(name)


def names(indicator: str) -> list[str]:
    """The bands ``indicator`` gives, from the lowest up (as the API lists them)."""
    return [b.name for b in _scale(indicator)]


def _scale(indicator: str) -> list[Band]:
    given = [b for b in BANDS if b.threshold(indicator) is not None]
    below = sorted((b for b in given if b.below), key=lambda b: _at(b, indicator))
    above = sorted((b for b in given if not b.below), key=lambda b: _at(b, indicator))
    return below + above


def _at(band: Band, indicator: str) -> float:
    threshold = band.threshold(indicator)
    if threshold is None:
        raise ValueError(f"{indicator} gives no band {band.name}")
    return threshold


def classify(indicator: str, value: float) -> str:
    """The band ``indicator``'s ``value`` is in."""
    scale = _scale(indicator)
    for b in scale:
        if b.below and value <= _at(b, indicator):
            return b.name
    reached = [b for b in scale if not b.below and value >= _at(b, indicator)]
    return reached[-1].name


def alps_band(value: float) -> str:
    return classify(ALPS, value)


def ipa_band(value: float) -> str:
    return classify(IPA, value)


def describe(indicator: str) -> str:
    """The bands of ``indicator`` with their thresholds, for documentation:
    "normal < 0.25 ≤ stress < 1 ≤ alert < 2 ≤ crisis"."""
    text = ""
    for b in _scale(indicator):
        at = _at(b, indicator)
        if b.below:
            text += f"{b.name} ≤ {_number(at)} < "
        elif math.isinf(at):
            text += b.name
        else:
            text += f" < {_number(at)} ≤ {b.name}"
    return text


def _number(value: float) -> str:
    return f"{value:g}".replace("-", "−")


def season(alps: float | None, ipa: float | None) -> str:
    """ "high" or "low" for the season, or "": ALPS decides when it could be computed,
    IPA otherwise (``SEASONS``)."""
    value = alps if alps is not None else ipa
    if value is None:
        return ""
    for said in SEASONS:
        if (value >= said.line) if said.line > 0 else (value <= said.line):
            return said.name
    return ""


def season_hint(name: str) -> str:
    """What a price reply says of the season ``name``, in the active language."""
    return next((str(said.hint) for said in SEASONS if said.name == name), "")


def sms_name(name: str) -> str:
    """What an SMS warning calls the band ``name`` (its ``sms`` name, else its label),
    in the active language."""
    found = _BY_NAME.get(name)
    if found is None:
        return name
    return str(found.sms or found.label)


def badge(alps_band: str, alps: float | None, ipa: float | None) -> str:
    """The one band a table shows for a month: its ALPS band when that band has a badge,
    else the badge of its season (low for the season), else none."""
    shown = _BY_NAME.get(alps_band)
    if shown is not None and shown.badge:
        return shown.name
    said = season(alps, ipa)
    return next((b.name for b in BANDS if b.badge and said and b.season == said), "")


#: The bands followers of a crop are told of unprompted, worst first.
ALARMING = tuple(b.name for b in BANDS if b.alarming)


def sections() -> list[tuple[Promise, list[str]]]:
    """The warnings page's sections in order: each heading with its bands, worst first
    (bands that share a heading are neighbours in ``BANDS``)."""
    found: list[tuple[Promise, list[str]]] = []
    for b in BANDS:
        if not b.badge or b.heading is None:
            continue
        if found and found[-1][0] == b.heading:
            found[-1][1].append(b.name)
        else:
            found.append((b.heading, [b.name]))
    return found


def chart_zones() -> list[tuple[float, float | None, str]]:
    """The zones a market's chart shades above its normal price, from the lowest:
    (from, to) in σ of ALPS, to None for the open top one, and the fill."""
    shaded = sorted((b for b in BANDS if b.chart_fill), key=lambda b: _at(b, ALPS))
    ends: list[float | None] = [_at(b, ALPS) for b in shaded[1:]]
    return [(_at(b, ALPS), end, b.chart_fill) for b, end in zip(shaded, [*ends, None], strict=True)]
