"""Raw cells → typed columns, one parser per contract kind, whole columns at a time.

Each parser takes a raw column of whatever a source produced (text from CSV,
Excel's mix of datetimes/numbers/text, typed Arrow or SQL columns) and returns
the typed column (``records.DTYPES``) and a mask of cells that were present but
could not be read. Missing cells (empty or blank) are missing, never bad.

The common case is made cheap: one vectorised pass for the usual form (ISO
dates, plain digits), and the slower alternatives (``dd/mm/yyyy``,
``1.234.567``, Excel serials, mixed cells) only on what the first pass left.

Numbers and dates typed with other digits (full-width ``２０２４``, Arabic-Indic
``٢٠٢٤``, Devanagari, …) are read as the digits they are: every Unicode decimal
digit is folded to ASCII after NFKC, only in cells that are not ASCII already.
A whole number outside int64 is a bad cell (:func:`too_large` tells why), never
a wrapped one; a date outside ``EARLIEST``–``LATEST`` is a bad cell too.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pandas as pd
import pyarrow.compute as pc
from pandas.api import types as ptypes

from ..dates import EARLIEST, LATEST
from .base import as_text, to_arrow

__all__ = ["parse", "parse_checked", "display", "code_key", "too_large", "REASONS", "EARLIEST", "LATEST", "TOO_LARGE",
           "OUT_OF_RANGE"]

REASONS = {
    "date": "is not a date (expected YYYY-MM-DD or dd/mm/yyyy)",
    "money": "is not a whole amount of VND",
    "int": "is not a whole number",
    "float": "is not a number",
    "bool": "is not a yes/no value (true/false, 1/0, có/không)",
    "str": "is not text",
}
TOO_LARGE = "is too large: whole numbers are 64-bit (at most 9,223,372,036,854,775,807)"
# Dates a case record can plausibly carry; anything else is a typing slip (0001-01-01,
# 9999-12-31 placeholders) that would otherwise overflow date arithmetic downstream.
OUT_OF_RANGE = f"is outside the dates a record can carry ({EARLIEST.isoformat()} to {LATEST.isoformat()})"
_EXCEL_EPOCH = "1899-12-30"  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug included)
_PLAIN = r"-?[0-9]{1,18}"
_LONG = r"-?[0-9]{19,}"
_DOTS = r"-?[0-9]{1,3}(?:\.[0-9]{3})+(?:,0+)?"  # 1.234.567 (Vietnamese thousands), 1.234.567,00
_COMMAS = r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.0+)?"  # 1,234,567
_SPACES = r"[\s\u00a0\u202f]"
_TRUE = {"true", "1", "1.0", "có", "co", "yes", "y", "t"}
_FALSE = {"false", "0", "0.0", "không", "khong", "no", "n", "f"}
_INT64_SAFE = 2.0**53  # beyond this a float no longer holds every whole number
_INT64_MAX = int(np.iinfo(np.int64).max)
_INT64_MIN = int(np.iinfo(np.int64).min)


def code_key(value: str) -> str:
    """A code as compared with the vocabulary: NFC, case-folded, spaces and dashes as ``_``."""
    text = unicodedata.normalize("NFC", value).strip().casefold()
    return "_".join(text.replace("-", " ").split())


def _text(s: pd.Series) -> pd.Series:
    if ptypes.is_float_dtype(s.dtype):  # ids stored as doubles: 123.0 means "123"
        whole = np.isfinite(s) & (s == np.floor(s)) & (s.abs() < _INT64_SAFE)
        ints = s.where(whole).astype("Int64").astype(object)
        return as_text(s.astype(object).where(~whole, ints))
    if ptypes.is_datetime64_any_dtype(s.dtype):
        return as_text(s.dt.strftime("%Y-%m-%d"))
    return as_text(s)


def display(s: pd.Series) -> pd.Series:
    """Raw cells as the text to quote in a message (dates without a time of day)."""
    if ptypes.is_datetime64_any_dtype(s.dtype):
        return s.dt.strftime("%Y-%m-%d").astype("str")
    if s.dtype == object:
        s = s.map(lambda v: v.strftime("%Y-%m-%d") if isinstance(v, dt.date) else v, na_action="ignore")
    return s.astype("str")


def _fold(value: str) -> str:
    """One cell's text with compatibility forms (NFKC) and every decimal digit in ASCII."""
    text = unicodedata.normalize("NFKC", value)
    return "".join(str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in text)


