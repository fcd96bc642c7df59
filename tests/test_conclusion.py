"""The draft inspection conclusion (conclusion.docx, conclusion.md) and the
follow-up workbook (findings.xlsx), opened as the inspection team opens them."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pandas as pd
import pytest

from audit.errors import ParameterError
from audit.i18n import fmt_int, t
from audit.pipeline import audit_unit
from audit.report import write_outputs
from audit.report.dispositions import read_dispositions
from audit.report.workbook import MONEY_FORMAT

AS_OF = "2026-10-15"
PARTS = ("I. ĐƠN VỊ VÀ THỜI KỲ ĐƯỢC KIỂM TRA", "II. PHẠM VI VÀ PHƯƠNG PHÁP KIỂM TRA", "III. KẾT QUẢ KIỂM TRA",
         "IV. THIẾU SÓT, VI PHẠM VÀ TRÁCH NHIỆM", "V. KIẾN NGHỊ")


@pytest.fixture(scope="module")
def audit_result(tmp_path_factory):
    demo = pytest.importorskip("audit.demo")
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.write_demo_database(path, units=3, cases_per_unit=300)
    return audit_unit(path, "KV01", AS_OF, lang="vi")


@pytest.fixture(scope="module")
def written(audit_result, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    return out, write_outputs(audit_result, out)


def _csv_findings(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _docx_text(path) -> tuple[list[str], list[tuple[str, str]], list]:
    from docx import Document

    doc = Document(str(path))
    paragraphs = [p.text for p in doc.paragraphs]
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    return paragraphs, headings, doc.tables


def test_docx_has_the_formal_parts_and_the_findings_numbers(written):
    out, paths = written
    rows = _csv_findings(paths["findings_csv"])
    paragraphs, headings, tables = _docx_text(paths["conclusion_docx"])
    assert [h for s, h in headings if s == "Heading 1"] == list(PARTS)
    text = "\n".join(paragraphs)
    # the letterhead and the signature block
    cells = " ".join(c.text for table in tables for row in table.rows for c in row.cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "TRƯỞNG ĐOÀN KIỂM TRA" in cells
    assert "KẾT LUẬN KIỂM TRA" in text and "(Dự thảo)" in text
    # results by area: each category's count as findings.csv has it
    by_category = pd.Series([r["category"] for r in rows]).value_counts()
    areas = [h for s, h in headings if s == "Heading 2"]
    for cat, n in by_category.items():
        name = t(f"report.category.{cat}", "vi")
        heading = next(h for h in areas if h.endswith(name))
        body = paragraphs[paragraphs.index(heading) + 1]
        assert body.startswith(f"Phát hiện {fmt_int(n, 'vi')} thiếu sót, vi phạm"), (cat, body)
    # every rule's count, and its case numbers (the first ones at least)
    by_rule = pd.Series([r["rule_id"] for r in rows]).value_counts()
    for rid, n in by_rule.items():
        line = next(p for p in paragraphs if f"({rid}): " in p)
        assert f"({rid}): {fmt_int(n, 'vi')} trường hợp" in line
        first_case = next((r["case_id"] for r in rows if r["rule_id"] == rid and r["case_id"]), None)
        if first_case:
            assert first_case in line
    # violations table: legal basis and executors; recommendations with the deadline
    violations = next(tb for tb in tables if tb.rows[0].cells[0].text == "Thiếu sót, vi phạm")
    assert len(violations.rows) == len(by_rule) + 1
    assert any("Điều 36" in row.cells[1].text for row in violations.rows)
    assert "14/11/2026" in text  # 30 days after the audit date
    assert re.search(r"SHA-256\): [0-9a-f]{64}", text)  # the input, stated in full


def test_markdown_says_the_same(written):
    out, paths = written
    md = paths["conclusion_md"].read_text(encoding="utf-8")
    for part in PARTS:
        assert f"## {part}" in md
    rows = _csv_findings(paths["findings_csv"])
    for rid, n in pd.Series([r["rule_id"] for r in rows]).value_counts().items():
        assert f"({rid}): {fmt_int(n, 'vi')} trường hợp" in md


def test_dismissed_findings_are_left_out(audit_result, tmp_path):
    f = audit_result.findings
    rule = f["rule_id"].value_counts().index[0]
    dismissed = f.loc[f["rule_id"] == rule, "finding_id"].head(2).tolist()
    confirmed = f.loc[f["rule_id"] != rule, "finding_id"].head(1).tolist()
    csv_path = tmp_path / "dispositions.csv"
    csv_path.write_text("finding_id,disposition\n" + "".join(f"{x},dismissed\n" for x in dismissed)
                        + "".join(f"{x}, Confirmed\n" for x in confirmed) + "NO-SUCH-ID,dismissed\n",
                        encoding="utf-8")
    paths = write_outputs(audit_result, tmp_path / "run", dispositions=csv_path, remedy_days=45)
    md = paths["conclusion_md"].read_text(encoding="utf-8")
    n = int((f["rule_id"] == rule).sum()) - 2
    assert f"({rule}): {fmt_int(n, 'vi')} trường hợp" in md
    assert "không bao gồm 2 phát hiện" in md
    deadline = (dt.date.fromisoformat(AS_OF) + dt.timedelta(days=45)).strftime("%d/%m/%Y")
    assert deadline in md
    import json

    manifest = json.loads(paths["manifest_json"].read_text(encoding="utf-8"))
    assert manifest["conclusion"]["dispositions"] | {"source": None, "sha256": None} == {
        "source": None, "sha256": None, "confirmed": 1, "dismissed": 2, "unmatched": 1}
    assert manifest["conclusion"]["findings_stated"] == len(f) - 2
    assert "conclusion.docx" in manifest["outputs"] and "findings.xlsx" in manifest["outputs"]


@pytest.mark.parametrize(("content", "message"), [
    ("finding_id,status\nX,dismissed\n", "missing column disposition"),
    ("finding_id,disposition\nX,maybe\n", "row 2"),
    ("finding_id,disposition\nX,dismissed\nX,confirmed\n", "both confirmed and dismissed"),
])
def test_bad_dispositions_are_refused(tmp_path, content, message):
    path = tmp_path / "d.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        read_dispositions(path)


def test_workbook_is_ready_for_follow_up(written, audit_result):
    from openpyxl import load_workbook

    _, paths = written
    wb = load_workbook(paths["findings_xlsx"])
    f = audit_result.findings
    cats = [c for c in ("stalled", "deadline", "disbursement", "misclassification", "valuation", "auction",
                        "reconciliation", "workload", "data_quality") if (f["category"] == c).any()]
    assert wb.sheetnames == ["Tổng hợp"] + [t(f"report.category.{c}", "vi")[:31] for c in cats]
    total_rows = 0
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        header = [c.value for c in ws[1]]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        assert header[0] == "Mã phát hiện" and "Số tiền (đồng)" in header and "Hạn khắc phục" in header
        money, date = header.index("Số tiền (đồng)") + 1, header.index("Ngày") + 1
        for row in ws.iter_rows(min_row=2):
            total_rows += 1
            cell = row[money - 1]
            if cell.value is not None:
                assert isinstance(cell.value, int) and cell.number_format == MONEY_FORMAT
            d = row[date - 1]
            if d.value is not None:
                assert isinstance(d.value, dt.datetime | dt.date) and d.number_format == "dd/mm/yyyy"
        assert ws.column_dimensions["K"].width >= 60  # evidence is readable without resizing
    assert total_rows == len(f)
    summary = wb["Tổng hợp"]
    assert summary.freeze_panes is not None and summary.auto_filter.ref
