"""Tables in a database reached through a SQLAlchemy URL (PostgreSQL, SQLite, …).

Statements are built only from the contract's declaration and the names the
database's own catalogue reports, quoted by the dialect; unit ids are always
bound parameters (several units: one expanding ``IN :units`` parameter). A
unit filter runs in the database, one statement per table: tables without
``unit_id`` are reached through their parents by ``IN (SELECT …)`` subqueries,
so a national database is never pulled whole to audit one office.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ..contract import TABLES
from ..errors import SourceError
from ..redact import redact
from .base import RawSource, column_map, match_tables, unit_ids, unit_scope

__all__ = ["load_url", "build_select", "redact", "CHUNK_ROWS", "ROW_COLUMN", "number_rows"]

ROW_BASE = 1
CHUNK_ROWS = 200_000  # rows per fetch: bounds the driver's Python objects in memory


ROW_COLUMN = "__source_row"  # the row's number in its table, selected beside the contract columns


def build_select(table: str, names: dict[str, str], columns: Mapping[str, Mapping[str, object]],
                 quote: Callable[[str], str], match: str | None,
                 row_number: str | None = None) -> tuple[str, bool]:
    """The SELECT for one contract table, optionally limited to one unit or several.

    Parameters
    ----------
    table : str
        The contract table.
    names : dict
        Contract table -> the database's name for it.
    columns : dict
        Contract table -> {contract column: the database's column name}.
    quote : callable
        The dialect's identifier quoting.
    match : str or None
        The test of the quoted ``unit_id`` column, ``{}`` standing for it, with
        the unit parameter's placeholder (``"{} = :unit"``, ``"{} IN :units"``,
        ``"list_contains(?, {})"``); None for no filter.
    row_number : str, optional
        An expression giving each row's number in the whole table, in its natural
        order (``rowid``); selected as ``__source_row`` so that a filtered read still
        names the row a person finds in the table. An expression starting with
        ``ROW_NUMBER()`` is a window: it is computed over the whole table in a
        subquery and the unit filter applied outside it.

    Returns
    -------
    sql : str
    filtered : bool
        Whether the statement uses the unit parameter (once).
    """
    select = ", ".join(f"{quote(str(src))} AS {quote(name)}" for name, src in columns[table].items())
    source = quote(names[table])
    if row_number and row_number.upper().startswith("ROW_NUMBER()"):
        # Numbered over the whole table first, filtered after: the filter must not renumber.
        source = f"(SELECT *, {row_number} AS {quote(ROW_COLUMN)} FROM {source}) AS {source}"
        select += f", {quote(ROW_COLUMN)}"
    elif row_number:
        select += f", {row_number} AS {quote(ROW_COLUMN)}"
    sql = f"SELECT {select} FROM {source}"
    chain = unit_scope(table, names) if match else None
    if chain is None:
        return sql, False

    template = match or ""

    def predicate(current: str, rest: list[tuple[str, str, str]]) -> str:
        if not rest:
            return template.format(quote(str(columns[current]["unit_id"])))
        column, parent, key = rest[0]
        return (f"{quote(str(columns[current][column]))} IN (SELECT {quote(str(columns[parent][key]))} "
                f"FROM {quote(names[parent])} WHERE {predicate(parent, rest[1:])})")

    return f"{sql} WHERE {predicate(table, chain)}", True


def _engine_url(source: str | sa.URL) -> sa.URL:
    try:
        url = sa.make_url(source)
    except sa.exc.ArgumentError as exc:
        raise SourceError("not a database URL", file=redact(source)) from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # the driver the toolkit ships with
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database not in ("", ":memory:") \
            and not database.startswith("file:") and not Path(database).is_file():
        # SQLite would quietly create an empty database instead.
        raise SourceError("no such database file", file=redact(source))
    return url


def _unit_filter(unit: str | Sequence[str] | None) -> tuple[str | None, dict, list]:
    """The unit test for :func:`build_select`, its parameters, and the bindparams it needs."""
    ids = unit_ids(unit)
    if ids is None:
        return None, {}, []
    if isinstance(ids, str):
        return "{} = :unit", {"unit": ids}, []
    # Left untyped, each id is cast by the server as the single-unit parameter is; an
    # empty list would render as CAST(NULL AS INTEGER), which PostgreSQL cannot
    # compare with a text column, so that one is typed.
    units = sa.bindparam("units", expanding=True, type_=None if ids else sa.String())
    return "{} IN :units", {"units": ids}, [units]


def number_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Move the selected row numbers into the index (0-based, as file readers give it), so
    that ``source_row = index + 1`` is the row's number in its table."""
    if ROW_COLUMN not in frame:
        return frame
    numbers = pd.to_numeric(frame[ROW_COLUMN]).astype("int64").to_numpy() - 1
    out = frame.drop(columns=ROW_COLUMN)
    out.index = pd.Index(numbers)
    return out


