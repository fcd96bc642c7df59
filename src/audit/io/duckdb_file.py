"""A DuckDB database file (the demo database, or a unit's own extract).

Opened read-only, so an audit can run while another reader has it open and
can never change it. Statements come from :func:`audit.io.sql.build_select`,
one per table; one unit is a bound ``?``, several are one bound list tested
with ``list_contains(?, unit_id)``, which DuckDB turns into an ``IN`` filter in
the table scan, even for an empty list (``= ANY(?)`` then evaluates every row).
Rows arrive through Arrow.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from ..contract import TABLES
from ..errors import SourceError
from .base import RawSource, column_map, match_tables, unit_ids
from .parquet import arrow_to_frame
from .sql import build_select, number_rows

__all__ = ["load_duckdb"]

ROW_BASE = 1
MAGIC = b"DUCK"  # bytes 8-11 of a DuckDB file


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_duckdb(path: Path, unit: str | Sequence[str] | None = None) -> RawSource:
    """Read the contract tables of a DuckDB file.

    Parameters
    ----------
    path : Path
        The database file.
    unit : str or sequence of str, optional
        Read only this unit's rows, or those of all the listed units (none
        for an empty list); units and executors are read whole.

    Raises
    ------
    SourceError
        If the file is not a DuckDB database, cannot be opened, or lacks a
        required table or column.
    """
    where = str(path)
    raw = RawSource(description=where)
    ids = unit_ids(unit)
    match = None if ids is None else "{} = ?" if isinstance(ids, str) else "list_contains(?, {})"
    try:
        con = duckdb.connect(where, read_only=True)
    except duckdb.Error as exc:
        raise SourceError(f"cannot open as a DuckDB database: {str(exc).splitlines()[0]}",
                          file=where) from exc
    try:
        kinds = dict(con.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_catalog = current_database()").fetchall())
        found = list(kinds)
        names = match_tables(found, where, "table")
        columns = {}
        for table, name in names.items():
            headers = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND table_schema = current_schema() AND table_catalog = current_database() "
                "ORDER BY ordinal_position", [name]).fetchall()]
            mapping = column_map(table, headers, f"{where}#{name}")
            columns[table] = {contract: src for src, contract in mapping.items()}
        for table in TABLES:
            if table not in names:
                continue
            # A table's rowid is its row's place in the table (0-based), filter or not; a view
            # has none, and its rows are numbered as returned.
            rowid = "rowid + 1" if kinds.get(names[table]) == "BASE TABLE" else None
            sql, filtered = build_select(table, names, columns, _quote, match, rowid)
            result = con.sql(sql, params=[ids] if filtered else None).to_arrow_table()
            raw.tables[table] = number_rows(arrow_to_frame(result))
            raw.origin[table] = f"{where}#{names[table]}"
            raw.row_base[table] = ROW_BASE
    except duckdb.Error as exc:
        raise SourceError(f"cannot read the database: {str(exc).splitlines()[0]}", file=where) from exc
    finally:
        con.close()
    return raw
