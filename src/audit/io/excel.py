"""One workbook (``.xlsx``, ``.xlsm``, ``.xls``, ``.xlsb`` or ``.ods``), one sheet per table.

Read with python-calamine (a Rust reader: the demo province's 173 thousand
rows in under a second where openpyxl took fourteen, and the older and other
formats too). The file is read once into memory and hashed; every sheet comes
from those bytes.

The header is the first of the sheet's top rows that names every required
column: office exports often put a title block (agency, report name, date)
above it. Row numbers in findings are the sheet's own, whatever the header row.

Cells keep the type the workbook gave them (date cells arrive as dates or
datetimes, numbers as numbers, text as str); :mod:`audit.validate` accepts
all of these, so a sheet mixing real date cells with ``dd/mm/yyyy`` text is
read as it is. A formula whose result was never saved (a file written by a
program, not by Excel) has no value to read: calamine shows it as an empty
cell, so the sheet's XML is looked at for such cells (``.xlsx``/``.xlsm``
only; the other formats always store results) and each one is reported
rather than read as empty.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import python_calamine

from ..contract import TABLES
from ..errors import SourceError
from .base import (
    RawSource,
    column_map,
    filter_unit,
    header_names,
    match_tables,
    normalise_name,
    read_file_bytes,
)
from .csv_dir import drop_trailing_blank

__all__ = ["load_workbook_source", "SUFFIXES", "FORMULA_WITHOUT_VALUE"]

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
HEADER_SEARCH_ROWS = 20  # how far down a title block may push the header
FORMULA_WITHOUT_VALUE = "formula without a cached value: open and save the file in Excel"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_INT_SAFE = 2.0**53


def _names(row: Sequence[Any]) -> list[str | None]:
    return [str(h).strip() if h is not None and str(h).strip() else None for h in row]


def _known(table: str) -> set[str]:
    return {normalise_name(n) for c in TABLES[table].columns for n in (c.name, *c.aliases)}


def _header_row(rows: list[list[Any]], table: str, where: str) -> int:
    """The index of the header: the first top row naming every required column."""
    known = _known(table)
    best: tuple[int, SourceError] | None = None  # the likeliest header's complaint
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [n for n in _names(row) if n is not None]
        if not names:
            continue
        try:
            column_map(table, _names(row), where if i == 0 else f"{where}, header row {i + 1}")
            return i
        except SourceError as exc:
            hits = sum(any(h in known for h in header_names(n)) for n in names)
            if best is None or hits > best[0]:
                best = (hits, exc)
    if best is None:
        raise SourceError("the sheet is empty (no header row)", file=where, table=table)
    raise best[1]  # what the row most like a header lacks


def _cells(column: pd.Series) -> pd.Series:
    """A sheet column as the reader hands it on: empty cells missing, whole numbers as int.

    calamine gives every number as a float; an id typed as a number (123) must read
    "123" like the same id typed as text, so whole floats in a mixed column become ints.
    """
    s = column.replace("", None) if column.dtype == object else column
    if s.dtype != object:
        return s
    kinds = s.map(type, na_action="ignore")
    floats = kinds.isin([float]).to_numpy(dtype=bool)
    if floats.any():
        f = s[floats].astype("float64")
        whole = (np.isfinite(f) & (f == np.floor(f)) & (f.abs() < _INT_SAFE)).to_numpy(dtype=bool)
        if whole.any():
            s = s.copy()
            idx = s.index[floats][whole]
            s[idx] = pd.Series([int(v) for v in f[whole]], index=idx, dtype=object)
    return s


def _sheet_frame(rows: list[list[Any]], table: str, where: str,
                 formulas: dict[tuple[int, int], str]) -> tuple[pd.DataFrame, int, pd.DataFrame]:
    """The sheet's table, its row base (the sheet row of the first data row), and the
    cells holding formulas without a value (index, column, formula)."""
    top = _header_row(rows, table, where)
    names = _names(rows[top])
    mapping = column_map(table, names, where)
    first: dict[object, int] = {}
    for pos, name in enumerate(names):
        if name in mapping and name not in first:
            first[name] = pos
    width = len(names)
    body = rows[top + 1:]
    if any(len(r) != width for r in body):  # cells right of the header have no column
        body = [list(r[:width]) + [None] * (width - len(r)) for r in body]
    data = pd.DataFrame(body, columns=range(width), dtype=object) if body else \
        pd.DataFrame({pos: pd.Series(dtype=object) for pos in range(width)})
    out = pd.DataFrame({mapping[name]: _cells(data[first[name]]) for name in mapping}, index=data.index)
    out = drop_trailing_blank(out)
    problems = []
    by_position = {pos: mapping[name] for name, pos in first.items()}
    for (row, col), formula in formulas.items():
        index = row - (top + 1)  # sheet row (0-based) -> data row
        if col in by_position and 0 <= index < len(out):
            column = by_position[col]
            out.loc[index, column] = formula  # quoted in the report instead of an empty value
            problems.append((index, column, formula))
    issues = pd.DataFrame(problems, columns=["index", "column", "value"])
    return out, top + 2, issues


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the part (path in the zip) holding its XML."""
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG}Relationship")}
    parts = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        t = target.get(sheet.get(f"{_REL}id"), "")
        parts[sheet.get("name", "")] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(f"xl/{t}")
    return parts


