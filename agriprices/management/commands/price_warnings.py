import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agriprices.selectors.catalogue import commodity_by_ref, market_by_ref
from agriprices.warnings.computation import refresh_warnings
from agriprices.warnings.queries import price_warnings, warning_table


class Command(BaseCommand):
    help = (
        "Compute the seasonal price warnings (WFP's ALPS, FAO's IPA) now and print each "
        "series' newest month: price, normal price, both indicators and their bands."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--commodity", help="one commodity (id, slug or any name)")
        parser.add_argument("--market", help="one market (id, slug or any name)")
        parser.add_argument(
            "--all-months",
            action="store_true",
            help="print every month of the series, not only the newest",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        commodity = market = None
        if options["commodity"]:
            commodity = commodity_by_ref(options["commodity"])
            if commodity is None:
                raise CommandError(f"no commodity called {options['commodity']!r}")
        if options["market"]:
            market = market_by_ref(options["market"])
            if market is None:
                raise CommandError(f"no market called {options['market']!r}")
        started = time.perf_counter()
        run = refresh_warnings(commodity=commodity, market=market)
        seconds = time.perf_counter() - started
        if options["all_months"]:
            rows = warning_table(commodity=commodity, market=market)
        else:
            rows = price_warnings(commodity=commodity, markets=[market] if market else None)
        self.stdout.write(
            f"{'series':<40} {'month':<7} {'price':>10} {'normal':>10} "
            f"{'ALPS':>6} {'band':<7} {'IPA':>6} {'band':<7} history"
        )
        for w in rows:
            series = f"{w.commodity.name} @ {w.market.name} ({w.price_type})"
            self.stdout.write(
                f"{series[:40]:<40} {w.month:%Y-%m} {w.price:>10.2f} "
                f"{_number(w.normal_price, '.2f'):>10} {_number(w.alps, '.2f'):>6} "
                f"{w.alps_band or '-':<7} {_number(w.ipa, '.2f'):>6} {w.ipa_band or '-':<7} "
                f"{w.short_of or 'enough'}"
            )
        self.stdout.write(
            f"{run.series} series computed, {run.changed} month rows changed in {seconds:.1f} s"
        )


def _number(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)
