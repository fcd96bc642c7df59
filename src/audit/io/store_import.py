"""``audit import``: a source read and validated once, written as a store (:mod:`.store`).

The typed tables go into a DuckDB database table by table, parents first, each
row given the unit it belongs to by a join with its parent (events through
their case, valuations through their asset and its case, …) and written sorted
by unit. A Parquet store is exported from that database. Rows that validation
rejected are counted per unit the way a unit filter at the source places them:
through the raw rows of their parents.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .._frames import lookup
from ..contract import CONTRACT_VERSION, TABLES
from ..errors import ParameterError
from ..records import ISSUE_COLUMNS, CaseRecords
from .base import RawSource, as_text, unit_scope
from .store import (
    COUNTS_TABLE,
    DUCKDB_SUFFIXES,
    FORMAT,
    ISSUES_TABLE,
    MANIFEST,
    META_TABLE,
    ROW,
    STORE_VERSION,
    UNIT,
    file_sha256,
    literal,
    quote,
    sidecar,
    store_kind,
)

__all__ = ["StoreImport", "import_source"]

_ARROW_TYPES = {"str": pa.string(), "date": pa.date32(), "money": pa.int64(), "int": pa.int64(),
                "float": pa.float64(), "bool": pa.bool_()}
Chain = list[tuple[str, str, str]]


@dataclass(frozen=True)
class StoreImport:
    """What :func:`import_source` wrote: the store, its layout, its manifest, and the time taken."""

    path: Path
    kind: str
    manifest: dict[str, Any]
    seconds: float


def _scoped(tables: dict[str, Any]) -> dict[str, Chain]:
    """The tables read by unit, each with its chain to ``unit_id`` (see ``unit_scope``);
    declaration order, so parents come first."""
    out = {}
    for name in TABLES:
        if name in tables:
            chain = unit_scope(name, tables)
            if chain is not None:
                out[name] = chain
    return out


def _positions(raw: pd.DataFrame) -> np.ndarray:
    """Each raw row's 0-based position in its source table (what ``source_row`` counts from)."""
    index = raw.index.to_numpy()
    return index.astype("int64") if np.issubdtype(index.dtype, np.integer) else np.arange(len(raw))


class _RawUnits:
    """The unit of raw rows, through the raw rows of their parents (first row of a repeated key),
    as a unit filter at the source decides which rows a unit's run reads."""

    def __init__(self, raw: RawSource, scoped: dict[str, Chain]) -> None:
        self.raw = raw
        self.scoped = scoped
        self._by_key: dict[tuple[str, str], pd.Series] = {}

    def of(self, name: str, rows: pd.DataFrame) -> pd.Series:
        chain = self.scoped[name]
        if not chain:
            return as_text(rows["unit_id"]).reset_index(drop=True)
        column, parent, key = chain[0]
        return lookup(as_text(rows[column]).reset_index(drop=True), self._parent(parent, key))

    def _parent(self, parent: str, key: str) -> pd.Series:
        if (parent, key) not in self._by_key:
            rows = self.raw.tables[parent]
            keys = as_text(rows[key]).reset_index(drop=True)
            units = self.of(parent, rows)
            first = (keys.notna() & ~keys.duplicated()).to_numpy()
            self._by_key[parent, key] = pd.Series(units[first].to_numpy(), index=keys[first].to_numpy(),
                                                  dtype="str")
        return self._by_key[parent, key]


def _rejected_by_unit(raw: RawSource, records: CaseRecords, scoped: dict[str, Chain]) -> dict[str, pd.Series]:
    """Per table read by unit: how many of its rejected rows each unit had (NaN: no unit)."""
    units = _RawUnits(raw, scoped)
    out = {}
    for name in scoped:
        rows = raw.tables[name]
        kept = records.tables[name][ROW].to_numpy() - raw.row_base.get(name, 1)
        rejected = ~np.isin(_positions(rows), kept)
        out[name] = units.of(name, rows.iloc[np.flatnonzero(rejected)]).value_counts(dropna=False)
    return out


def _arrow_table(name: str, df: pd.DataFrame) -> pa.Table:
    """A typed frame as Arrow with the store's column types (dates as DATE)."""
    columns, fields = [], []
    for col in TABLES[name].columns:
        arr = pa.array(df[col.name], from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        columns.append(arr.cast(_ARROW_TYPES[col.kind]))
        fields.append(pa.field(col.name, _ARROW_TYPES[col.kind]))
    columns.append(pa.array(df[ROW].to_numpy(dtype="int64")))
    fields.append(pa.field(ROW, pa.int64()))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _write_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame,
                 chain: Chain | None) -> None:
    """Create the store table of ``name``: its rows, each with its unit, sorted by unit.

    A child's unit is its parent's (already written: parents come first); a kept
    row always has its parent among the kept rows, whose keys are unique.
    """
    con.register("_incoming", _arrow_table(name, frame))
    try:
        if chain is None:
            unit, join = f"NULL::VARCHAR AS {UNIT}", ""
        elif not chain:
            unit, join = f"t.unit_id AS {UNIT}", ""
        else:
            column, parent, key = chain[0]
            unit = f"p.{UNIT}"
            join = (f"LEFT JOIN (SELECT {quote(key)} AS _key, {UNIT} FROM {quote(parent)}) p "
                    f"ON t.{quote(column)} = p._key")
        con.execute(f"CREATE TABLE {quote(name)} AS SELECT t.*, {unit} FROM _incoming t {join} "
                    f"ORDER BY {UNIT} NULLS LAST, {ROW}")
    finally:
        con.unregister("_incoming")


