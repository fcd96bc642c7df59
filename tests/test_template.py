"""From a blank template to a report: the path of a unit holding its own Excel export."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from audit.cli import main
from audit.contract import TABLES
from audit.io import load_records
from audit.pipeline import audit_unit
from audit.template import EXAMPLES, LISTS, header, sheet_name, write_template

AS_OF = "2026-10-15"


def _cell(value, kind: str):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind == "date":
        return pd.Timestamp(value).date()
    if kind == "bool":
        return "có" if bool(value) else "không"
    if kind in ("money", "int"):
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """The template filled, through openpyxl, with one small demo unit's records."""
    from audit.demo import write_demo_database

    folder = tmp_path_factory.mktemp("template")
    db = folder / "demo.duckdb"
    write_demo_database(db, units=2, cases_per_unit=150, seed=3)
    path = write_template(folder / "blank.xlsx")
    book = load_workbook(path)
    with duckdb.connect(str(db), read_only=True) as con:
        present = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
        for table in TABLES.values():
            if table.name not in present:
                continue
            frame = con.sql(f'SELECT * FROM "{table.name}"').df()
            ws = book[sheet_name(table)]
            assert [c.value for c in ws[1]] == [header(c) for c in table.columns]
            for r, row in enumerate(frame.to_dict("records"), start=2):
                for i, column in enumerate(table.columns, start=1):
                    ws.cell(r, i, _cell(row.get(column.name), column.kind))
    out = folder / "filled.xlsx"
    book.save(out)
    return db, out


def test_the_template_has_every_table_with_headers_lists_and_an_example(tmp_path):
    path = write_template(tmp_path / "t.xlsx")
    book = load_workbook(path)
    for table in TABLES.values():
        ws = book[sheet_name(table)]
        assert [c.value for c in ws[1]] == [header(c) for c in table.columns]
        assert ws.max_row == 1 and ws.freeze_panes == "A2"  # blank: nothing in it is read as data
        coded = [c for c in table.columns if c.vocabulary or c.kind == "bool"]
        lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
        assert len(lists) == len(coded)
        assert all(dv.formula1.startswith(f"'{LISTS}'!") for dv in lists)
    assert book[LISTS].sheet_state == "hidden"
    guide = "\n".join(str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value)
    assert EXAMPLES["cases"]["case_id"] in guide and "audit validate" in guide
    assert header(TABLES["cases"].column("case_id")) == "Mã việc (case_id)"


def test_a_blank_template_is_a_valid_empty_source(tmp_path, capsys):
    path = write_template(tmp_path / "t.xlsx")
    assert main(["validate", str(path)]) == 0
    assert "no data-quality issues" in capsys.readouterr().out


def test_a_filled_template_validates_and_audits_like_the_database(filled, capsys):
    db, xlsx = filled
    from_db, from_xlsx = load_records(str(db)), load_records(str(xlsx))
    for name in ("cases", "events", "verifications", "auctions"):
        assert len(from_xlsx.tables[name]) == len(from_db.tables[name]), name
    assert sorted(from_xlsx.issues["rule_id"]) == sorted(from_db.issues["rule_id"])
    assert main(["validate", str(xlsx)]) == 0
    a = audit_unit(str(db), "KV01", AS_OF).findings
    b = audit_unit(str(xlsx), "KV01", AS_OF).findings
    rules = a["category"] != "data_quality"
    assert set(b.loc[b["category"] != "data_quality", "finding_id"]) == set(a.loc[rules, "finding_id"])
    assert (b["occurred_on"].dropna() <= pd.Timestamp(dt.date.fromisoformat(AS_OF))).all()
