"""CSV for every list (``?format=csv``): the same rows and filters as the JSON answer,
nested objects flattened to dotted columns (``market.name``), text cells safe to open in
a spreadsheet (agriprices.spreadsheet)."""

from __future__ import annotations

import io
from typing import Any

from rest_framework.renderers import BaseRenderer

from agriprices import spreadsheet


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = "; ".join(str(v) for v in value)
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
        flat = [_flatten(row) for row in rows]
        columns: list[str] = []
        for row in flat:
            columns += [c for c in row if c not in columns]
        out = io.StringIO()
        writer = spreadsheet.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[row.get(column, "") for column in columns] for row in flat])
        return out.getvalue().encode(self.charset)
