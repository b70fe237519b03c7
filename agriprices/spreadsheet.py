"""CSV for people who open it in a spreadsheet. A text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is run as a formula by Excel, LibreOffice and
Google Sheets (CSV injection); such cells are written with a leading apostrophe, which
the spreadsheet shows as text (OWASP's rule). Numbers are written as they are.

Every CSV we write goes through ``writer``; our own importer reads the apostrophe back
off (``unquote``), so an export imports again exactly.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_a_formula(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` (a number such as -3.5 is only a number)."""
    return text.startswith(FORMULA_STARTS) and not _is_number(text)


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet must receive it. Text that starts with an apostrophe
    gets one more too, since the spreadsheet (and ``unquote``) takes the first away."""
    if isinstance(value, str) and (starts_like_a_formula(value) or value.startswith("'")):
        return f"'{value}"
    return value


def unquote(text: str) -> str:
    """A cell as ``safe_cell`` was given it."""
    rest = text[1:]
    if text.startswith("'") and (starts_like_a_formula(rest) or rest.startswith("'")):
        return rest
    return text


class _Line:
    def write(self, text: str) -> str:
        return text


class _SafeWriter:
    def __init__(self, file: IO[str] | Any, **options: Any) -> None:
        self._file = file
        self._end = options.pop("lineterminator", "\r\n")
        # csv quotes a cell holding a character of its own line end only: with lines
        # ending in "\n", a bare "\r" in a name would be written unquoted, and readers
        # split the row there. Rows are written ending in "\r\n" (every line break
        # quoted), then given the line end asked for.
        self._writer = csv.writer(_Line(), lineterminator="\r\n", **options)

    def writerow(self, row: list[Any]) -> Any:
        line = self._writer.writerow([safe_cell(value) for value in row])
        return self._file.write(line[:-2] + self._end)

    def writerows(self, rows: Any) -> None:
        for row in rows:
            self.writerow(row)


def writer(file: IO[str] | Any, **options: Any) -> _SafeWriter:
    """``csv.writer`` whose text cells cannot run as formulas."""
    return _SafeWriter(file, **options)


def lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    """Each row as one line of CSV, cells made safe as ``writer`` makes them: for an
    answer that streams a long list without holding it."""
    out = writer(_Line(), lineterminator="\n")
    for row in rows:
        yield out.writerow(row)


def _is_number(text: str) -> bool:
    try:
        return Decimal(text.strip()).is_finite()
    except InvalidOperation:
        return False