def _counts(con: duckdb.DuckDBPyConnection, records: CaseRecords, scoped: dict[str, Chain],
            rejected: dict[str, pd.Series]) -> pd.DataFrame:
    """Rows read, audited and rejected per table and unit (unit NULL for tables read whole)."""
    totals = records.counts.set_index("table")
    parts = []
    for name in totals.index:
        if name not in scoped:
            row = totals.loc[name]
            parts.append(pd.DataFrame({"table": [name], "unit_id": [None],
                                       "rows_audited": [int(row["rows_audited"])],
                                       "rows_rejected": [int(row["rows_rejected"])]}))
            continue
        audited = con.sql(f"SELECT {UNIT} AS unit_id, count(*) AS n FROM {quote(name)} GROUP BY 1"
                          ).df().set_index("unit_id")["n"]
        both = pd.DataFrame({"rows_audited": audited, "rows_rejected": rejected[name]}).fillna(0)
        both = both.rename_axis("unit_id").reset_index()
        both.insert(0, "table", name)
        parts.append(both)
    out = pd.concat(parts, ignore_index=True)
    out["unit_id"] = out["unit_id"].astype("str")
    for c in ("rows_audited", "rows_rejected"):
        out[c] = out[c].astype("int64")
    out["rows_read"] = out["rows_audited"] + out["rows_rejected"]
    numbers = ["rows_read", "rows_audited", "rows_rejected"]
    check = out.groupby("table", sort=False)[numbers].sum()
    if not np.array_equal(check.to_numpy(), totals.loc[check.index, numbers].to_numpy(dtype="int64")):
        raise AssertionError("per-unit row counts do not add up to validation's counts")
    return out[["table", "unit_id", *numbers]]


def _issues_arrow(issues: pd.DataFrame, scoped: dict[str, Chain]) -> pa.Table:
    frame = issues.loc[:, list(ISSUE_COLUMNS)].reset_index(drop=True)
    cols = {c: pa.array(frame[c], from_pandas=True, type=pa.int64() if c == "row" else pa.string())
            for c in ISSUE_COLUMNS}
    # Problems in tables read whole (units, executors) belong to every unit's run.
    cols["_whole"] = pa.array(~frame["table"].isin(list(scoped)).to_numpy(dtype=bool))
    cols["_seq"] = pa.array(np.arange(len(frame), dtype="int64"))
    return pa.table(cols)


def _target_kind(to: Path, fmt: str | None) -> str:
    if fmt is None:
        return "duckdb" if to.suffix.lower() in DUCKDB_SUFFIXES else "parquet"
    if fmt not in ("duckdb", "parquet"):
        raise ParameterError(f"store format must be duckdb or parquet, got {fmt!r}")
    return fmt


def _check_target(to: Path, kind: str) -> None:
    """Refuse to replace anything but an earlier store."""
    if not to.parent.is_dir():
        raise ParameterError("the folder to write the store in does not exist", file=str(to.parent))
    if kind == "duckdb":
        if to.is_dir():
            raise ParameterError("is a folder; a DuckDB store is one file (give a .duckdb path, or "
                                 "--format parquet)", file=str(to))
        if to.exists() and store_kind(to) != "duckdb":
            raise ParameterError("exists and is not an audit store: left alone (choose another path)",
                                 file=str(to))
    else:
        if to.exists() and not to.is_dir():
            raise ParameterError("exists and is not a folder; a Parquet store is a folder", file=str(to))
        if to.is_dir() and any(to.iterdir()) and store_kind(to) != "parquet":
            raise ParameterError("is a folder that is not empty and not an audit store: left alone "
                                 "(choose another path)", file=str(to))


def _environment() -> dict[str, str]:
    import platform
    import sys

    return {"python": sys.version.split()[0], "platform": platform.platform(), "duckdb": duckdb.__version__,
            "pyarrow": pa.__version__, "pandas": pd.__version__}


