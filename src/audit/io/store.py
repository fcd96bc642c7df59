"""The columnar store: a source read and validated once, then audited many times.

``audit import SRC --to STORE`` reads a source (any kind :func:`audit.io.load_raw`
reads), validates it, and writes what validation produced:

- one table per contract table, typed as ``CaseRecords`` holds it (money and
  counts ``BIGINT``, dates ``DATE``, flags ``BOOLEAN``), each row with its
  ``source_row`` (the row or line number in the source table it came from) and
  ``_unit_id``, the unit it belongs to (through its case for events, assets,
  auction rounds, …; NULL in units and executors, which are always read whole);
  rows are written sorted by unit, so a unit's rows sit together and a filter on
  ``_unit_id`` skips the rest (DuckDB's zone maps, Parquet's row-group statistics);
- ``_audit_issues``: every data-quality problem, with the source's table and row;
- ``_audit_counts``: rows read, audited and rejected per table and unit;
- the manifest: what was imported (credentials redacted), its fingerprint, the
  counts, the contract and toolkit versions, the time, and the SHA-256 of every
  file of the store.

Two layouts. A DuckDB file (``STORE.duckdb``) holds the tables and the manifest
in its ``_audit_store`` table (the marker that makes it a store), and the file's
hash in ``STORE.duckdb.manifest.json`` beside it (a file cannot hold its own
hash). A Parquet folder holds ``<table>.parquet`` files and ``manifest.json``.
Both are read through DuckDB. A store whose files no longer match their hashes
was changed after import and is refused.

Reading a store needs no validation: :func:`load_store` returns ``CaseRecords``
directly, and for one unit or a few reads only their rows. Writing one is
:mod:`.store_import`'s job.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from ..contract import CONTRACT_VERSION, TABLES
from ..errors import SourceError
from ..records import COUNT_COLUMNS, DTYPES, ISSUE_COLUMNS, CaseRecords, empty_frame
from .base import unit_ids

__all__ = ["FORMAT", "STORE_VERSION", "is_store", "store_kind", "load_store", "read_store_manifest",
           "verify_store", "store_unit_ids", "sidecar", "select_sql", "quote", "literal", "file_sha256"]

FORMAT = "thads-audit-store"
STORE_VERSION = 1
META_TABLE = "_audit_store"
ISSUES_TABLE = "_audit_issues"
COUNTS_TABLE = "_audit_counts"
MANIFEST = "manifest.json"  # in a Parquet store's folder
UNIT = "_unit_id"
ROW = "source_row"

DUCKDB_SUFFIXES = (".duckdb", ".ddb", ".db")
# What load_store(..., assets_only=True) reads (the cases only those holding an asset).
ASSET_TABLES = ("units", "executors", "cases", "assets", "valuations", "auctions", "bids")


# ---- recognising a store ---------------------------------------------------------------
def sidecar(path: str | Path) -> Path:
    """The manifest file beside a DuckDB store: ``STORE.duckdb.manifest.json``."""
    p = Path(path)
    return p.with_name(p.name + ".manifest.json")


def quote(name: str) -> str:
    """A SQL identifier, double-quoted."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal, single-quoted."""
    return "'" + text.replace("'", "''") + "'"


def _duckdb_marker(path: Path) -> dict[str, Any] | None:
    """The manifest inside a DuckDB file, or None when the file is no store."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        found = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
            "AND table_schema = current_schema() AND table_catalog = current_database()",
            [META_TABLE]).fetchone()
        if not found or not found[0]:
            return None
        row = con.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'manifest'").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    try:
        manifest = json.loads(row[0]) if row else None
    except (TypeError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("format") == FORMAT else None


def _folder_marker(path: Path) -> dict[str, Any] | None:
    file = path / MANIFEST
    if not file.is_file():
        return None
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("format") == FORMAT else None


def store_kind(path: str | Path) -> str | None:
    """``"duckdb"`` or ``"parquet"`` when ``path`` is a store (by its marker), else None.

    A DuckDB file is a store when it holds the ``_audit_store`` table with the
    store's format marker; a folder when its ``manifest.json`` carries it. The
    name alone never decides.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        return "parquet" if _folder_marker(p) is not None else None
    if p.is_file() and p.suffix.lower() in DUCKDB_SUFFIXES:
        try:
            with p.open("rb") as fh:
                head = fh.read(16)
        except OSError:
            return None
        if head[8:12] == b"DUCK" and _duckdb_marker(p) is not None:
            return "duckdb"
    return None


