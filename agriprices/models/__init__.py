"""Price data and its invariants. Every write goes through ``services``; reads through
``selectors``. By purpose: ``catalogue`` (places, crops, units, their names and aliases,
agents), ``prices`` (quotes, their history, the latest prices and summaries) and
``deletions`` (when a row a cached answer may show was deleted)."""

from agriprices.models.catalogue import (
    AgentProfile,
    AliasBase,
    Commodity,
    CommodityAlias,
    Market,
    MarketAlias,
    NamedInLanguages,
    Region,
    Unit,
)
from agriprices.models.deletions import Deletion
from agriprices.models.prices import (
    LatestPrice,
    PriceSummary,
    PriceType,
    Quote,
    QuoteEvent,
    new_external_id,
)

__all__ = [
    "AgentProfile",
    "AliasBase",
    "Commodity",
    "CommodityAlias",
    "Deletion",
    "LatestPrice",
    "Market",
    "MarketAlias",
    "NamedInLanguages",
    "PriceSummary",
    "PriceType",
    "Quote",
    "QuoteEvent",
    "Region",
    "Unit",
    "new_external_id",
]

# The sub-domains' models (audit, collection, warnings) live with them; importing them
# here registers them with this app (Django looks for an app's models in its ``models``
# module). At the end, because they refer to the models above.
from agriprices.audit import models as audit_models  # noqa: E402, F401
from agriprices.collection import models as collection_models  # noqa: E402, F401
from agriprices.warnings import models as warning_models  # noqa: E402, F401
