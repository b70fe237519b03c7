"""The warnings page: sections by band, what the radio has said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise

from agriprices.models import Region
from agriprices.warnings import bands
from agriprices.warnings.models import PriceWarning
from agriprices.warnings.queries import last_run, price_warnings


@dataclass(frozen=True)
class WarningSection:
    """One section of the warnings page, as the band table heads it: the series whose
    badge is one of its bands, worst first."""

    heading: Promise  # translated when the page is drawn
    alarming: bool  # its bands are alarming: the page says so when it is empty
    rows: list[PriceWarning]


@dataclass(frozen=True)
class WarningsPage:
    """The warnings page: the series that need attention, worst first, and how many do
    not."""

    sections: list[WarningSection]  # every one of the band table, empty ones too
    normal: int
    short: list[PriceWarning]  # not enough history for ALPS (the first SHORT_NAMED)
    short_more: int  # and how many more
    computed_at: datetime | None

    @property
    def alarming(self) -> list[PriceWarning]:
        """The series in an alarming band, worst first."""
        return [w for section in self.sections if section.alarming for w in section.rows]

    @property
    def announced(self) -> list[PriceWarning]:
        """What the radio script and a bulletin drafted from the warnings tell of: the
        series in a band with a radio sentence, in the page's order."""
        return [w for section in self.sections for w in section.rows if _said_on_air(w)]


def _said_on_air(warning: PriceWarning) -> bool:
    found = bands.band(warning.badge)
    return found is not None and found.radio is not None


#: Series without enough history named on the warnings page; the rest are counted.
SHORT_NAMED = 30


def warnings_page(*, region: Region | None = None) -> WarningsPage:
    """Each series' current warning (retail), sorted into what the page shows: every
    series is classified from a few columns, and only the rows shown are loaded whole.
    Three queries."""
    current = price_warnings(region=region)
    headed = bands.sections()
    section_of = {name: n for n, (_heading, names) in enumerate(headed) for name in names}
    listed: list[list[int]] = [[] for _ in headed]
    short: list[int] = []
    normal = short_count = 0
    for pk, band, alps, ipa, short_of in current.values_list(
        "pk", "alps_band", "alps", "ipa", "short_of"
    ):
        if short_of:
            short_count += 1
            if short_count <= SHORT_NAMED:
                short.append(pk)
            continue
        kind = bands.badge(band, alps, ipa)
        if kind in section_of:
            listed[section_of[kind]].append(pk)
        else:
            normal += 1
    wanted = [pk for pks in [*listed, short] for pk in pks]
    shown = {w.pk: w for w in current.filter(pk__in=wanted)}
    last = last_run()
    return WarningsPage(
        sections=[
            WarningSection(
                heading=heading,
                alarming=any(name in bands.ALARMING for name in names),
                rows=[shown[pk] for pk in pks],
            )
            for (heading, names), pks in zip(headed, listed, strict=True)
        ],
        normal=normal,
        short=[shown[pk] for pk in short],
        short_more=short_count - len(short),
        computed_at=last.finished_at if last else None,
    )


# --- The price grid ----------------------------------------------------------------------

#: A latest price older than this is shown greyed, with its age.
