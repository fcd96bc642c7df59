"""One ``.xlsx`` workbook, one sheet per table, the header in row 1.

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

from ..errors import SourceError
from .base import RawSource, column_map, filter_unit, match_tables
from .csv_dir import drop_trailing_blank

__all__ = ["load_workbook_source", "SUFFIXES"]

SUFFIXES = (".xlsx", ".xlsm")
ROW_BASE = 2  # the header is row 1

# What a damaged or foreign file makes openpyxl raise.
_UNREADABLE = (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError)


def _sheet_frame(rows: list[tuple], table: str, where: str) -> pd.DataFrame:
    if not rows:
        raise SourceError("the sheet is empty (no header row)", file=where, table=table)
    header = rows[0]
    names = [str(h).strip() if h is not None else None for h in header]
    mapping = column_map(table, names, where)
    first: dict[object, int] = {}
    for pos, name in enumerate(names):
        if name in mapping and name not in first:
            first[name] = pos
    width = len(header)
    body = rows[1:]
    if any(len(r) != width for r in body):  # cells right of the header have no column
        body = [tuple(r[:width]) + (None,) * (width - len(r)) for r in body]
    data = pd.DataFrame(body, columns=range(width), dtype=object) if body else \
        pd.DataFrame({pos: pd.Series(dtype=object) for pos in range(width)})
    out = data[[first[name] for name in mapping]]
    out.columns = list(mapping.values())
    return drop_trailing_blank(out)


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
            raw.tables[table] = _sheet_frame(rows, table, origin)
            raw.origin[table] = origin
            raw.row_base[table] = ROW_BASE
    finally:
        book.close()
    if unit is not None:
        raw.tables = filter_unit(raw.tables, unit)
    return raw