def import_source(source: str, to: str | Path, *, fmt: str | None = None,
                  progress: Callable[[str], None] | None = None) -> StoreImport:
    """Read and validate ``source`` once and write it as a store at ``to``.

    Parameters
    ----------
    source : str
        Any source :func:`audit.io.load_raw` reads (not a store).
    to : str or Path
        A ``.duckdb`` file (the layout for that suffix) or a folder (Parquet).
    fmt : {"duckdb", "parquet"}, optional
        The layout, when the suffix should not decide.
    progress : callable, optional
        Called with a short line as each stage starts.

    Returns
    -------
    StoreImport

    Raises
    ------
    SourceError
        The source cannot be read.
    ParameterError
        The target exists and is not a store, its folder is missing, or the
        source is a store already.

    Notes
    -----
    The store is written beside its final place and moved there only when
    complete: a failed import leaves any earlier store as it was.
    """
    from .. import __version__
    from ..report.outputs import redact, utc_now
    from ..validate import validate
    from . import load_raw, source_kind

    say = progress or (lambda _text: None)
    began = time.perf_counter()
    target = Path(to).expanduser().resolve()
    kind = _target_kind(target, fmt)
    _check_target(target, kind)
    source = str(source)
    source_type = source_kind(source)
    if source_type == "store":
        raise ParameterError("the source is an audit store already", file=source)
    say("reading the source")
    raw = load_raw(source)
    say("validating")
    records = validate(raw)
    scoped = _scoped(raw.tables)
    rejected = _rejected_by_unit(raw, records, scoped)
    origin = {t: redact(o) for t, o in raw.origin.items()}
    row_base = dict(raw.row_base)
    description = redact(raw.description)
    del raw

    say("writing the store")
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.importing-", dir=target.parent))
    placed = False
    try:
        db_file = work / (target.name if kind == "duckdb" else "build.duckdb")
        con = duckdb.connect(str(db_file))
        try:
            for name in TABLES:
                _write_table(con, name, records.tables[name], scoped.get(name))
            con.register("_incoming", _issues_arrow(records.issues, scoped))
            con.execute(f"CREATE TABLE {ISSUES_TABLE} AS SELECT * FROM _incoming ORDER BY _seq")
            con.unregister("_incoming")
            counts = _counts(con, records, scoped, rejected)
            con.register("_incoming", pa.Table.from_pandas(counts, preserve_index=False))
            con.execute(f"CREATE TABLE {COUNTS_TABLE} AS SELECT * FROM _incoming")
            con.unregister("_incoming")
            manifest: dict[str, Any] = {
                "format": FORMAT, "store_version": STORE_VERSION, "kind": kind,
                "contract_version": CONTRACT_VERSION, "toolkit_version": __version__,
                "created_at": utc_now(),
                "source": {"description": description, "kind": source_type,
                           "fingerprint": records.fingerprint, "origin": origin, "row_base": row_base},
                "tables": {name: {"present": name in records.present, "rows": int(len(records.tables[name])),
                                  "scope": "unit" if name in scoped else "whole"} for name in TABLES},
                "counts": [{"table": r["table"], **{k: int(r[k]) for k in ("rows_read", "rows_audited",
                                                                        "rows_rejected")}}
                           for r in records.counts.to_dict("records")],
                "issues": int(len(records.issues)),
                "units": int(len(records.units)),
                "environment": _environment(),
            }
            if kind == "duckdb":
                con.execute(f"CREATE TABLE {META_TABLE} (key VARCHAR, value VARCHAR)")
                con.execute(f"INSERT INTO {META_TABLE} VALUES ('manifest', ?)",
                            [json.dumps(manifest, ensure_ascii=False)])
            else:
                for name in [*TABLES, ISSUES_TABLE, COUNTS_TABLE]:
                    order = "_seq" if name == ISSUES_TABLE else f"{UNIT} NULLS LAST, {ROW}" \
                        if name in TABLES else "\"table\", unit_id NULLS LAST"
                    # Row groups of 64k rows: a unit's rows span few groups; a filter skips the rest.
                    con.execute(f"COPY (SELECT * FROM {quote(name)} ORDER BY {order}) TO "
                                f"{literal(str(work / (name + '.parquet')))} "
                                "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536)")
        finally:
            con.close()
        del records
        say("hashing")
        if kind == "duckdb":
            data_files = [db_file]
        else:
            db_file.unlink()
            data_files = sorted(work.glob("*.parquet"))
        manifest["files"] = {f.name: {"sha256": file_sha256(f), "bytes": f.stat().st_size} for f in data_files}
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        if kind == "duckdb":
            (work / sidecar(target).name).write_text(text, encoding="utf-8")
            os.replace(db_file, target)
            os.replace(work / sidecar(target).name, sidecar(target))
        else:
            (work / MANIFEST).write_text(text, encoding="utf-8")
            _swap_folder(work, target)
            placed = True  # the work folder is the store now
    finally:
        if not placed:
            shutil.rmtree(work, ignore_errors=True)
    return StoreImport(target, kind, manifest, time.perf_counter() - began)


def _swap_folder(new: Path, target: Path) -> None:
    """Put the finished folder in place of an earlier store (or of nothing) at ``target``."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.replaced-{os.getpid()}")
        os.replace(target, old)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