def _ascii(t: pd.Series) -> pd.Series:
    """Text cells with their digits folded to ASCII (only the few non-ASCII distinct values)."""
    odd = (t.notna() & ~t.str.isascii()).to_numpy(dtype=bool)
    if not odd.any():
        return t
    fixes = {v: _fold(v) for v in t[odd].unique()}
    return t.mask(odd, t[odd].map(fixes))


def _number_text(s: pd.Series) -> pd.Series:
    return _ascii(_text(s))


def _no_bad(s: pd.Series) -> np.ndarray:
    return np.zeros(len(s), dtype=bool)


# ---- dates -----------------------------------------------------------------
def _day(v: pd.Series) -> pd.Series:
    if isinstance(v.dtype, pd.DatetimeTZDtype):
        v = v.dt.tz_localize(None)
    return v.astype("datetime64[us]").dt.floor("D").astype("datetime64[s]")


def _serial(x: pd.Series) -> tuple[pd.Series, np.ndarray]:
    x = x.astype("float64")
    ok = np.isfinite(x) & (x >= 1) & (x < 2958466)  # 1900-01-01 .. 9999-12-31
    out = pd.to_datetime(np.floor(x.where(ok)), unit="D", origin=_EXCEL_EPOCH)
    return _day(out), (x.notna() & ~ok).to_numpy()


def _date_text(t: pd.Series) -> tuple[pd.Series, np.ndarray]:
    # Ten million event dates hold a few thousand distinct days: parse each distinct text once.
    if len(t) > 10_000:
        encoded = pc.dictionary_encode(to_arrow(t))
        if len(encoded.dictionary) < len(t) // 4:
            days, bad = _date_distinct(pd.Series(encoded.dictionary.to_pandas(), dtype="str"))
            index = pc.fill_null(encoded.indices, -1).to_numpy()
            days = np.append(days.to_numpy(), np.datetime64("NaT", "s"))
            bad = np.append(bad, False)
            return pd.Series(days[index], index=t.index, dtype="datetime64[s]"), bad[index]
    return _date_distinct(t)


def _date_distinct(t: pd.Series) -> tuple[pd.Series, np.ndarray]:
    out = _day(pd.to_datetime(t, format="%Y-%m-%d", errors="coerce"))
    rest = t.notna() & out.isna()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S"):
        if not rest.any():
            break
        out = out.fillna(_day(pd.to_datetime(t[rest], format=fmt, errors="coerce")))
        rest = rest & out.isna()
    return out, rest.to_numpy()


