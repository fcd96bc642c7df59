"""Reading case records from any supported source.

``load_raw`` decides what the source is from the string alone (and, for a
``.db`` file, its first bytes), reads the contract's tables untyped, and
``load_records`` adds validation. Source kinds:

- a folder of CSV and/or Parquet files, one per table (:mod:`.folder`);
- a workbook (``.xlsx``, ``.xlsm``, ``.xls``, ``.xlsb``, ``.ods``), one sheet per table
  (:mod:`.excel`);
- a DuckDB file, ``.duckdb``/``.ddb``/``.db`` (:mod:`.duckdb_file`);
- a SQLite file, ``.sqlite``/``.sqlite3``/``.db`` (read through SQLAlchemy);
- any SQLAlchemy URL: ``postgresql+psycopg://…`` (``postgresql://`` too),
  ``sqlite:///…`` (:mod:`.sql`);
- a store written by ``audit import`` (a DuckDB file or a Parquet folder,
  :mod:`.store`), recognised by its marker: already validated, so
  ``load_records`` reads it directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa

from ..errors import SourceError
from ..records import CaseRecords
from .base import RawSource, filter_unit, unit_ids
from .duckdb_file import MAGIC as DUCKDB_MAGIC
from .duckdb_file import load_duckdb
from .excel import SUFFIXES as EXCEL_SUFFIXES
from .excel import load_workbook_source
from .folder import SUFFIXES as FOLDER_SUFFIXES
from .folder import load_folder
from .sql import load_url
from .store import load_store, store_kind

__all__ = ["RawSource", "load_raw", "load_records", "source_kind", "records_reader"]

SQLITE_MAGIC = b"SQLite format 3\x00"
_DB_SUFFIXES = (".duckdb", ".ddb", ".db", ".sqlite", ".sqlite3")


def _is_url(source: str) -> bool:
    scheme, sep, _ = source.partition("://")
    # "C:\\…" or a relative path never has "://" right after a bare scheme name.
    return bool(sep) and scheme.replace("+", "").replace("-", "").isalnum()


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(16)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc


def source_kind(source: str) -> str:
    """What ``source`` is: ``"url"``, ``"folder"``, ``"xlsx"``, ``"duckdb"``, ``"sqlite"``
    or ``"store"`` (an audit store, by its marker, whatever its name).

    Raises
    ------
    SourceError
        If the path does not exist or is of no supported kind.
    """
    if _is_url(source):
        return "url"
    path = Path(source).expanduser()
    if path.is_dir():
        return "store" if store_kind(path) else "folder"
    if not path.exists():
        raise SourceError("no such file or folder", file=source)
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return "xlsx"
    if suffix in _DB_SUFFIXES:
        head = _head(path)
        if head.startswith(SQLITE_MAGIC):
            return "sqlite"
        if head[8:12] == DUCKDB_MAGIC or suffix in (".duckdb", ".ddb"):
            return "store" if store_kind(path) else "duckdb"
        raise SourceError("neither a SQLite nor a DuckDB database file", file=source)
    if suffix in FOLDER_SUFFIXES:
        raise SourceError(f"a single {suffix} file is not a source: give the folder holding "
                          "one file per table", file=source)
    raise SourceError("unsupported source: expected a folder of CSV/Parquet files, a workbook "
                      "(.xlsx, .xls, .xlsb, .ods), a DuckDB or SQLite file, or a database URL",
                      file=source)


def load_raw(source: str, unit: str | Sequence[str] | None = None) -> RawSource:
    """Read the contract tables of a source, untyped.

    Parameters
    ----------
    source : str
        A folder, an ``.xlsx`` file, a DuckDB or SQLite file, or a SQLAlchemy URL.
    unit : str or sequence of str, optional
        Read only this unit's cases and what hangs off them, or those of all
        the listed units (a list or tuple; an empty one reads no cases). Units
        and executors are always read whole, for peer comparisons. Databases
        filter in SQL with bound parameters, one statement per table; files
        are filtered after reading.

    Returns
    -------
    RawSource

    Raises
    ------
    SourceError
        The source cannot be read, or a required table or column is missing.
    TypeError
        If a listed unit id is not a string.
    """
    source = str(source)
    unit = unit_ids(unit)  # a bad id fails before anything is read
    kind = source_kind(source)
    if kind == "store":
        raise SourceError("an audit store holds validated records, not raw tables: read it with "
                          "load_records", file=source)
    if kind == "url":
        return load_url(source, unit)
    path = Path(source).expanduser()
    if kind == "folder":
        return load_folder(path, unit)
    if kind == "xlsx":
        return load_workbook_source(path, unit)
    if kind == "duckdb":
        return load_duckdb(path, unit)
    # URL.create, not a formatted string: a '?' or '#' in a file name stays part of the name.
    raw = load_url(sa.URL.create("sqlite", database=str(path.resolve())), unit)
    raw.description = source
    raw.origin = {t: f"{source}#{o.rsplit('#', 1)[-1]}" for t, o in raw.origin.items()}
    return raw


def load_records(source: str, unit: str | Sequence[str] | None = None) -> CaseRecords:
    """Read and validate a source: ``validate(load_raw(source, unit))``, or read a store.

    See :func:`load_raw` for the parameters and :func:`audit.validate.validate`
    for what validation does.
    """
    from ..validate import validate

    if not _is_url(str(source)) and source_kind(str(source)) == "store":
        return load_store(Path(str(source)).expanduser(), unit)
    return validate(load_raw(source, unit))


def records_reader(source: str) -> Callable[[str | Sequence[str] | None], CaseRecords]:
    """A function giving the validated records of a unit, or of several, from ``source``.

    A database filters each call in SQL. A folder or a workbook cannot be filtered
    while it is read, so it is read once, on the first call, and every call filters
    those rows in memory: a unit run reads a workbook once for the unit and its peers.
    """
    from ..validate import validate

    source = str(source)
    if source_kind(source) not in ("folder", "xlsx"):
        return lambda unit: load_records(source, unit)
    whole: list[RawSource] = []

    def read(unit: str | Sequence[str] | None) -> CaseRecords:
        ids = unit_ids(unit)  # a bad id fails before anything is read
        if not whole:
            whole.append(load_raw(source))
        raw = whole[0]
        if ids is None:
            return validate(raw)
        return validate(replace(raw, tables=filter_unit(raw.tables, ids)))

    return read
