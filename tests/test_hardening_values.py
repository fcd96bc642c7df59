"""Wrong values never pass silently, and odd ones never crash: other digit systems, amounts
beyond 64 bits, impossible dates, audit dates at the ends of the calendar, and rows dated
after the audit date (set aside and counted, never lost)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _io_fixtures import all_rows, raw_source, write_csv_dir, write_parquet_dir

from audit.errors import ParameterError
from audit.io import load_records
from audit.io.parse import OUT_OF_RANGE, TOO_LARGE
from audit.pipeline import as_date, audit_unit, scan_source
from audit.validate import validate


def _with(table: str, column: str, values: list[object]):
    tables = all_rows()
    df = tables[table].astype(object)
    for i, v in enumerate(values):
        df.loc[i, column] = v
    tables[table] = df
    return raw_source(tables)


def _counts_add_up(records):
    c = records.counts.set_index("table")
    assert (c["rows_read"] == c["rows_audited"] + c["rows_rejected"] + c["rows_after_as_of"]).all()
    return c


@pytest.mark.parametrize(("raw", "value"), [
    ("１２３４５６７", 1234567),  # full-width
    ("١٢٣٤٥٦٧", 1234567),  # Arabic-Indic
    ("۱۲۳۴۵۶۷", 1234567),  # Extended Arabic-Indic (Persian)
    ("１.２３４.５６７", 1234567),
    ("9223372036854775807", 2**63 - 1),
    ("1.234.567.890.123.456.789", 1234567890123456789),
])
def test_other_digit_systems_and_19_digits_are_read_as_numbers(raw, value):
    records = validate(_with("cases", "amount_due", [raw]))
    assert records.issues.empty, records.issues.to_string()
    assert records.cases.loc[records.cases["case_id"] == "C1", "amount_due"].iloc[0] == value


@pytest.mark.parametrize("raw", ["２０２４-０１-０５", "٢٠٢٤-٠١-٠٥", "０５/０１/２０２４", "05／01／2024"])
def test_other_digit_systems_in_dates(raw):
    records = validate(_with("cases", "received_date", [raw]))
    assert records.issues.empty, records.issues.to_string()
    assert records.cases["received_date"].iloc[0] == pd.Timestamp("2024-01-05")


@pytest.mark.parametrize("raw", ["9223372036854775808", "12345678901234567890", "99.999.999.999.999.999.999",
                                 "-9223372036854775809", "１２３４５６７８９０１２３４５６７８９０"])
def test_amounts_beyond_64_bits_are_reported_never_wrapped(raw):
    records = validate(_with("cases", "amount_due", [raw]))
    issue = records.issues.iloc[0]
    assert (issue["rule_id"], issue["column"], issue["row"], issue["value"]) == \
        ("DQ-SCHEMA", "amount_due", 2, raw)
    assert issue["reason"] == TOO_LARGE
    assert "C1" not in set(records.cases["case_id"])
    assert (records.cases["amount_due"] >= 0).all()


def test_unsigned_parquet_amounts_beyond_64_bits_are_reported(tmp_path):
    folder = write_parquet_dir(tmp_path / "pq")
    table = pq.read_table(folder / "cases.parquet")
    amounts = pa.array([2**63 + 5] + [1] * (table.num_rows - 1), pa.uint64())
    pq.write_table(table.set_column(table.schema.get_field_index("amount_due"), "amount_due", amounts),
                   folder / "cases.parquet")
    records = load_records(str(folder))
    bad = records.issues[records.issues["column"] == "amount_due"]
    assert bad[["row", "reason"]].values.tolist() == [[1, TOO_LARGE]]
    assert (records.cases["amount_due"] >= 0).all()


@pytest.mark.parametrize("raw", ["0001-01-01", "9999-12-31", "01/01/1000", "1899-12-31", "2200-01-01"])
def test_impossible_dates_in_the_data_are_reported(raw):
    records = validate(_with("events", "event_date", [raw]))
    issue = records.issues.iloc[0]
    assert (issue["rule_id"], issue["column"], issue["reason"]) == ("DQ-SCHEMA", "event_date", OUT_OF_RANGE)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
def test_audit_dates_at_the_ends_of_the_calendar_are_parameter_errors(day, tmp_path):
    with pytest.raises(ParameterError, match="outside the dates an audit can cover"):
        as_date(day, "as_of")
    folder = write_csv_dir(tmp_path / "csv")
    with pytest.raises(ParameterError, match="as_of"):
        audit_unit(str(folder), "KV01", day)
    with pytest.raises(ParameterError, match="period_start"):
        scan_source(str(folder), "2024-10-15", period_start=day)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_command_line_refuses_them_with_exit_2(day, capsys, tmp_path):
    from audit.cli import main

    for argv in (["run", "--source", str(tmp_path), "--unit", "KV01", "--as-of", day, "--out", str(tmp_path / "o")],
                 ["scan", "--source", str(tmp_path), "--as-of", "2024-10-15", "--period-end", day,
                  "--out", str(tmp_path / "o")]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        err = capsys.readouterr().err
        assert info.value.code == 2 and "outside the dates an audit can cover" in err
        assert "Traceback" not in err


def test_rows_after_the_audit_date_are_counted_not_lost(tmp_path):
    tables = all_rows()
    cases = tables["cases"].astype(object)
    cases.loc[cases["case_id"] == "C3", "received_date"] = "2099-01-01"  # exported or keyed later
    tables["cases"] = cases
    events = tables["events"].astype(object)
    events.loc[events.index[-1], "event_date"] = "2099-06-01"
    tables["events"] = events
    records = load_records(str(write_csv_dir(tmp_path / "csv", tables)))
    assert _counts_add_up(records)["rows_after_as_of"].sum() == 0
    as_of = records.as_of(dt.date(2024, 10, 15))
    c = _counts_add_up(as_of)
    assert c.loc["cases", "rows_after_as_of"] == 1 and c.loc["events", "rows_after_as_of"] == 1
    assert c.loc["cases", "rows_audited"] == len(as_of.cases) == 5
    assert c.loc["events", "rows_audited"] == len(as_of.events)
    assert "C3" not in set(as_of.cases["case_id"])
    # The same through a unit audit, into the manifest.
    from audit.report import write_outputs

    result = audit_unit(str(tmp_path / "csv"), "KV01", "2024-10-15")
    rows = {r["table"]: r for r in __import__("json").loads(
        (write_outputs(result, tmp_path / "run")["manifest_json"]).read_text(encoding="utf-8"))["rows"]}
    assert rows["cases"]["rows_after_as_of"] == 1
    assert rows["cases"]["rows_read"] == rows["cases"]["rows_audited"] + rows["cases"]["rows_rejected"] + 1
    scan = scan_source(str(tmp_path / "csv"), "2024-10-15")
    _counts_add_up(scan.records)
    assert scan.records.counts.set_index("table").loc["cases", "rows_after_as_of"] == 1