def _column_index(ref: str) -> tuple[int, int]:
    """``"AB12"`` -> (11, 27): 0-based row and column."""
    letters = "".join(c for c in ref if c.isalpha())
    col = 0
    for c in letters.upper():
        col = col * 26 + ord(c) - 64
    return int(ref[len(letters):]) - 1, col - 1


def _formulas_without_value(data: bytes, sheets: Sequence[str]) -> dict[str, dict[tuple[int, int], str]]:
    """Per sheet, the cells (0-based row, column) that hold a formula and no saved result."""
    found: dict[str, dict[tuple[int, int], str]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            parts = _sheet_parts(book)
            for name in sheets:
                part = parts.get(name)
                if part is None or part not in book.namelist():
                    continue
                xml = book.read(part)
                if b"<f" not in xml and b":f" not in xml:  # the common case: no formula at all
                    continue
                cells: dict[tuple[int, int], str] = {}
                for _, element in ElementTree.iterparse(io.BytesIO(xml)):
                    if element.tag != f"{_MAIN}c":
                        continue
                    f, v = element.find(f"{_MAIN}f"), element.find(f"{_MAIN}v")
                    no_value = v is None or not (v.text or "").strip()
                    inline = element.find(f"{_MAIN}is") is not None
                    if f is not None and no_value and not inline and element.get("r"):
                        cells[_column_index(element.get("r", ""))] = "=" + (f.text or "")
                    element.clear()
                if cells:
                    found[name] = cells
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError):
        return found  # calamine read the file; a part it did not need is no reason to stop
    return found


def _rows(sheet: Any) -> list[list[Any]]:
    # From A1, empty top rows and left columns included, so that row numbers are the sheet's.
    return [[None if v == "" else v for v in row] for row in sheet.to_python(skip_empty_area=False)]


def load_workbook_source(path: Path, unit: str | Sequence[str] | None = None) -> RawSource:
    """Read the contract's sheets of a workbook.

    Parameters
    ----------
    path : Path
        The ``.xlsx``, ``.xlsm``, ``.xls``, ``.xlsb`` or ``.ods`` file.
    unit : str or sequence of str, optional
        Keep only this unit's rows, or those of all the listed units (none for
        an empty list), filtered after reading; units and executors are kept whole.

    Raises
    ------
    SourceError
        If the file is not a readable workbook, a required sheet is missing,
        or a sheet lacks a required column or repeats a header.
    """
    where = str(path)
    data, read = read_file_bytes(path)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise SourceError(f"not a readable workbook ({type(exc).__name__}: {exc})".splitlines()[0],
                          file=where) from exc
    raw = RawSource(description=where)
    raw.files[path.name] = read
    try:
        matched = match_tables(book.sheet_names, where, "sheet")
        formulas = _formulas_without_value(data, list(matched.values())) \
            if path.suffix.lower() in (".xlsx", ".xlsm") else {}
        for table, sheet in matched.items():
            origin = f"{where}#{sheet}"
            try:
                rows = _rows(book.get_sheet_by_name(sheet))
            except (python_calamine.CalamineError, OSError, ValueError) as exc:
                raise SourceError(f"cannot read the sheet: {exc}".splitlines()[0],
                                  file=origin, table=table) from exc
            frame, base, problems = _sheet_frame(rows, table, origin, formulas.get(sheet, {}))
            raw.tables[table], raw.row_base[table] = frame, base
            raw.origin[table] = origin
            if len(problems):
                raw.cell_issues[table] = problems.assign(reason=FORMULA_WITHOUT_VALUE)
    finally:
        book.close()
    if unit is not None:
        raw.tables = filter_unit(raw.tables, unit)
    return raw