def _date(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if ptypes.is_datetime64_any_dtype(s.dtype):
        return _day(s), _no_bad(s)
    if ptypes.is_bool_dtype(s.dtype):
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[s]"), s.notna().to_numpy()
    if ptypes.is_numeric_dtype(s.dtype):
        return _serial(s)
    if s.dtype == object and ptypes.infer_dtype(s, skipna=True) not in ("string", "empty"):
        return _date_mixed(s)
    return _date_text(_number_text(s))



def _cell_kind(v: object) -> str:
    if isinstance(v, dt.date | np.datetime64):
        return "date"
    if isinstance(v, bool | np.bool_):
        return "other"
    if isinstance(v, int | float | np.integer | np.floating):
        return "number"
    return "text"


def _date_mixed(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    # Excel and SQL drivers hand over date objects, serial numbers and text in one column.
    kinds = s.map(_cell_kind, na_action="ignore")
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[s]")
    bad = (kinds == "other").to_numpy(dtype=bool, copy=True)
    m = (kinds == "date").to_numpy()
    if m.any():
        out[m] = _day(pd.to_datetime(pd.Series(s[m].tolist(), index=s.index[m]), errors="coerce"))
        bad |= m & out.isna().to_numpy()
    for kind, parser in (("number", _serial), ("text", _date_text)):
        m = (kinds == kind).to_numpy()
        if m.any():
            sub = s[m] if kind == "number" else _number_text(s[m])
            vals, sub_bad = parser(sub.astype("float64") if kind == "number" else sub)
            out[m] = vals
            bad[m] = sub_bad
    return out, bad


# ---- whole numbers ---------------------------------------------------------
def _whole_floats(f: pd.Series) -> tuple[pd.Series, np.ndarray]:
    f = f.astype("float64")
    whole = np.isfinite(f) & (f == np.floor(f)) & (f.abs() < _INT64_SAFE)
    return f.where(whole).astype("Int64"), (f.notna() & ~whole).to_numpy()


def _whole(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if ptypes.is_bool_dtype(s.dtype):
        return pd.Series(pd.NA, index=s.index, dtype="Int64"), s.notna().to_numpy()
    if ptypes.is_unsigned_integer_dtype(s.dtype):  # uint64 above int64's range would wrap
        big = (s > _INT64_MAX).fillna(False).to_numpy(dtype=bool)
        return s.where(~big).astype("Int64"), big
    if ptypes.is_integer_dtype(s.dtype):
        return s.astype("Int64"), _no_bad(s)
    if ptypes.is_float_dtype(s.dtype):
        return _whole_floats(s)
    if ptypes.is_datetime64_any_dtype(s.dtype):
        return pd.Series(pd.NA, index=s.index, dtype="Int64"), s.notna().to_numpy()
    t = _number_text(s)
    plain = t.str.fullmatch(_PLAIN).fillna(False).to_numpy(dtype=bool)
    out = t.where(plain).astype("Int64")
    rest = t.notna().to_numpy() & ~plain
    if rest.any():
        c = _digits_only(t[rest])
        digits = c.str.fullmatch(_PLAIN).fillna(False).astype(bool)
        vals = c.where(digits).astype("Int64")
        long = c.str.fullmatch(_LONG).fillna(False).astype(bool)
        if long.any():  # 19 digits and more: exact integers, kept when they fit int64
            exact = c[long].map(int)
            fits = exact.between(_INT64_MIN, _INT64_MAX)
            vals[long] = pd.array(exact.where(fits).tolist(), dtype="Int64")
        floats, _ = _whole_floats(pd.to_numeric(c.where(~(digits | long)), errors="coerce"))
        out[rest] = vals.fillna(floats)
    bad = rest & out.isna().to_numpy()
    return out, bad


def _digits_only(t: pd.Series) -> pd.Series:
    """Amount text without spaces and thousands separators (``1.234.567``, ``1,234,567``)."""
    c = t.str.replace(_SPACES, "", regex=True)
    dots, commas = c.str.fullmatch(_DOTS), c.str.fullmatch(_COMMAS)
    c = c.where(~dots, c.str.replace(r",0+$", "", regex=True).str.replace(".", "", regex=False))
    return c.where(~commas, c.str.replace(r"\.0+$", "", regex=True).str.replace(",", "", regex=False))


def too_large(s: pd.Series, bad: np.ndarray) -> np.ndarray:
    """Which of the ``bad`` cells of a whole-number column are numbers outside int64.

    Parameters
    ----------
    s : Series
        The raw column given to :func:`parse`.
    bad : ndarray of bool
        Its bad cells.

    Returns
    -------
    ndarray of bool
        True where the cell is a whole number too large (or too small) for 64 bits,
        so that the message can say so instead of "not a whole amount".
    """
    out = np.zeros(len(s), dtype=bool)
    if not bad.any():
        return out
    sub = s[bad]
    if ptypes.is_unsigned_integer_dtype(sub.dtype):
        out[bad] = True
        return out
    if ptypes.is_float_dtype(sub.dtype):
        out[bad] = (sub.abs() >= 2.0**63).to_numpy(dtype=bool)
        return out
    if ptypes.is_numeric_dtype(sub.dtype) or ptypes.is_bool_dtype(sub.dtype) or \
            ptypes.is_datetime64_any_dtype(sub.dtype):
        return out
    c = _digits_only(_number_text(sub.astype(object).map(
        lambda v: repr(int(v)) if isinstance(v, float) and np.isfinite(v) and v == int(v) else v,
        na_action="ignore")))
    out[bad] = c.str.fullmatch(_LONG).fillna(False).to_numpy(dtype=bool)
    return out


# ---- decimals and flags ----------------------------------------------------
def _float(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if ptypes.is_bool_dtype(s.dtype) or ptypes.is_datetime64_any_dtype(s.dtype):
        return pd.Series(np.nan, index=s.index), s.notna().to_numpy()
    if ptypes.is_numeric_dtype(s.dtype):
        out = s.astype("Float64").astype("float64")
    else:
        t = _number_text(s)
        out = pd.to_numeric(t, errors="coerce").astype("float64")
        rest = t.notna() & out.isna()
        if rest.any():  # 12,5 and 1.234,5: the Vietnamese decimal comma
            c = t[rest].str.replace(_SPACES, "", regex=True)
            comma = c.str.fullmatch(r"-?\d{1,3}(?:\.\d{3})*,\d+|-?\d+,\d+")
            c = c.where(~comma, c.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
            out = out.fillna(pd.to_numeric(c.where(comma), errors="coerce").astype("float64"))
        present = t.notna().to_numpy()
        bad = present & ~np.isfinite(out.to_numpy(dtype="float64", na_value=np.nan))
        return out.where(~bad), bad
    bad = out.notna().to_numpy() & ~np.isfinite(out.to_numpy(dtype="float64", na_value=np.nan))
    return out.where(~bad), bad


def _bool(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if ptypes.is_bool_dtype(s.dtype):
        return s.astype("boolean"), _no_bad(s)
    t = _text(s)
    # Normalise the few distinct spellings, then two small-set lookups over the column
    # (much cheaper than mapping every cell).
    keys = {v: code_key(v) for v in t.dropna().unique()}
    true = t.isin([v for v, k in keys.items() if k in _TRUE]).to_numpy(dtype=bool)
    false = t.isin([v for v, k in keys.items() if k in _FALSE]).to_numpy(dtype=bool)
    out = pd.Series(pd.arrays.BooleanArray(true, ~(true | false)), index=s.index)
    return out, t.notna().to_numpy() & ~(true | false)


def _str(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    return _text(s), _no_bad(s)


_PARSERS = {"str": _str, "date": _date, "money": _whole, "int": _whole, "float": _float, "bool": _bool}


def parse_checked(s: pd.Series, kind: str) -> tuple[pd.Series, np.ndarray, list[tuple[np.ndarray, str]]]:
    """Type one raw column and say why each bad cell is bad.

    Parameters
    ----------
    s : Series
        Raw cells (any dtype).
    kind : str
        The contract kind: str, date, money, int, float or bool.

    Returns
    -------
    values : Series
        The typed column (``records.DTYPES[kind]``); missing where absent or bad.
    missing : ndarray of bool
        Cells that are empty (or blank text).
    problems : list of (mask, reason)
        Disjoint masks of bad cells, each with the one-line reason to report: not
        readable as ``kind`` (``REASONS``), a whole number beyond 64 bits
        (``TOO_LARGE``), a date outside ``EARLIEST``–``LATEST`` (``OUT_OF_RANGE``).
    """
    values, bad = _PARSERS[kind](s)
    problems = [(bad, REASONS[kind])]
    if kind in ("money", "int"):
        big = too_large(s, bad)
        problems = [(bad & ~big, REASONS[kind]), (big, TOO_LARGE)]
    elif kind == "date":
        outside = ((values < pd.Timestamp(EARLIEST)) | (values > pd.Timestamp(LATEST))).to_numpy(dtype=bool)
        if outside.any():
            values = values.mask(outside)
            problems.append((outside, OUT_OF_RANGE))
    any_bad = np.logical_or.reduce([m for m, _ in problems])
    # Every parser leaves a value missing exactly when the cell was empty or bad.
    return values, values.isna().to_numpy() & ~any_bad, problems


def parse(s: pd.Series, kind: str) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Type one raw column.

    Parameters
    ----------
    s : Series
        Raw cells (any dtype).
    kind : str
        The contract kind: str, date, money, int, float or bool.

    Returns
    -------
    values : Series
        The typed column (``records.DTYPES[kind]``); missing where absent or bad.
    missing : ndarray of bool
        Cells that are empty (or blank text).
    bad : ndarray of bool
        Cells that are present but cannot be read as ``kind``.
    """
    values, missing, problems = parse_checked(s, kind)
    return values, missing, np.logical_or.reduce([m for m, _ in problems])