def is_store(path: str | Path) -> bool:
    """Whether ``path`` is a store written by :func:`import_source`."""
    return store_kind(path) is not None


# ---- the manifest and the hashes -------------------------------------------------------
def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file (the same digest as the run manifests')."""
    from ..report.outputs import sha256

    return sha256(path)


def read_store_manifest(path: str | Path) -> dict[str, Any]:
    """The store's manifest as written at import (without checking the hashes).

    Raises
    ------
    SourceError
        If ``path`` is not a store or its manifest is missing or unreadable.
    """
    p = Path(path).expanduser()
    kind = store_kind(p)
    if kind is None:
        raise SourceError("not an audit store (no store manifest)", file=str(path))
    file = p / MANIFEST if kind == "parquet" else sidecar(p)
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"the store's manifest {file.name} is missing: keep it beside the store "
                          "or import the source again", file=str(path)) from None
    except (OSError, ValueError) as exc:
        raise SourceError(f"the store's manifest {file.name} cannot be read ({exc})".splitlines()[0],
                          file=str(path)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SourceError(f"{file.name} is not an audit store manifest", file=str(path))
    return manifest


# Stores verified in this process, by what stat says of their files: a unit run
# reads its unit and then its province, and need not hash the same bytes twice.
_VERIFIED: dict[tuple[str, ...], dict[str, Any]] = {}


def _stat_key(path: Path, files: list[Path]) -> tuple[str, ...]:
    key = [str(path.resolve())]
    for f in files:
        st = f.stat()
        key.append(f"{f.name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")
    return tuple(key)


def verify_store(path: str | Path) -> dict[str, Any]:
    """Check every file of the store against the SHA-256 in its manifest.

    Returns
    -------
    dict
        The manifest.

    Raises
    ------
    SourceError
        One line when the store is not one, its manifest is missing, a file is
        missing, or a file was changed after import; or when the store was
        written by a newer toolkit or under another contract version.
    """
    p = Path(path).expanduser()
    manifest = read_store_manifest(p)
    if manifest.get("store_version") != STORE_VERSION:
        raise SourceError(f"store format version {manifest.get('store_version')!r} is not "
                          f"{STORE_VERSION}: import the source again with this toolkit", file=str(path))
    if manifest.get("contract_version") != CONTRACT_VERSION:
        raise SourceError(f"the store holds contract {manifest.get('contract_version')} records, this "
                          f"toolkit reads contract {CONTRACT_VERSION}: import the source again",
                          file=str(path))
    expected: dict[str, dict[str, Any]] = manifest.get("files") or {}
    files: dict[Path, dict[str, Any]]
    if manifest["kind"] == "duckdb":
        # The database is the store's one file, whatever it has been renamed to since.
        files = {p: next(iter(expected.values()), {})}
    else:
        files = {p / name: meta for name, meta in sorted(expected.items())}
    if not files:
        raise SourceError("the store's manifest lists no file: import the source again", file=str(path))
    for f in files:
        if not f.is_file():
            raise SourceError(f"{f.name} is missing from the store: import the source again", file=str(path))
    key = _stat_key(p, list(files))
    if key in _VERIFIED:
        return _VERIFIED[key]
    for f, meta in files.items():
        if file_sha256(f) != meta.get("sha256"):
            raise SourceError(f"the store was changed after import ({f.name} does not match the hash "
                              "in its manifest): import the source again", file=str(path))
    _VERIFIED[key] = manifest
    return manifest


# ---- reading -----------------------------------------------------------------------------
def _relation(kind: str, path: Path, name: str) -> str:
    if kind == "duckdb":
        return quote(name)
    return f"read_parquet({literal(str(path / (name + '.parquet')))})"


def _connect(path: Path, kind: str) -> duckdb.DuckDBPyConnection:
    """DuckDB on the store: the file itself read-only, or an in-memory engine over Parquet."""
    try:
        return duckdb.connect(str(path), read_only=True) if kind == "duckdb" else duckdb.connect()
    except duckdb.Error as exc:
        raise SourceError(f"cannot open the store: {str(exc).splitlines()[0]}", file=str(path)) from exc


def select_sql(kind: str, path: Path, table: str, filtered: bool) -> str:
    """The statement reading one contract table of a store, in source order.

    ``filtered``: only the units of the one bound parameter (a list), tested with
    ``list_contains(?, _unit_id)``, which DuckDB pushes into the scan as an ``IN``
    filter; the rows being sorted by unit, it skips every row group (DuckDB) or
    Parquet row group whose ``_unit_id`` range holds none of them.
    """
    select = ", ".join(quote(c) for c in [*TABLES[table].column_names, ROW])
    where = f" WHERE list_contains(?, {UNIT})" if filtered else ""
    return f"SELECT {select} FROM {_relation(kind, path, table)}{where} ORDER BY {ROW}"


def _frame(name: str, table: pa.Table) -> pd.DataFrame:
    """Arrow rows of a contract table as ``CaseRecords`` holds them (``records.DTYPES``)."""
    cols: dict[str, pd.Series] = {}
    for col in TABLES[name].columns:
        arr = table.column(col.name)
        if col.kind == "date":
            s = pd.Series(arr.cast(pa.timestamp("s")).to_pandas(), dtype="datetime64[s]")
        elif col.kind == "str":
            s = pd.Series(arr.to_pandas(), dtype="str")
        else:
            s = pd.Series(arr.to_pandas(types_mapper=_nullable), dtype=DTYPES[col.kind])
        cols[col.name] = s
    cols[ROW] = pd.Series(table.column(ROW).to_numpy(), dtype="int64")
    return pd.DataFrame(cols)


def _nullable(t: pa.DataType) -> object:
    if pa.types.is_integer(t):
        return pd.Int64Dtype()
    if pa.types.is_boolean(t):
        return pd.BooleanDtype()
    return None


def load_store(path: str | Path, unit: str | Sequence[str] | None = None, *,
               assets_only: bool = False) -> CaseRecords:
    """Read a store's records, all of them or only some units' (no validation needed).

    Parameters
    ----------
    path : str or Path
        The store (a DuckDB file or a Parquet folder).
    unit : str or sequence of str, optional
        Only this unit's rows, or those of the listed units (none for an empty
        list): a filter on ``_unit_id`` the store's layout lets DuckDB apply while
        scanning. Units and executors are read whole, and the data-quality issues
        and row counts are those of the rows read, as for a source filtered by unit.

    Returns
    -------
    CaseRecords
        The records with the source's data-quality issues (original table and row
        numbers), the source's fingerprint, and ``source`` naming the store and
        what it was imported from.

    Raises
    ------
    SourceError
        The store is missing a file or was changed after import.
    """
    p = Path(path).expanduser()
    manifest = verify_store(p)
    kind = manifest["kind"]
    ids = unit_ids(unit)
    wanted = None if ids is None else [ids] if isinstance(ids, str) else ids
    con = _connect(p, kind)
    tables: dict[str, pd.DataFrame] = {}
    try:
        for name in TABLES:
            info = manifest["tables"].get(name)
            if info is None:  # a table the contract gained after this store was imported
                tables[name] = empty_frame(name)
                continue
            if assets_only and name not in ASSET_TABLES:
                tables[name] = empty_frame(name)
                continue
            filtered = wanted is not None and info["scope"] == "unit"
            sql = select_sql(kind, p, name, filtered)
            if assets_only and name == "cases":
                sql = sql.replace(" ORDER BY ", f" {'AND' if filtered else 'WHERE'} case_id IN "
                                  f"(SELECT case_id FROM {_relation(kind, p, 'assets')}) ORDER BY ")
            result = con.sql(sql, params=[wanted] if filtered else None).to_arrow_table()
            tables[name] = _frame(name, result)
        issues_sql = f"SELECT * EXCLUDE (_whole, _seq) FROM {_relation(kind, p, ISSUES_TABLE)}"
        counts_sql = (f"SELECT \"table\", sum(rows_read)::BIGINT AS rows_read, "
                      f"sum(rows_audited)::BIGINT AS rows_audited, sum(rows_rejected)::BIGINT AS rows_rejected "
                      f"FROM {_relation(kind, p, COUNTS_TABLE)}")
        params = None
        if wanted is not None:
            issues_sql += " WHERE _whole OR list_contains(?, unit_id)"
            scoped = [literal(t) for t, i in manifest["tables"].items() if i["scope"] == "unit"]
            whole = f"\"table\" NOT IN ({', '.join(scoped)})" if scoped else "true"
            counts_sql += f" WHERE {whole} OR list_contains(?, unit_id)"
            params = [wanted]
        issues = con.sql(issues_sql + " ORDER BY _seq", params=params).to_arrow_table().to_pandas(
            types_mapper=_nullable)
        counts = con.sql(counts_sql + " GROUP BY \"table\"", params=params).to_arrow_table().to_pandas()
    except duckdb.Error as exc:
        raise SourceError(f"cannot read the store: {str(exc).splitlines()[0]}", file=str(path)) from exc
    finally:
        con.close()
    present = frozenset(n for n, i in manifest["tables"].items() if i["present"] and n in TABLES)
    return CaseRecords(
        tables=tables, present=present, issues=_issue_frame(issues), counts=_count_frame(counts, present),
        source=f"{p} (imported from {manifest['source']['description']})",
        fingerprint=manifest["source"]["fingerprint"],
    )


def _issue_frame(issues: pd.DataFrame) -> pd.DataFrame:
    return issues.astype({c: ("Int64" if c == "row" else "str") for c in ISSUE_COLUMNS}).loc[:, list(ISSUE_COLUMNS)]


def _count_frame(counts: pd.DataFrame, present: frozenset[str]) -> pd.DataFrame:
    """Counts in the contract's table order, zero for a present table without rows read."""
    by_table = counts.set_index("table")
    rows = []
    for name in TABLES:
        if name not in present:
            continue
        got = by_table.loc[name] if name in by_table.index else None
        # rows_after_as_of is counted by CaseRecords.as_of at run time, never at import.
        rows.append((name, *(int(got[c]) if got is not None and c in got else 0 for c in COUNT_COLUMNS[1:])))
    return pd.DataFrame(rows, columns=list(COUNT_COLUMNS)).astype({c: "int64" for c in COUNT_COLUMNS[1:]})


def store_unit_ids(path: str | Path, with_cases: bool = True) -> list[str]:
    """The units of a store, sorted; by default only those with at least one case."""
    p = Path(path).expanduser()
    manifest = verify_store(p)
    kind = manifest["kind"]
    con = _connect(p, kind)
    try:
        if with_cases:
            sql = f"SELECT DISTINCT {UNIT} FROM {_relation(kind, p, 'cases')} WHERE {UNIT} IS NOT NULL"
        else:
            sql = f"SELECT DISTINCT unit_id FROM {_relation(kind, p, 'units')} WHERE unit_id IS NOT NULL"
        return sorted(r[0] for r in con.execute(sql).fetchall())
    finally:
        con.close()
