"""One CSV file of a folder source, read as text.

Every cell is read as a string and nothing is guessed (``NA`` stays the text
``NA``; an empty cell is an empty string): :mod:`audit.validate` types the
values, so a bad cell becomes a reported row, not a silently coerced one.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SourceError
from .base import as_text

__all__ = ["read_csv_file", "drop_trailing_blank"]

ROW_BASE = 2  # the header is line 1


def _delimiter(path: Path) -> str:
    # Office exports in some locales separate with ';' or tabs: look at the header.
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = fh.readline()
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


def read_csv_file(path: Path, table: str) -> pd.DataFrame:
    """Read one CSV file as strings; the index is the data row's 0-based position.

    Raises
    ------
    SourceError
        If the file cannot be read, is not UTF-8, is empty or malformed.
    """
    where = str(path)
    try:
        df = pd.read_csv(
            path, sep=_delimiter(path), dtype="str", keep_default_na=False, na_filter=False,
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
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", file=where, table=table) from exc
    return drop_trailing_blank(df)
