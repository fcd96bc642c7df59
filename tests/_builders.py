"""Hand-made case records for rule tests: give only the columns a test is about."""

from __future__ import annotations

import pandas as pd

from audit.contract import TABLES
from audit.records import DTYPES, CaseRecords, empty_frame

_DEFAULTS = {
    "units": {"name": "Phòng THADS khu vực 1", "level": "regional", "parent_id": None},
    "executors": {"unit_id": "KV01", "name": "Nguyễn Văn A"},
    "cases": {
        "unit_id": "KV01", "executor_id": "E1", "judgment_ref": "12/2024/DS-ST", "case_type": "civil",
        "initiation": "on_request", "received_date": "2025-03-03", "decision_date": None,
        "amount_due": 100_000_000, "debtor_kind": "person", "debtor_id": "D1", "creditor_kind": "person",
        "status": "open", "condition": "with_conditions", "closed_date": None, "long_prison_term": None,
    },
    "events": {"amount": None, "ref": None},
    "verifications": {"land": False, "house": False, "vehicle": False, "bank_account": False,
                      "income": False, "business": False, "assets_value": None,
                      "outcome": "without_conditions"},
}


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return empty_frame(table)
    cols = TABLES[table].columns
    defaults = _DEFAULTS.get(table, {})
    data = [{c.name: r.get(c.name, defaults.get(c.name)) for c in cols} for r in rows]
    df = pd.DataFrame(data, columns=[c.name for c in cols])
    for c in cols:
        if c.kind == "date":
            df[c.name] = pd.to_datetime(df[c.name]).astype("datetime64[s]")
        else:
            df[c.name] = df[c.name].astype(DTYPES[c.kind])
    df["source_row"] = range(2, len(df) + 2)
    return df


def make_records(**tables: list[dict]) -> CaseRecords:
    """CaseRecords from lists of row dicts; unit KV01 and executor E1 exist by default."""
    tables.setdefault("units", [{"unit_id": "KV01"}])
    tables.setdefault("executors", [{"executor_id": "E1"}])
    tables.setdefault("events", [])
    tables.setdefault("verifications", [])
    frames = {name: frame(name, rows) for name, rows in tables.items()}
    for name in TABLES:
        frames.setdefault(name, empty_frame(name))
    return CaseRecords(frames, present=frozenset(tables), source="hand-made", fingerprint="test")
