"""How our API describes itself beyond drf-spectacular's defaults."""

from typing import Any

from drf_spectacular.openapi import AutoSchema


class AgriPricesAutoSchema(AutoSchema):
    """CSV answers are documented as CSV text, not as the JSON object they flatten."""

    def _get_response_for_code(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        response = super()._get_response_for_code(*args, **kwargs)
        content = response.get("content", {})
        if "text/csv" in content:
            content["text/csv"] = {
                "schema": {
                    "type": "string",
                    "description": "The same rows as the JSON answer; nested fields as "
                    "dotted columns (market.name).",
                }
            }
        return response
