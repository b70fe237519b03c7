"""Price files: readers turn a file into ``PriceRow``s (strings, with line numbers);
``import_price_rows`` checks every row (checks.py), finds or creates what the rows name
(catalogue.py) and stores them (services.py)."""

from agriprices.importers.readers import FORMATS, read_price_file
from agriprices.importers.rows import PriceRow, RowError
from agriprices.importers.services import ImportReport, import_price_rows

__all__ = [
    "FORMATS",
    "ImportReport",
    "PriceRow",
    "RowError",
    "import_price_rows",
    "read_price_file",
]
