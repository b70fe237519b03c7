"""Price file readers. Each turns a file into ``PriceRow``s (strings, with line
numbers); ``services.import_price_rows`` does every check and write."""

from agriprices.importers.readers import FORMATS, read_price_file
from agriprices.importers.rows import PriceRow, RowError

__all__ = ["FORMATS", "PriceRow", "RowError", "read_price_file"]
