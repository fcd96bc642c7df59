"""Property-based fuzzing of the loaders (CSV, xlsx, Parquet, SQLite, DuckDB) and of the date and
money parsers: whatever the input, it ends in a loaded table, data-quality findings or one
error line, never a traceback, and every row read is audited, rejected or dated after the
audit date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from _io_fixtures import all_rows, write_csv_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from audit.contract import TABLES
from audit.errors import AuditError
from audit.io import load_records
from audit.io.parse import EARLIEST, LATEST, TOO_LARGE, parse_checked
from audit.records import DTYPES

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LOADERS = settings(max_examples=12, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Text that looks like what exports hold, and what breaks them.
DIGITS = "0123456789０１２３４５６７８９٠١٢٣٤٥٦٧٨٩"
tricky_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=DIGITS + ".,-/ \u00a0", max_size=30),
    st.sampled_from(["", " ", "NA", "null", "=1+1", '"', '""', "a,b", "x\ny", "\r", "1.234.567",
                     "9223372036854775808", "-0", "2024-02-30", "31/12/9999", "0001-01-01", "có",
                     "  2024-01-05 ", "1e30", "nan", "inf", "٢٠٢٤-٠١-٠٥"]),
)
cell = st.one_of(
    st.none(), tricky_text, st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
)


def _outcome(load):
    """Run ``load``; an AuditError must be one line. Returns the records or None."""
    try:
        return load()
    except AuditError as exc:
        text = str(exc)
        assert text and "\n" not in text and "Traceback" not in text, text
        return None


def _accounted(records, rows_in: dict[str, int] | None = None) -> None:
    c = records.counts.set_index("table")
    assert (c["rows_read"] == c["rows_audited"] + c["rows_rejected"] + c["rows_after_as_of"]).all()
    assert (c[["rows_audited", "rows_rejected", "rows_after_as_of"]] >= 0).all().all()
    for table, n in (rows_in or {}).items():
        assert c.loc[table, "rows_read"] == n, (table, n, c.loc[table].to_dict())
    for table, frame in records.tables.items():
        if table in c.index:
            assert len(frame) == c.loc[table, "rows_audited"], table
        for col in TABLES[table].columns:
            assert str(frame[col.name].dtype) == str(pd.Series(dtype=DTYPES[col.kind]).dtype), (table, col)
    # Audited as of any day: still accounted for.
    later = records.as_of(dt.date(2024, 10, 15)).counts
    assert (later["rows_read"] == later["rows_audited"] + later["rows_rejected"]
            + later["rows_after_as_of"]).all()
    money = records.cases["amount_due"].dropna()
    assert (money >= 0).all()  # never a wrapped negative amount


# ---- the parsers ---------------------------------------------------------------------------
@FUZZ
@given(st.lists(cell, max_size=25), st.sampled_from(["money", "int", "date", "float", "bool", "str"]))
def test_every_cell_is_a_value_missing_or_bad(cells, kind):
    raw = pd.Series(cells, dtype=object)
    for s in (raw, raw.map(lambda v: v if v is None else str(v)).astype("str")):
        values, missing, problems = parse_checked(s, kind)
        bad = np.logical_or.reduce([m for m, _ in problems]) if problems else np.zeros(len(s), bool)
        present = values.notna().to_numpy()
        assert (present.astype(int) + missing.astype(int) + bad.astype(int) == 1).all()
        assert str(values.dtype) == str(pd.Series(dtype=DTYPES[kind]).dtype)
        if kind == "date" and present.any():
            assert values.min() >= pd.Timestamp(EARLIEST) and values.max() <= pd.Timestamp(LATEST)


def _spell(n: int, how: str) -> str:
    text = f"{abs(n):,}"
    sign = "-" if n < 0 else ""
    if how == "plain":
        return str(n)
    if how == "dots":
        return sign + text.replace(",", ".")
    if how == "commas":
        return sign + text
    if how == "fullwidth":
        return str(n).translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    return str(n).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


@FUZZ
@given(st.integers(min_value=-(2**80), max_value=2**80),
       st.sampled_from(["plain", "dots", "commas", "fullwidth", "arabic"]))
def test_whole_amounts_round_trip_or_are_too_large(n, how):
    values, missing, problems = parse_checked(pd.Series([_spell(n, how)], dtype="str"), "money")
    if -(2**63) <= n < 2**63:
        assert values.iloc[0] == n and not missing[0]
    else:
        reasons = [r for m, r in problems if m[0]]
        assert reasons == [TOO_LARGE] and pd.isna(values.iloc[0])


@FUZZ
@given(st.dates(min_value=EARLIEST, max_value=LATEST),
       st.sampled_from(["iso", "vn", "serial", "date", "datetime", "fullwidth"]))
def test_dates_round_trip_in_every_accepted_form(day, how):
    if how == "serial" and day < dt.date(1900, 3, 1):
        return  # Excel's serials before March 1900 carry its leap-year bug
    form = {"iso": day.isoformat(), "vn": day.strftime("%d/%m/%Y"),
            "serial": (day - dt.date(1899, 12, 30)).days, "date": day,
            "datetime": dt.datetime(day.year, day.month, day.day, 13, 5),
            "fullwidth": day.isoformat().translate(str.maketrans("0123456789", "０１２３４５６７８９"))}[how]
    values, missing, problems = parse_checked(pd.Series([form], dtype=object), "date")
    assert values.iloc[0] == pd.Timestamp(day), (form, values.iloc[0], problems)


# ---- the loaders ---------------------------------------------------------------------------
CASE_COLUMNS = ("case_id", "received_date", "amount_due", "status", "unit_id")
case_rows = st.lists(st.fixed_dictionaries({c: cell for c in CASE_COLUMNS}), min_size=0, max_size=6)


def _cases_with(rows: list[dict]) -> pd.DataFrame:
    base = all_rows()["cases"].astype(object)
    extra = pd.DataFrame([{**base.iloc[0].to_dict(), **r} for r in rows], columns=base.columns)
    return pd.concat([base, extra], ignore_index=True) if rows else base


def _text(v: object) -> str:
    return "" if v is None else str(v)


@LOADERS
@given(case_rows, st.booleans())
def test_csv_loader(rows, quoted):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_csv_dir(Path(tmp) / "csv")
        path = folder / "CASES.csv"
        frame = _cases_with(rows)
        if quoted:  # a proper CSV: every row must be read
            buffer = io.StringIO()
            # CRLF, so that the writer quotes a bare CR too (with "\n" it would not, and the
            # file would hold a real line break inside the record)
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(frame.columns)
            writer.writerows([[_text(v) for v in r] for r in frame.itertuples(index=False)])
            path.write_bytes(buffer.getvalue().encode("utf-8", "surrogatepass"))
        else:  # naively joined, as a broken exporter writes it: quotes and commas break it
            lines = [",".join(frame.columns)] + [",".join(_text(v) for v in r)
                                                 for r in frame.itertuples(index=False)]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
        records = _outcome(lambda: load_records(str(folder)))
        if quoted:
            assert records is not None
            blank_tail = 0
            for r in reversed(frame.to_dict("records")):
                if all(_text(v).strip() == "" for v in r.values()):
                    blank_tail += 1
                else:
                    break
            _accounted(records, {"cases": len(frame) - blank_tail})
        elif records is not None:
            _accounted(records)


@LOADERS
@given(case_rows, st.lists(st.sampled_from(["=1+1", "=A1*2", "=SUM(1,2)"]), max_size=2))
def test_xlsx_loader(rows, formulas):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "book.xlsx"
        book = Workbook()
        book.remove(book.active)
        tables = all_rows()
        tables["cases"] = _cases_with(rows)
        for table, frame in tables.items():
            sheet = book.create_sheet(table)
            sheet.append(list(frame.columns))
            for r in frame.itertuples(index=False):
                sheet.append([_xlsx_cell(v) for v in r])
        for i, formula in enumerate(formulas):
            book["cases"].cell(row=2 + i, column=9, value=formula)  # amount_due, never calculated
        book.save(path)
        records = _outcome(lambda: load_records(str(path)))
        if records is not None:
            _accounted(records)
            if formulas:
                reasons = set(records.issues["reason"])
                assert any("formula without a cached value" in r for r in reasons)


def _xlsx_cell(v: object) -> object:
    if isinstance(v, float) and not np.isfinite(v):
        return str(v)  # a workbook cell cannot hold NaN or infinity
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 2**53:
        return str(v)  # nor an integer beyond a double's precision
    if isinstance(v, dt.datetime | dt.date) and v.year < 1900:
        return v.isoformat()  # nor a date before 1900
    if isinstance(v, str):
        # openpyxl refuses control characters a workbook cannot store
        return "".join(c for c in v if c in "\t\n\r" or ord(c) >= 32)
    return v


@LOADERS
@given(st.lists(st.one_of(st.none(), st.integers(0, 2**64 - 1)), min_size=6, max_size=6),
       st.lists(st.one_of(st.none(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))), min_size=6,
                max_size=6),
       st.sampled_from(["uint64", "int64", "float64", "string"]))
def test_parquet_loader(amounts, days, amount_type):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pq"
        folder.mkdir()
        for table, frame in all_rows().items():
            arrow = pa.Table.from_pandas(frame, preserve_index=False)
            if table == "cases":
                if amount_type == "int64":
                    values = [None if a is None else a - 2**63 for a in amounts]
                elif amount_type == "float64":
                    values = [None if a is None else float(a) for a in amounts]
                elif amount_type == "string":
                    values = [None if a is None else str(a) for a in amounts]
                else:
                    values = amounts
                arrow = arrow.set_column(arrow.schema.get_field_index("amount_due"), "amount_due",
                                         pa.array(values, getattr(pa, amount_type)()))
                arrow = arrow.set_column(arrow.schema.get_field_index("received_date"), "received_date",
                                         pa.array(days, pa.date32()))
            pq.write_table(arrow, folder / f"{table}.parquet")
        records = _outcome(lambda: load_records(str(folder)))
        assert records is not None
        _accounted(records, {"cases": 6})


@LOADERS
@given(case_rows, st.sampled_from(["sqlite", "duckdb"]))
def test_database_loaders(rows, kind):
    """SQLite stores any value in any column; DuckDB's columns here are text. Either way the
    rows come back typed, reported or refused in one line."""
    with tempfile.TemporaryDirectory() as tmp:
        tables = all_rows()
        tables["cases"] = _cases_with(rows)
        path = Path(tmp) / f"db.{kind}"
        if kind == "sqlite":
            con = sqlite3.connect(path)
            for table, frame in tables.items():
                cols = ", ".join(f'"{c}"' for c in frame.columns)
                con.execute(f'CREATE TABLE "{table}" ({cols})')
                marks = ", ".join("?" for _ in frame.columns)
                con.executemany(f'INSERT INTO "{table}" VALUES ({marks})',
                                [[_sqlite_value(v) for v in r] for r in frame.itertuples(index=False)])
            con.commit()
            con.close()
        else:
            with duckdb.connect(str(path)) as con:
                for table, frame in tables.items():
                    text = frame.astype(object).map(lambda v: None if v is None or v != v else str(v))
                    con.register("frame", pd.DataFrame(text, dtype=object))
                    con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM frame')
                    con.unregister("frame")
        records = _outcome(lambda: load_records(str(path)))
        assert records is not None
        _accounted(records, {"cases": len(tables["cases"])})
        rows_ = records.cases["source_row"].tolist()
        assert rows_ == sorted(rows_) and len(set(rows_)) == len(rows_)


def _sqlite_value(v: object) -> object:
    if isinstance(v, int) and not isinstance(v, bool) and not -(2**63) <= v < 2**63:
        return str(v)  # SQLite integers are 64-bit; a larger one arrives as text
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, float) and v != v:
        return None
    return v
