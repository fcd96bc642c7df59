"""One ``.xlsx`` workbook, one sheet per table.

The header is the first of the sheet's top rows that names every required
column: office exports often put a title block (agency, report name, date)
above it. Row numbers in findings are the sheet's own, whatever the header row.

Cells keep the type Excel gave them (date cells arrive as datetimes, numbers
as int/float, text as str); :mod:`audit.validate` accepts all of these, so
a sheet mixing real date cells with ``dd/mm/yyyy`` text is read as it is.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ..contract import TABLES
from ..errors import SourceError
from .base import RawSource, column_map, filter_unit, header_names, match_tables, normalise_name
from .csv_dir import drop_trailing_blank

__all__ = ["load_workbook_source", "SUFFIXES"]

SUFFIXES = (".xlsx", ".xlsm")
HEADER_SEARCH_ROWS = 20  # how far down a title block may push the header

# What a damaged or foreign file makes openpyxl raise.
_UNREADABLE = (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError)


def _names(row: tuple) -> list[str | None]:
    return [str(h).strip() if h is not None and str(h).strip() else None for h in row]


def _known(table: str) -> set[str]:
    return {normalise_name(n) for c in TABLES[table].columns for n in (c.name, *c.aliases)}


def _header_row(rows: list[tuple], table: str, where: str) -> int:
    """The index of the header: the first top row naming every required column."""
    known = _known(table)
    best: tuple[int, SourceError] | None = None  # the likeliest header's complaint
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [n for n in _names(row) if n is not None]
        if not names:
            continue
        try:
            column_map(table, names, where if i == 0 else f"{where}, header row {i + 1}")
            return i
        except SourceError as exc:
            hits = sum(any(h in known for h in header_names(n)) for n in names)
            if best is None or hits > best[0]:
                best = (hits, exc)
    if best is None:
        raise SourceError("the sheet is empty (no header row)", file=where, table=table)
    raise best[1]  # what the row most like a header lacks


def _sheet_frame(rows: list[tuple], table: str, where: str) -> tuple[pd.DataFrame, int]:
    """The sheet's table and its row base (the sheet row of the first data row)."""
    top = _header_row(rows, table, where)
    header = rows[top]
    names = _names(header)
    mapping = column_map(table, names, where)
    first: dict[object, int] = {}
    for pos, name in enumerate(names):
        if name in mapping and name not in first:
            first[name] = pos
    width = len(header)
    body = rows[top + 1:]
    if any(len(r) != width for r in body):  # cells right of the header have no column
        body = [tuple(r[:width]) + (None,) * (width - len(r)) for r in body]
    data = pd.DataFrame(body, columns=range(width), dtype=object) if body else \
        pd.DataFrame({pos: pd.Series(dtype=object) for pos in range(width)})
    out = data[[first[name] for name in mapping]]
    out.columns = list(mapping.values())
    return drop_trailing_blank(out), top + 2


def load_workbook_source(path: Path, unit: str | Sequence[str] | None = None) -> RawSource:
    """Read the contract's sheets of a workbook.

    Parameters
    ----------
    path : Path
        The ``.xlsx`` file.
    unit : str or sequence of str, optional
        Keep only this unit's rows, or those of all the listed units (none for
        an empty list), filtered after reading; units and executors are kept whole.

    Raises
    ------
    SourceError
        If the file is not a readable workbook, a required sheet is missing,
        or a sheet lacks a required column.
    """
    where = str(path)
    try:
        # openpyxl warns about workbook features it ignores (data validation,
        # conditional formats); none of them affects the values read.
        with warnings.catch_warnings(action="ignore", category=UserWarning):
            book = load_workbook(path, read_only=True, data_only=True)
    except _UNREADABLE as exc:
        raise SourceError(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})".splitlines()[0],
                          file=where) from exc
    raw = RawSource(description=where)
    try:
        matched = match_tables(book.sheetnames, where, "sheet")
        for table, sheet in matched.items():
            origin = f"{where}#{sheet}"
            try:
                with warnings.catch_warnings(action="ignore", category=UserWarning):
                    rows = list(book[sheet].iter_rows(values_only=True))
            except _UNREADABLE as exc:
                raise SourceError(f"cannot read the sheet: {exc}".splitlines()[0],
                                  file=origin, table=table) from exc
            raw.tables[table], raw.row_base[table] = _sheet_frame(rows, table, origin)
            raw.origin[table] = origin
    finally:
        book.close()
    if unit is not None:
        raw.tables = filter_unit(raw.tables, unit)
    return raw
