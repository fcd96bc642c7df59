"""findings.xlsx goes back as dispositions: a reviewer fills in the flat sheet's columns in Excel
(here through openpyxl) and the next run reads the workbook with ``--dispositions``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from openpyxl import load_workbook

from audit.cli import main

AS_OF = "2026-10-15"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    from audit.demo import write_demo_database

    work = tmp_path_factory.mktemp("roundtrip")
    db = write_demo_database(work / "demo.duckdb", units=2, cases_per_unit=150).path
    assert main(["run", "-q", "--source", str(db), "--unit", "KV01", "--as-of", AS_OF,
                 "--out", str(work / "first")]) == 0
    return db, work


def _review(path, decisions: dict[int, str]) -> dict[str, str]:
    """Fill rows of the flat sheet as a reviewer would; returns finding_id -> disposition."""
    book = load_workbook(path)
    ws = book.worksheets[0]
    col = {c.value: c.column for c in ws[1]}
    given = {}
    for row, disposition in decisions.items():
        ws.cell(row=row, column=col["disposition"], value=disposition)
        ws.cell(row=row, column=col["reviewer"], value="Nguyễn Văn An")
        ws.cell(row=row, column=col["decided_on"], value=dt.date(2026, 10, 20))
        ws.cell(row=row, column=col["reason"], value="Đã đối chiếu hồ sơ giấy")
        given[ws.cell(row=row, column=col["finding_id"]).value] = disposition
    book.save(path)
    return given


@pytest.mark.slow
def test_an_edited_findings_workbook_comes_back_as_dispositions(first_run, tmp_path):
    db, work = first_run
    edited = tmp_path / "findings.xlsx"
    edited.write_bytes((work / "first" / "findings.xlsx").read_bytes())
    given = _review(edited, {2: "dismissed", 3: "confirmed"})
    out = tmp_path / "second"
    assert main(["run", "-q", "--source", str(db), "--unit", "KV01", "--as-of", AS_OF, "--out", str(out),
                 "--dispositions", str(edited)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["conclusion"]["dispositions"]
    assert (counts["dismissed"], counts["confirmed"]) == (1, 1)
    assert manifest["conclusion"]["findings_not_dismissed"] == manifest["findings"]["total"] - 1
    # The next workbook carries the decisions on.
    ws = load_workbook(out / "findings.xlsx").worksheets[0]
    col = {c.value: c.column for c in ws[1]}
    carried = {ws.cell(row=i, column=1).value: ws.cell(row=i, column=col["disposition"]).value
               for i in range(2, ws.max_row + 1)}
    assert {fid: carried[fid] for fid in given} == given
    # A value outside the list is refused as a whole: nothing is applied, nothing is written.
    _review(edited, {4: "maybe"})
    refused = tmp_path / "refused"
    assert main(["run", "-q", "--source", str(db), "--unit", "KV01", "--as-of", AS_OF, "--out", str(refused),
                 "--dispositions", str(edited)]) == 2
    assert not (refused / "report.html").exists()
