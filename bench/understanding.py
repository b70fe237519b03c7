"""``python -m bench understanding``: the understanding step alone, in process, over the
free-text corpus (tests/data/free_text_questions.tsv) against the bench catalogue (the
API benchmark's 250 markets and their names): messages per second, per-message time,
the cold start after a name changed, and how many it still reads right with 30 times
the demo's markets beside them, in all and per language (crop, market, reply language and,
for a question naming two, the other one)."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "free_text_questions.tsv"
PASSES = 5
Row = tuple[str, str, str]


def run() -> list[Row]:
    from django.core.cache import cache

    from agriprices import name_index
    from agriprices.models import Commodity, Market
    from sms_gateway.conversation.understanding import understand

    rows = [
        (*fields[:4], fields[4] if len(fields) > 4 else "")
        for fields in (
            line.split("\t")
            for line in CORPUS.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")
        )
    ]
    messages = [row[0] for row in rows]
    cache.clear()
    name_index._local_indexes.clear()
    name_index._local_phrases.clear()
    started = time.perf_counter()
    understand(messages[0])  # loads both indexes and builds their phrases
    cold_ms = (time.perf_counter() - started) * 1000
    right, total = Counter[str](), Counter[str]()
    for message, crop, market, language, also in rows:
        asked = understand(message)
        got = (
            getattr(asked.commodity, "name", ""),
            getattr(asked.market, "name", ""),
            asked.language,
            getattr(asked.also, "name", ""),
        )
        total[language] += 1
        right[language] += got == (crop, market, language, also)
    each: list[float] = []
    started = time.perf_counter()
    for _ in range(PASSES):
        for message in messages:
            one = time.perf_counter()
            understand(message)
            each.append((time.perf_counter() - one) * 1000)
    wall = time.perf_counter() - started
    each.sort()
    catalogue = f"{Market.objects.count()} markets, {Commodity.objects.count()} commodities"
    everything = sum(right.values())
    return [
        (
            f"understanding alone, {len(messages)} corpus messages x {PASSES}, in process",
            f"{len(each) / wall:,.0f} messages/s; p50 {statistics.median(each):.2f} / "
            f"p99 {each[int(len(each) * 0.99)]:.2f} ms",
            "—",
        ),
        ("  first message after a name changed (indexes rebuilt)", f"{cold_ms:.0f} ms", "—"),
        (
            f"  corpus read right against the bench catalogue ({catalogue})",
            f"{everything}/{len(rows)} ({everything / len(rows):.1%})",
            ">= 97 %",
        ),
        *(
            (
                f"    in {language}",
                f"{right[language]}/{total[language]} ({right[language] / total[language]:.1%})",
                ">= 97 %",
            )
            for language in sorted(total)
        ),
    ]
