"""One CSV file of a folder source, read as text.

Every cell is read as a string and nothing is guessed (``NA`` stays the text
``NA``; an empty cell is an empty string): :mod:`audit.validate` types the
values, so a bad cell becomes a reported row, not a silently coerced one.

The file is read once into memory, hashed, and parsed from those bytes, so the
hash recorded is that of what was parsed. Two checks make sure no row is lost
to the file's structure: a header repeated in the header line is refused (one
of the two columns would be ignored), and the records parsed are reconciled
with the physical lines of the file, so that a stray double quote, which opens
a quoted cell that swallows the rows after it, is refused naming its line.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SourceError
from .base import as_text, check_duplicate_headers, read_file_bytes

__all__ = ["read_csv_file", "drop_trailing_blank"]

ROW_BASE = 2  # the header is line 1
_BREAKS = r"\r\n|\r|\n"


def _first_line(data: bytes) -> str:
    end = min((i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0), default=len(data))
    return data[:end].decode("utf-8-sig", errors="replace")


def _delimiter(header: str) -> str:
    # Office exports in some locales separate with ';' or tabs: look at the header.
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else ","


def drop_trailing_blank(df: pd.DataFrame) -> pd.DataFrame:
    """Drop all-empty rows at the end (editors leave them); blank rows inside are kept
    so that row numbers stay true and the row is reported."""
    n = len(df)
    window = 64
    while True:  # look at a growing tail only: a million-row file rarely ends blank
        tail = df.iloc[max(0, n - window):]
        blank = np.ones(len(tail), dtype=bool)
        for column in tail.columns:
            blank &= as_text(tail[column]).isna().to_numpy()
        filled = (~blank).nonzero()[0]
        if len(filled):
            return df.iloc[: n - len(tail) + filled[-1] + 1]
        if len(tail) == n:
            return df.iloc[:0]
        window *= 8


def _physical_lines(data: bytes) -> int:
    breaks = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    return breaks + (0 if not data or data.endswith((b"\n", b"\r")) else 1)


def _reconcile(df: pd.DataFrame, data: bytes, sep: str, width: int, where: str, table: str) -> None:
    """Every physical line is the header, a record, or a line break inside a quoted cell;
    and no quoted cell holds what reads as a whole record of its own."""
    per_row = np.zeros(len(df), dtype=np.int64)
    for column in df.columns:
        s = df[column]
        # Two plain substring scans (Arrow kernels) rather than one regex: this runs on every cell.
        if s.str.contains("\n", regex=False).any() or s.str.contains("\r", regex=False).any():
            per_row += s.str.count(_BREAKS).to_numpy(dtype=np.int64)
    first_line = ROW_BASE + np.arange(len(df)) + np.concatenate(([0], np.cumsum(per_row)[:-1])) \
        if len(df) else np.zeros(0, dtype=np.int64)
    for i in np.flatnonzero(per_row):  # only the few records spanning several lines
        for column in df.columns:
            pieces = pd.Series([df[column].iloc[i]]).str.split(_BREAKS, regex=True).iloc[0]
            for k, piece in enumerate(pieces[1:], start=1):
                fields = next(csv.reader([piece], delimiter=sep), [])
                if len(fields) == width and width > 1:
                    raise SourceError(
                        f"a quoted cell opened on line {first_line[i]} swallows line {first_line[i] + k} "
                        "(which reads as a row of its own): a stray double quote? Remove it or close the "
                        "quote", file=where, table=table, column=str(column))
    lines = _physical_lines(data)
    if 1 + len(df) + int(per_row.sum()) != lines:
        raise SourceError(f"{lines} lines but {len(df)} rows, a header and {int(per_row.sum())} line "
                          "breaks inside quoted cells: the file's quoting is broken (a stray double "
                          "quote?)", file=where, table=table)


def read_csv_file(path: Path, table: str) -> tuple[pd.DataFrame, dict[str, object]]:
    """Read one CSV file as strings; the index is the data row's 0-based position.

    Returns
    -------
    frame : DataFrame
        The cells as text, headers as written.
    read : dict
        ``sha256`` and ``bytes`` of the bytes parsed.

    Raises
    ------
    SourceError
        If the file cannot be read, changes while read, is not UTF-8, is empty or
        malformed, repeats a header, or its records do not account for its lines.
    """
    where = str(path)
    data, read = read_file_bytes(path, table)
    header_line = _first_line(data)
    sep = _delimiter(header_line)
    header = next(csv.reader([header_line], delimiter=sep), [])
    check_duplicate_headers(table, header, where)
    try:
        df = pd.read_csv(
            io.BytesIO(data), sep=sep, dtype="str", keep_default_na=False, na_filter=False,
            skip_blank_lines=False, encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL,
        )
    except pd.errors.EmptyDataError as exc:
        raise SourceError("the file is empty (no header line)", file=where, table=table) from exc
    except UnicodeDecodeError as exc:
        raise SourceError(f"not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'",
                          file=where, table=table) from exc
    except pd.errors.ParserError as exc:
        raise SourceError(f"malformed CSV: {str(exc).strip().splitlines()[0]}",
                          file=where, table=table) from exc
    _reconcile(df, data, sep, len(header), where, table)
    return drop_trailing_blank(df), read
