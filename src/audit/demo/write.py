"""Writing the demo frames to a DuckDB file with the contract's column types."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from ..contract import TABLES

SQL_TYPES = {"str": "VARCHAR", "date": "DATE", "money": "BIGINT", "int": "INTEGER", "float": "DOUBLE",
             "bool": "BOOLEAN"}
TRUTH_TYPES = {"rule_id": "VARCHAR", "entity_type": "VARCHAR", "entity_id": "VARCHAR", "unit_id": "VARCHAR",
               "case_id": "VARCHAR", "note": "VARCHAR", "expect": "VARCHAR", "kind": "VARCHAR"}


def column_types(table: str, frame: pd.DataFrame) -> dict[str, str]:
    """SQL type of each column of ``frame`` (contract kinds; ``truth`` is all text)."""
    if table == "truth":
        return {c: TRUTH_TYPES[c] for c in frame.columns}
    types = {c: SQL_TYPES[TABLES[table].column(c).kind] for c in frame.columns}
    if table == "reported_stats":
        types["value"] = "BIGINT"  # money metrics run to trillions of VND
    return types


def write_duckdb(frames: dict[str, pd.DataFrame], path: Path) -> dict[str, int]:
    """Write every frame as a table of a new DuckDB file (replacing ``path``); row counts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    counts = {}
    con = duckdb.connect(str(path))
    try:
        for table, frame in frames.items():
            view = f"demo_{table}"
            con.register(view, frame)
            select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in column_types(table, frame).items())
            con.execute(f'CREATE TABLE "{table}" AS SELECT {select} FROM {view}')
            con.unregister(view)
            counts[table] = len(frame)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts
