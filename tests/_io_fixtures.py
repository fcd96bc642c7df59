"""One small, valid dataset written to every kind of source, and what it must read back as.

``ROWS`` holds the contract tables as canonical text (ISO dates, plain digits,
``true``/``false``; ``None`` is an empty cell). Writers put it in a CSV folder,
a Parquet folder, an ``.xlsx`` workbook in office style (Vietnamese sheet and
header names, real date cells mixed with ``dd/mm/yyyy`` text, ``1.234.567``
money, ``có``/``không``), a DuckDB file and a SQL database. ``expected()``
types the same rows with plain pandas, independently of the code under test.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy as sa
from openpyxl import Workbook

from audit.contract import TABLES
from audit.io.base import RawSource
from audit.records import DTYPES

_ROWS_SPEC: dict[str, tuple[tuple[str, ...], list[tuple]]] = {
    "units": (("unit_id", "name", "level", "parent_id"), [
        ("T01", "Thi hành án dân sự tỉnh A", "province", None),
        ("KV01", "Phòng THADS khu vực 1", "regional", "T01"),
        ("KV02", "Phòng THADS khu vực 2", "regional", "T01"),
    ]),
    "executors": (("executor_id", "unit_id", "name"), [
        ("E1", "KV01", "Nguyễn Văn An"), ("E2", "KV01", "Trần Thị Bình"), ("E3", "KV02", "Lê Văn Cường"),
    ]),
    "cases": (("case_id", "unit_id", "executor_id", "judgment_ref", "case_type", "initiation",
               "received_date", "decision_date", "amount_due", "debtor_kind", "debtor_id",
               "creditor_kind", "status", "condition", "closed_date", "long_prison_term"), [
        ("C1", "KV01", "E1", "12/2023/DS-ST", "civil", "on_request", "2024-01-05", "2024-01-10",
         "1234567", "person", "D1", "person", "open", "with_conditions", None, "false"),
        ("C2", "KV01", "E2", None, "bank_credit", "on_request", "2024-02-01", "2024-02-05",
         "250000000", "organization", "D2", "bank", "completed", "with_conditions", "2024-06-30", None),
        ("C3", "KV01", None, "5/2024/HS-ST", "state_fees_fines", "proactive", "2024-03-15", None,
         "0", "person", "D3", "state", "open", "unclassified", None, "true"),
        ("C4", "KV01", "E1", "7/2024/HS-PT", "corruption_economic", "proactive", "2024-04-01",
         "2024-04-03", "98765432100", "person", "D1", "state", "open", "without_conditions", None, "false"),
        ("C5", "KV02", "E3", "3/2024/DS-ST", "civil", "on_request", "2024-01-20", "2024-01-25",
         "5000000", "person", "D5", "person", "open", "with_conditions", None, None),
        ("C6", "KV02", "E3", "9/2024/HC-ST", "administrative", "proactive", "2024-05-02", "2024-05-06",
         "300000", "organization", "D6", "state", "terminated", "with_conditions", "2024-09-01", None),
    ]),
    "events": (("case_id", "event_date", "event_type", "amount", "ref"), [
        ("C1", "2024-01-05", "received", None, None),
        ("C1", "2024-01-10", "decision", None, "15/QĐ-CCTHADS"),
        ("C1", "2024-01-12", "notification", None, None),
        ("C1", "2024-02-01", "verification", None, None),
        ("C1", "2024-03-01", "collection", "1000000", None),
        ("C1", "2024-03-05", "disbursement", "1000000", None),
        ("C2", "2024-02-01", "received", None, None),
        ("C2", "2024-06-30", "completed", None, None),
        ("C4", "2024-04-10", "seizure", None, "A1"),
        ("C5", "2024-01-20", "received", None, None),
        ("C5", "2024-02-10", "collection", "200000", None),
        ("C6", "2024-09-01", "terminated", None, None),
    ]),
    "verifications": (("case_id", "verification_date", "land", "house", "vehicle", "bank_account",
                       "income", "business", "assets_value", "outcome"), [
        ("C1", "2024-02-01", "false", "false", "true", "false", "true", "false", "150000000",
         "with_conditions"),
        ("C4", "2024-04-08", "true", "false", "false", "false", "false", "false", None,
         "without_conditions"),
        ("C5", "2024-02-01", "false", "false", "false", "true", "false", "false", "20000000",
         "with_conditions"),
    ]),
    "assets": (("asset_id", "case_id", "asset_type", "district", "area_m2", "seizure_date"), [
        ("A1", "C4", "land", "Quận 1", "120.5", "2024-04-10"),
        ("A2", "C5", "vehicle", None, None, None),
    ]),
    "valuations": (("valuation_id", "asset_id", "valuation_date", "valuer_id", "value", "revaluation"), [
        ("V1", "A1", "2024-05-01", "VAL1", "3000000000", "false"),
        ("V2", "A1", "2024-11-01", "VAL2", "2500000000", "true"),
    ]),
    "auctions": (("auction_id", "asset_id", "round", "contract_date", "auctioneer_id", "auction_date",
                  "starting_price", "outcome", "registered_bidders", "winning_price", "winner_id"), [
        ("AU1", "A1", "1", "2024-05-10", "AUC1", "2024-06-20", "3000000000", "failed", "0", None, None),
        ("AU2", "A1", "2", "2024-07-01", "AUC1", "2024-08-01", "2700000000", "sold", "2",
         "2750000000", "B1"),
    ]),
    "bids": (("auction_id", "bidder_id", "amount"), [
        ("AU2", "B1", "2750000000"), ("AU2", "B2", "2700000000"),
    ]),
    "complaints": (("complaint_id", "case_id", "received_date", "round", "subject", "resolved_date",
                    "outcome"), [
        ("K1", "C1", "2024-02-15", "1", "executor", "2024-02-28", "rejected"),
        ("K2", "C5", "2024-03-01", "2", "unit_head", None, None),
    ]),
    "reported_stats": (("unit_id", "period_start", "period_end", "metric", "value"), [
        ("KV01", "2023-10-01", "2024-09-30", "cases_total", "4"),
        ("KV02", "2023-10-01", "2024-09-30", "cases_resolved", "1"),
    ]),
}

# Rows each table keeps when filtered to unit KV01.
KV01_ROWS = {"units": 3, "executors": 3, "cases": 4, "events": 9, "verifications": 2, "assets": 1,
             "valuations": 2, "auctions": 2, "bids": 2, "complaints": 1, "reported_stats": 1}


def rows(table: str) -> pd.DataFrame:
    """The canonical text of one table (``str`` dtype, missing as NaN)."""
    columns, data = _ROWS_SPEC[table]
    return pd.DataFrame(data, columns=list(columns), dtype="str")


def all_rows() -> dict[str, pd.DataFrame]:
    return {t: rows(t) for t in _ROWS_SPEC}


def typed(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Canonical text typed with plain pandas into records.DTYPES (the expected result)."""
    out = {}
    for col in TABLES[table].columns:
        s = df[col.name] if col.name in df else pd.Series(pd.NA, index=df.index, dtype="object")
        if col.kind == "date":
            out[col.name] = pd.to_datetime(s, format="%Y-%m-%d").astype("datetime64[s]")
        elif col.kind == "bool":
            out[col.name] = s.map({"true": True, "false": False}).astype("boolean")
        elif col.kind in ("money", "int"):
            out[col.name] = s.astype("Int64")
        elif col.kind == "float":
            out[col.name] = s.astype("float64")
        else:
            out[col.name] = s.astype(DTYPES["str"])
    return pd.DataFrame(out)


def expected(unit: str | None = None) -> dict[str, pd.DataFrame]:
    """What every source must read back as (without ``source_row``)."""
    frames = {t: typed(rows(t), t) for t in _ROWS_SPEC}
    if unit is None:
        return frames
    cases = frames["cases"][frames["cases"]["unit_id"] == unit]
    assets = frames["assets"][frames["assets"]["case_id"].isin(cases["case_id"])]
    auctions = frames["auctions"][frames["auctions"]["asset_id"].isin(assets["asset_id"])]
    frames.update(
        cases=cases, assets=assets, auctions=auctions,
        events=frames["events"][frames["events"]["case_id"].isin(cases["case_id"])],
        verifications=frames["verifications"][frames["verifications"]["case_id"].isin(cases["case_id"])],
        complaints=frames["complaints"][frames["complaints"]["case_id"].isin(cases["case_id"])],
        valuations=frames["valuations"][frames["valuations"]["asset_id"].isin(assets["asset_id"])],
        bids=frames["bids"][frames["bids"]["auction_id"].isin(auctions["auction_id"])],
        reported_stats=frames["reported_stats"][frames["reported_stats"]["unit_id"] == unit],
    )
    return {t: f.reset_index(drop=True) for t, f in frames.items()}


def raw_source(tables: dict[str, pd.DataFrame], base: int = 2) -> RawSource:
    """A RawSource straight from text frames, as a CSV folder would give."""
    return RawSource(tables=dict(tables), origin={t: f"{t}.csv" for t in tables},
                     description="hand-made", row_base={t: base for t in tables})


# ---- writers ------------------------------------------------------------------
def write_csv_dir(folder: Path, tables: dict[str, pd.DataFrame] | None = None) -> Path:
    """Contract names, with a few file names in other spellings the reader must accept."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {"cases": "CASES.csv", "events": unicodedata.normalize("NFD", "Sự kiện") + ".csv"}
    for table, df in (tables or all_rows()).items():
        df.to_csv(folder / names.get(table, f"{table}.csv"), index=False)
    return folder


def native(table: str) -> pd.DataFrame:
    """The typed rows with dates as ``datetime.date`` (what a database or Parquet stores)."""
    df = typed(rows(table), table)
    for col in TABLES[table].columns:
        if col.kind == "date":
            df[col.name] = df[col.name].map(lambda v: v.date(), na_action="ignore").astype(object)
    return df


def write_parquet_dir(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table in _ROWS_SPEC:
        native(table).to_parquet(folder / f"{table}.parquet", index=False)
    return folder


def _excel_value(value: object, kind: str, i: int) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if kind == "date":
        day = dt.date.fromisoformat(value)
        # Alternate real date cells and the dd/mm/yyyy text office exports carry.
        return dt.datetime(day.year, day.month, day.day) if i % 2 == 0 else day.strftime("%d/%m/%Y")
    if kind == "money":
        return f"{int(value):,}".replace(",", ".")
    if kind == "bool":
        return "có" if value == "true" else ("Không" if i % 2 else "không")
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return value


def write_xlsx(path: Path) -> Path:
    """Vietnamese sheet names and headers (one in NFD, one in odd case and spacing)."""
    book = Workbook()
    book.remove(book.active)
    for table, df in all_rows().items():
        spec = TABLES[table]
        sheet = book.create_sheet(spec.aliases[0])
        headers = [c.aliases[0] if c.aliases else c.name for c in spec.columns]
        headers = [f"  {h.upper()} " if h == "Ngày thụ lý" else h for h in headers]
        headers = [unicodedata.normalize("NFD", h) if h == "Trạng thái" else h for h in headers]
        sheet.append([*headers, "Ghi chú"])  # an extra column the reader drops
        for i, row in enumerate(df.itertuples(index=False)):
            cells = [_excel_value(v, c.kind, i) for v, c in zip(row, spec.columns, strict=True)]
            sheet.append([*cells, "ghi chú"])
    book.save(path)
    return path


_SQL_TYPES = {"str": sa.Text(), "date": sa.Date(), "money": sa.BigInteger(), "int": sa.BigInteger(),
              "float": sa.Float(), "bool": sa.Boolean()}


def write_sql(engine: sa.Engine, schema: str | None = None) -> None:
    """Each table through pandas.to_sql with proper column types."""
    for table in _ROWS_SPEC:
        kinds = {c.name: _SQL_TYPES[c.kind] for c in TABLES[table].columns}
        native(table).to_sql(table, engine, schema=schema, index=False, dtype=kinds)


def write_duckdb(path: Path, tables: dict[str, pd.DataFrame] | None = None) -> Path:
    """Typed tables; ``units`` under its Vietnamese alias ``don_vi``."""
    con = duckdb.connect(str(path))
    try:
        for table in _ROWS_SPEC:
            df = native(table) if tables is None else tables[table]
            name = "don_vi" if table == "units" else table
            con.register("frame", df)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
            con.unregister("frame")
    finally:
        con.close()
    return path
