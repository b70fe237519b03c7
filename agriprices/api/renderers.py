"""CSV for every list (``?format=csv``): the same rows and filters as the JSON answer,
nested objects flattened to dotted columns (``market.name``), text cells safe to open in
a spreadsheet (agriprices.spreadsheet). Paged lists are not paged as CSV: ``streamed``
writes the whole filtered list, a chunk of rows at a time, up to API_CSV_MAX_ROWS."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer

from agriprices import spreadsheet

#: The header of every CSV answer that states the most rows it holds (API_CSV_MAX_ROWS).
ROW_LIMIT_HEADER = "X-Row-Limit"


def cut_line(limit: int) -> str:
    """The last line of a CSV answer cut at ``limit`` rows."""
    return (
        f"# cut at {limit} rows (API_CSV_MAX_ROWS): narrow the filters, "
        "e.g. by market, commodity or observed_after, for the rest"
    )


def _cell(value: Any) -> Any:
    """One item of a list as a spreadsheet cell: an object by its name (a bulletin's
    regions read "Osh; Chuy"), never as Python's text of a dict."""
    if isinstance(value, dict):
        for key in ("name", "slug", "id"):
            if value.get(key) is not None:
                return value[key]
        return ""
    return value


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = "; ".join(str(_cell(v)) for v in value)
        else:
            flat[name] = "" if value is None else value
    return flat


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context=None
    ) -> bytes:
        if isinstance(data, dict) and "errors" in data:
            rows = [
                {"field": e.get("field"), "message": e["message"], "code": e["code"]}
                for e in data["errors"]
            ]
        elif isinstance(data, dict) and isinstance(data.get("results"), list):
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        elif isinstance(data, dict):
            rows = [data]
        else:
            rows = []
        limit = settings.API_CSV_MAX_ROWS
        flat = [_flatten(row) for row in rows[:limit]]
        columns: list[str] = []
        for row in flat:
            columns += [c for c in row if c not in columns]
        out = io.StringIO()
        writer = spreadsheet.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[row.get(column, "") for column in columns] for row in flat])
        if len(rows) > limit:
            writer.writerow([cut_line(limit)])
        return out.getvalue().encode(self.charset)


#: Rows serialised at a time while a CSV streams.
CSV_CHUNK = 1000


def columns(serializer: serializers.BaseSerializer, prefix: str = "") -> list[str]:
    """The CSV columns of one row of ``serializer``, known before any row is read, so a
    streamed list has one header whatever its rows hold: nested objects as dotted
    columns, a name per language as one column per language of the service."""
    found = []
    for name, field in getattr(serializer, "fields", {}).items():
        if isinstance(field, serializers.Serializer):
            found += columns(field, f"{prefix}{name}.")
        elif isinstance(field, serializers.DictField):
            found += [f"{prefix}{name}.{code}" for code, _name in settings.LANGUAGES]
        else:
            found.append(f"{prefix}{name}")
    return found


def streamed(
    rows: Iterable[Any],
    serializer_class: type[serializers.BaseSerializer],
    context: Mapping[str, Any],
) -> StreamingHttpResponse:
    """The whole list as CSV, read and written a chunk at a time. Past API_CSV_MAX_ROWS
    rows the last line says the list was cut there, and how to narrow it."""
    limit = settings.API_CSV_MAX_ROWS
    header = columns(serializer_class(context=context))
    if isinstance(rows, QuerySet):
        rows = rows.iterator(chunk_size=CSV_CHUNK)

    def table() -> Iterator[list[Any]]:
        yield header
        written = 0
        for chunk in _chunks(itertools.islice(rows, limit + 1), CSV_CHUNK):
            kept = chunk[: limit - written]
            for row in serializer_class(kept, many=True, context=context).data:
                flat = _flatten(row)
                yield [flat.get(column, "") for column in header]
            written += len(kept)
            if len(kept) < len(chunk):
                yield [cut_line(limit)]

    # ApiView.finalize_response states the limit in ROW_LIMIT_HEADER.
    return StreamingHttpResponse(spreadsheet.lines(table()), content_type="text/csv; charset=utf-8")


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, size)):
        yield chunk
