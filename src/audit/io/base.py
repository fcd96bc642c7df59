"""What every source reader shares: the raw tables, name matching and the unit filter.

A reader finds the contract's tables among what the source holds (files,
sheets, database tables), maps each table's headers to contract column names
(exact name first, then the Vietnamese aliases, in declaration order), and
hands back a :class:`RawSource` of untyped frames. Typing and row-level checks
are :mod:`audit.validate`'s job; here only what stops a run is raised: an
unreadable source, a missing required table or a missing required column.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..contract import REQUIRED_TABLES, TABLES
from ..errors import SourceError

__all__ = [
    "RawSource", "normalise_name", "match_tables", "column_map", "conform", "read_file_bytes",
    "check_duplicate_headers",
    "unit_ids", "unit_scope", "filter_unit", "as_text", "to_arrow",
]


@dataclass
class RawSource:
    """The contract tables of a source as read, before any typing.

    Attributes
    ----------
    tables : dict of table name -> DataFrame
        Raw values, columns renamed to contract names (only contract columns).
        The index is the row's 0-based position in the source table, kept
        through the unit filter, so ``source_row = index + row_base[table]``.
    origin : dict of table name -> str
        The file (or ``url#table``) to name in messages.
    description : str
        The source as given, with any password redacted.
    row_base : dict of table name -> int
        2 for CSV and Excel (the header is line 1), 1 for Parquet and SQL.
    files : dict of file name -> dict
        For file sources, each file read: ``sha256`` and ``bytes`` of exactly the
        bytes that were parsed (read once, hashed, then parsed from memory).
    cell_issues : dict of table name -> DataFrame
        Cells the reader could not take as values (``index``, ``column``, ``value``,
        ``reason``); validation reports each as DQ-SCHEMA and rejects its row.
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    description: str = ""
    row_base: dict[str, int] = field(default_factory=dict)
    files: dict[str, dict[str, object]] = field(default_factory=dict)
    # Cells a reader found unusable before any typing (a formula with no saved result), per
    # table: a frame of index (the row's label in ``tables``), column, value and reason.
    cell_issues: dict[str, pd.DataFrame] = field(default_factory=dict)


def read_file_bytes(path: Path, table: str | None = None) -> tuple[bytes, dict[str, object]]:
    """A file's bytes, read once, with their SHA-256 and size.

    The caller parses these very bytes, so the hash in the fingerprint and the
    manifest is that of what was read, even if the file is rewritten meanwhile;
    a file that changes while it is being read is refused.

    Raises
    ------
    SourceError
        If the file cannot be read or changed while it was read.
    """
    where = str(path)
    try:
        before = path.stat()
        data = path.read_bytes()
        after = path.stat()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", file=where, table=table) from exc
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or \
            len(data) != after.st_size:
        raise SourceError("the file changed while it was read (is it still being written?); "
                          "run again once it is complete", file=where, table=table)
    return data, {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def check_duplicate_headers(table: str, headers: Iterable[object], origin: str) -> None:
    """Refuse two columns with the same header that a contract column would read.

    Picking one of them silently would audit one column and ignore the other.

    Raises
    ------
    SourceError
        Naming the header and both positions.
    """
    claimed = {normalise_name(n) for c in TABLES[table].columns for n in (c.name, *c.aliases)}
    seen: dict[str, int] = {}
    for pos, header in enumerate(headers, start=1):
        if header is None or not str(header).strip():
            continue
        key = normalise_name(header)
        if key in seen and any(name in claimed for name in header_names(header)):
            raise SourceError(f"the header '{str(header).strip()}' appears twice (columns {seen[key]} and "
                              f"{pos}); keep one", file=origin, table=table)
        seen.setdefault(key, pos)


def normalise_name(name: object) -> str:
    """A header or table name as compared: NFC, trimmed, case-folded, single spaces."""
    text = unicodedata.normalize("NFC", str(name))
    return " ".join(text.split()).casefold()


_BILINGUAL = re.compile(r"^(?P<label>.*\S)\s*\((?P<name>[a-z][a-z0-9_]*)\)$")


def header_names(header: object) -> list[str]:
    """The names a header answers to, normalised: itself, and for a bilingual header such as
    ``Mã việc (case_id)`` (as ``audit template`` writes them) its label and its contract name."""
    full = normalise_name(header)
    match = _BILINGUAL.match(full)
    return [full, match["name"], match["label"]] if match else [full]


def _table_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for table in TABLES.values():
        for name in (table.name, *table.aliases):
            lookup.setdefault(normalise_name(name), table.name)
    return lookup


_TABLE_BY_NAME = _table_lookup()


def match_tables(found: Iterable[str], where: str, kind: str,
                 key: Callable[[str], str] = str, suffix: str = "") -> dict[str, str]:
    """Map contract table -> the source's name for it, or raise for a missing required one.

    Parameters
    ----------
    found : iterable of str
        What the source holds (file stems, sheet names, table names).
    where : str
        The source, for messages.
    kind : str
        ``"file"``, ``"sheet"`` or ``"table"``, for messages.
    key : callable, optional
        The part of each name to compare (a file's stem).
    suffix : str, optional
        Appended to the expected names in messages (``".csv"``).
    """
    found = list(found)
    matched: dict[str, str] = {}
    for name in found:
        table = _TABLE_BY_NAME.get(normalise_name(key(name)))
        if table is None:
            continue
        if table in matched:
            raise SourceError(
                f"two {kind}s hold table '{table}': '{matched[table]}' and '{name}'; keep one",
                file=where)
        matched[table] = name
    for table in REQUIRED_TABLES:
        if table not in matched:
            aliases = ", ".join(repr(a + suffix) for a in TABLES[table].aliases)
            listed = ", ".join(repr(f) for f in sorted(found)) or "none"
            raise SourceError(
                f"required {kind} '{table}{suffix}' is missing (also accepted: {aliases}; "
                f"{kind}s found: {listed})", file=where)
    return matched


def column_map(table: str, headers: Iterable[object], origin: str) -> dict[object, str]:
    """Map source header -> contract column for one table; raise for a missing required column.

    The contract name wins over an alias, and an earlier alias over a later one,
    so a sheet with both ``Mã chấp hành viên`` and ``Chấp hành viên`` gives the
    id column from the first. Headers nothing claims are dropped.
    """
    headers = list(headers)
    check_duplicate_headers(table, headers, origin)
    headers = [h for h in headers if h is not None]
    by_norm: dict[str, object] = {}
    for h in headers:
        for name in header_names(h):
            by_norm.setdefault(name, h)
    mapping: dict[object, str] = {}
    for col in TABLES[table].columns:
        for candidate in (col.name, *col.aliases):
            key = normalise_name(candidate)
            if key in by_norm and by_norm[key] not in mapping:  # each header feeds one column
                mapping[by_norm[key]] = col.name
                break
        else:
            if not col.optional:
                listed = ", ".join(repr(str(h)) for h in headers) or "none"
                raise SourceError(f"required column '{col.name}' is missing (columns found: {listed})",
                                  file=origin, table=table)
    return mapping


def conform(df: pd.DataFrame, table: str, origin: str) -> pd.DataFrame:
    """Keep and rename the contract columns of ``df`` (see :func:`column_map`)."""
    mapping = column_map(table, df.columns, origin)
    out = df.loc[:, list(mapping)]
    out.columns = list(mapping.values())
    return out


def unit_ids(unit: str | Sequence[str] | None) -> str | list[str] | None:
    """The unit filter as readers use it: ``None``, one trimmed id, or a list of trimmed ids.

    A string is one unit (never a sequence of one-letter ids); any other
    sequence, even of one id or none, is a list.

    Raises
    ------
    TypeError
        If a listed id is not a string.
    """
    if unit is None or isinstance(unit, str):
        return unit if unit is None else unit.strip()
    ids = list(unit)
    if not all(isinstance(u, str) for u in ids):
        raise TypeError(f"unit ids must be strings, got {ids!r}")
    return [u.strip() for u in ids]


def unit_scope(table: str, present: Iterable[str]) -> list[tuple[str, str, str]] | None:
    """How a table's rows are tied to a unit, as a chain of (column, parent table, parent key).

    ``[]`` means the table carries ``unit_id`` itself; ``None`` means it is read
    whole (units and executors, kept for peer comparisons, or a table whose
    parent the source lacks: its rows are then all orphans anyway).
    """
    if table in ("units", "executors"):
        return None
    spec = TABLES[table]
    if "unit_id" in spec.column_names:
        return []
    present = set(present)
    for column, parent in spec.parents.items():
        if parent not in present or not TABLES[parent].key:
            continue
        rest = unit_scope(parent, present)
        if rest is not None:
            return [(column, parent, TABLES[parent].key[0]), *rest]
    return None


def as_text(s: pd.Series) -> pd.Series:
    """Raw values as trimmed strings (``str`` dtype), empty cells missing."""
    if s.dtype != "str":
        s = s.astype("str")
    s = s.str.strip()
    return s.mask(s == "")


def to_arrow(s: pd.Series) -> pa.Array:
    """A text column as one contiguous Arrow ``large_string`` array (pandas may hold chunks)."""
    arr = pa.array(s)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())


def filter_unit(tables: dict[str, pd.DataFrame], unit: str | Sequence[str]) -> dict[str, pd.DataFrame]:
    """The rows of one unit or several in raw frames (file sources cannot filter while reading).

    Parent tables are filtered before their children, so a child keeps the rows
    whose parent belongs to one of the units; the index (source position) is
    kept. An empty list keeps no case rows.
    """
    ids = unit_ids(unit)
    ids = [ids] if isinstance(ids, str) else ids
    out = dict(tables)
    for name in TABLES:  # declaration order puts parents first
        if name not in out:
            continue
        chain = unit_scope(name, out)
        if chain is None:
            continue
        df = out[name]
        if not chain:
            out[name] = df[as_text(df["unit_id"]).isin(ids).to_numpy()]
            continue
        column, parent, key = chain[0]
        parent_ids = as_text(out[parent][key]).dropna()
        out[name] = df[as_text(df[column]).isin(parent_ids).to_numpy()]
    return out