def _row_number(conn: sa.Connection, table: str, tables: set[str]) -> str | None:
    """How this database numbers a table's rows in its natural order, or None (a view, or a
    table without a row key: its rows are then numbered as returned)."""
    if table not in tables:
        return None
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return "ROW_NUMBER() OVER (ORDER BY ctid)"  # physical order; PostgreSQL has no rowid
    if dialect == "sqlite":
        ddl = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :n"),
                           {"n": table}).scalar()
        return None if ddl is None or "WITHOUT ROWID" in str(ddl).upper() else "rowid"
    return None


def _read(conn: sa.Connection, stmt: sa.TextClause, params: dict) -> pd.DataFrame:
    chunks = pd.read_sql(stmt, conn, params=params, chunksize=CHUNK_ROWS,
                         dtype_backend="numpy_nullable")
    frames = list(chunks)
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)


def load_url(source: str | sa.URL, unit: str | Sequence[str] | None = None) -> RawSource:
    """Read the contract tables through a SQLAlchemy URL.

    Parameters
    ----------
    source : str or sqlalchemy.URL
        ``postgresql+psycopg://user@host/db``, ``sqlite:///path``, … A PostgreSQL
        schema is chosen with ``?options=-csearch_path%3Dschema``.
    unit : str or sequence of str, optional
        Read only this unit's rows, or those of all the listed units (none
        for an empty list); units and executors are read whole.

    Raises
    ------
    SourceError
        If the database cannot be reached or read, or lacks a required table or column.
    """
    where = redact(source)
    url = _engine_url(source)
    match, params, binds = _unit_filter(unit)
    raw = RawSource(description=where)
    try:
        engine = sa.create_engine(url)
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        raise SourceError(f"unsupported database URL ({exc})".splitlines()[0], file=where) from exc
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            found = insp.get_table_names()
            base_tables = set(found)
            with contextlib.suppress(NotImplementedError):  # dialects without views
                found += insp.get_view_names()
            names = match_tables(found, where, "table")
            columns = {}
            for table, name in names.items():
                headers = [c["name"] for c in insp.get_columns(name)]
                mapping = column_map(table, headers, f"{where}#{name}")
                columns[table] = {contract: src for src, contract in mapping.items()}
            quote = engine.dialect.identifier_preparer.quote_identifier
            numbering = {t: _row_number(conn, name, base_tables) for t, name in names.items()}
            conn = conn.execution_options(stream_results=True)  # server-side cursor where supported
            for table in TABLES:
                if table not in names:
                    continue
                sql, filtered = build_select(table, names, columns, quote, match, numbering[table])
                stmt = sa.text(sql).bindparams(*binds) if filtered else sa.text(sql)
                raw.tables[table] = number_rows(_read(conn, stmt, params if filtered else {}))
                raw.origin[table] = f"{where}#{names[table]}"
                raw.row_base[table] = ROW_BASE
    except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
        # pandas wraps what fails while a table is read in its own DatabaseError.
        cause = exc.__cause__ if isinstance(exc, pd.errors.DatabaseError) and exc.__cause__ else exc
        detail = str(getattr(cause, "orig", None) or cause).strip().splitlines()
        raise SourceError(f"cannot read the database: {detail[0] if detail else type(exc).__name__}",
                          file=where) from exc
    finally:
        engine.dispose()
    return raw
