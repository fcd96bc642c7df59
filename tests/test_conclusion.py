"""The inspection conclusion (conclusion.docx, conclusion.md) read as the signer reads it,
and the follow-up workbook (findings.xlsx) opened as the team opens it."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import subprocess
import zipfile

import pandas as pd
import pytest
from _builders import make_records

from audit.errors import ParameterError
from audit.pipeline import audit_unit
from audit.report import write_outputs
from audit.report.conclusion import draft_conclusion, load_inspection
from audit.report.conclusion.selection import subject_of
from audit.report.conclusion.template import TEMPLATE, build_template
from audit.report.dispositions import read_dispositions
from audit.report.workbook import MONEY_FORMAT

AS_OF = "2026-10-15"
PARTS_VI = ["I. KHÁI QUÁT CHUNG", "II. KẾT QUẢ KIỂM TRA", "III. KẾT LUẬN", "IV. KIẾN NGHỊ, BIỆN PHÁP XỬ LÝ"]
INSPECTION = "params/inspection-example.yaml"


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    from audit.demo import write_demo_database

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    write_demo_database(path, units=3, cases_per_unit=400)
    return path


@pytest.fixture(scope="module")
def audit_result(demo_path):
    return audit_unit(demo_path, "KV01", AS_OF, lang="vi")


@pytest.fixture(scope="module")
def written(audit_result, tmp_path_factory):
    from audit.report.paths import PROJECT_DIR

    out = tmp_path_factory.mktemp("run")
    return out, write_outputs(audit_result, out, inspection=PROJECT_DIR / INSPECTION)


def _csv_findings(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8-sig")


def _docx(path):
    from docx import Document

    return Document(str(path))


def _styled(doc, style: str) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == style]


def test_the_document_has_the_official_parts_in_order(written):
    _, paths = written
    doc = _docx(paths["conclusion_docx"])
    texts = [p.text for p in doc.paragraphs]
    assert _styled(doc, "KL Heading 1") == PARTS_VI
    # Title, summary, then the legal bases ("Căn cứ …;" and the last ending with ".").
    title = texts.index("KẾT LUẬN KIỂM TRA")
    assert texts[title + 1].startswith("Công tác thi hành án dân sự tại ")
    bases = _styled(doc, "KL Basis")
    assert len(bases) >= 5 and all(b.startswith(("Căn cứ", "Xét")) for b in bases)
    assert all(b.endswith(";") for b in bases[:-1]) and bases[-1].endswith(".")
    assert texts.index(bases[0]) > title
    # III: strengths, shortcomings, causes, responsibility, in that order.
    h2 = _styled(doc, "KL Heading 2")
    order = [next(i for i, h in enumerate(h2) if h.startswith(p))
             for p in ("1. Ưu điểm", "2. Tồn tại", "3. Nguyên nhân", "4. Trách nhiệm")]
    assert order == sorted(order)
    # The letterhead: parent body, issuer, number; nation and motto; the draft mark.
    head = doc.tables[0]
    left, right = (c.text for c in head.rows[0].cells)
    assert "BỘ TƯ PHÁP" in left and "THI HÀNH ÁN DÂN SỰ TỈNH DEMO" in left and "Số: …/KL-THADS" in left
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right and "Độc lập - Tự do - Hạnh phúc" in right
    assert "Thành phố Demo, ngày" in right and "DỰ THẢO" in texts[:3]
    # Annexes, each with its number, title and "attached to" line.
    assert _styled(doc, "KL Annex Number") == ["Phụ lục I", "Phụ lục II", "Phụ lục III", "Phụ lục IV"]
    assert all(a.startswith("(Kèm theo Kết luận số") for a in _styled(doc, "KL Annex Attached"))


def test_recipients_and_the_agency_heads_signature(written):
    _, paths = written
    doc = _docx(paths["conclusion_docx"])
    sign = next(t for t in doc.tables if "Nơi nhận:" in t.rows[0].cells[0].text)
    recipients = [p.text for p in sign.rows[0].cells[0].paragraphs if p.text]
    assert recipients[0] == "Nơi nhận:"
    assert "- Phòng Thi hành án dân sự khu vực 1;" in recipients
    assert "- Viện kiểm sát nhân dân tỉnh Demo;" in recipients  # the procuracy at the same level
    assert any(r.startswith("- Cục Quản lý thi hành án dân sự") for r in recipients)  # the superior body
    assert recipients[-1] == "- Lưu: VT, ĐKT."
    signer = [p.text for p in sign.rows[0].cells[1].paragraphs if p.text]
    # Signed by the agency's head (a deputy "KT."), never by the team.
    assert signer[:2] == ["KT. TRƯỞNG THI HÀNH ÁN DÂN SỰ TỈNH", "PHÓ TRƯỞNG THI HÀNH ÁN DÂN SỰ TỈNH"]
    assert "ĐOÀN KIỂM TRA" not in sign.rows[0].cells[1].text


def test_layout_follows_decree_30(written):
    from docx.enum.section import WD_ORIENT

    _, paths = written
    doc = _docx(paths["conclusion_docx"])
    body, *annexes = doc.sections
    assert (round(body.page_width.mm), round(body.page_height.mm)) == (210, 297)
    assert round(body.top_margin.mm) == 20 and round(body.bottom_margin.mm) == 20
    assert 30 <= round(body.left_margin.mm) <= 35 and 15 <= round(body.right_margin.mm) <= 20
    assert body.different_first_page_header_footer  # no page number on page 1
    assert len(annexes) == 4 and [s.orientation for s in annexes[:3]] == [WD_ORIENT.LANDSCAPE] * 3
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and 13 <= normal.font.size.pt <= 14
    assert normal.paragraph_format.first_line_indent.cm == pytest.approx(1.27, abs=0.01)
    for name in ("KL Heading 1", "KL Heading 2"):
        assert doc.styles[name].font.bold
    assert doc.styles["KL Basis"].font.italic
    label = doc.styles["KL Recipients Label"]
    assert label.font.bold and label.font.italic and label.font.size.pt == 12
    assert doc.styles["KL Recipients"].font.size.pt == 11
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "₫" not in text and " VND" not in text and re.search(r"\d{1,3}(\.\d{3})+ đồng", text)
    # No machine path, no fingerprint, no jargon in the body (they live in Annex IV).
    body_text = text[: text.index("Phụ lục I\n")] if "Phụ lục I\n" in text else text
    for word in ("AUC", "HHI", "điểm z", "z-score", "SHA", "/tmp/", "duckdb"):
        assert word not in body_text, word


def test_indicators_name_no_one(written, audit_result):
    _, paths = written
    doc = _docx(paths["conclusion_docx"])
    texts = [p.text for p in doc.paragraphs]
    start = texts.index("Những nội dung cần tiếp tục xác minh, làm rõ")
    end = texts.index("3. Nguyên nhân")
    part = "\n".join(texts[start:end])
    executors = audit_result.records.executors
    assert len(part) > 200
    for name, eid in zip(executors["name"], executors["executor_id"], strict=True):
        assert name not in part and eid not in part
    annex2 = next(t for t in doc.tables if len(t.columns) == 4 and t.rows[0].cells[2].text == "Dấu hiệu")
    cells = " ".join(c.text for row in annex2.rows for c in row.cells)
    for name in executors["name"]:
        assert name not in cells


def _expected(findings: pd.DataFrame, unit: str, start: str, end: str) -> dict[str, set]:
    """The conclusion's split, recomputed from findings.csv alone."""
    f = findings.loc[(findings["unit_id"] == unit) & (findings["finding_kind"] == "violation")].copy()
    f["subject"] = subject_of(f.replace("", None))
    when = f["occurred_on"]
    ongoing = f["ongoing"].str.lower() == "true"
    before = (when != "") & (when < start)
    after = (when != "") & (when > end)
    return {"within": set(f.loc[~before & ~after, "finding_id"]), "before": set(f.loc[before & ongoing, "finding_id"]),
            "after": set(f.loc[after, "finding_id"]), "left_out": set(f.loc[before & ~ongoing, "finding_id"]),
            "cases": set(f.loc[~before | ongoing, "subject"])}


def test_counts_and_money_reconcile_with_the_findings_and_kpis(written, audit_result):
    _, paths = written
    rows = _csv_findings(paths["findings_csv"])
    manifest = json.loads(paths["manifest_json"].read_text(encoding="utf-8"))
    stated = manifest["conclusion"]["stated"]
    period = stated["period"]
    assert (period["start"], period["end"], period["kind"]) == ("2025-10-01", "2026-09-30", "statistical_year")
    exp = _expected(rows, "KV01", period["start"], period["end"])
    v = stated["violations"]
    assert v["cases"] == len(exp["cases"])
    assert v["findings"] == len(exp["within"] | exp["before"] | exp["after"])
    assert v["before_left_out"] == len(exp["left_out"])
    ids = exp["within"] | exp["before"] | exp["after"]
    money = pd.to_numeric(rows.loc[rows["finding_id"].isin(ids), "amount"].replace("", None)).sum()
    assert v["money"] == int(money)
    # The statistics are the KPIs of kpis.csv (the money rate counts cases with conditions only).
    kpis = pd.read_csv(paths["kpis_csv"], encoding="utf-8-sig").set_index("unit_id").loc["KV01"]
    totals = stated["totals"]
    for column in ("cases_total", "cases_with_conditions", "cases_resolved", "money_total", "money_with_conditions"):
        assert totals[column] == int(kpis[column]), column
    assert totals["money_resolved"] == int(kpis["money_resolved_with_conditions"])
    assert totals["money_rate"] == pytest.approx(float(kpis["money_rate"]))
    assert totals["cases_rate"] == pytest.approx(float(kpis["cases_rate"]))
    # The document says the same numbers.
    md = paths["conclusion_md"].read_text(encoding="utf-8")
    from audit.i18n import fmt_int, fmt_money, fmt_pct

    assert f"Tổng số phải thi hành {fmt_int(totals['cases_total'])} việc, tương ứng {fmt_money(totals['money_total'])}" in md
    assert f"{fmt_pct(totals['money_rate'])} về tiền" in md
    within_cases = len({s for s, fid in zip(subject_of(rows.replace("", None)), rows["finding_id"], strict=True)
                        if fid in exp["within"]})
    assert f"({fmt_int(within_cases)} việc, {fmt_int(len(exp['within']))} lần vi phạm)" in md


def test_no_pre_period_violation_gets_a_deadline_unless_unremedied(written):
    _, paths = written
    doc = _docx(paths["conclusion_docx"])
    rows = _csv_findings(paths["findings_csv"]).set_index("finding_id")
    exp = _expected(rows.reset_index(), "KV01", "2025-10-01", "2026-09-30")
    annex_rows = [[c.text for c in r.cells] for t in doc.tables if t.rows[0].cells[1].text == "Số việc"
                  and t.rows[0].cells[-1].text == "Hạn khắc phục" for r in t.rows[1:]]
    assert annex_rows
    pre = [r for r in annex_rows if "(trước kỳ)" in r[4]]
    assert len(pre) == len(exp["before"]) > 0
    assert all(r[-1] == "30 ngày" for r in pre)  # every one still holds: it gets its remedy time
    done = [r for r in annex_rows if r[-1] == "đã thực hiện (chậm)"]
    assert not any("(trước kỳ)" in r[4] for r in done)
    left_out_cases = {rows.loc[f, "case_id"] for f in exp["left_out"]} - {rows.loc[f, "case_id"] for f in
                                                                         exp["within"] | exp["before"] | exp["after"]}
    listed = {r[1] for r in annex_rows}
    assert left_out_cases and not (left_out_cases & listed)


def test_markdown_says_the_same_and_escapes_the_records(written):
    _, paths = written
    md = paths["conclusion_md"].read_text(encoding="utf-8")
    doc = _docx(paths["conclusion_docx"])
    for part in PARTS_VI:
        assert f"## {part}" in md
    from audit.report.conclusion.render import _md

    headings = _styled(doc, "KL Heading 3")
    assert headings
    for heading in headings:
        assert f"#### {_md(heading)}" in md


def test_raw_markup_from_the_data_stays_text(tmp_path):
    cases = [{"case_id": "C1", "received_date": "2026-01-05", "decision_date": "2026-03-06",
              "judgment_ref": "<script>alert(1)</script>", "executor_id": "X1"}]
    records = make_records(cases=cases, executors=[{"executor_id": "X1", "unit_id": "KV01",
                                                    "name": "<img src=x onerror=alert(1)>"}])
    result = audit_unit(records, "KV01", AS_OF, "2025-10-01", "2026-09-30")
    paths = write_outputs(result, tmp_path)
    md = paths["conclusion_md"].read_text(encoding="utf-8")
    assert "DL-DECISION" in result.findings["rule_id"].tolist()
    assert not re.search(r"(?<!\\)<(script|img)", md)  # only escaped, inert forms remain
    assert "\\<script\\>" in md
    text = "\n".join(p.text for p in _docx(paths["conclusion_docx"]).paragraphs)
    assert "<script>alert(1)</script>" in text  # text in Word, where it is inert


def test_confirmed_violations_only_when_the_team_reviewed(audit_result, tmp_path):
    f = audit_result.findings
    own = f.loc[(f["finding_kind"] == "violation") & (f["unit_id"] == "KV01")]
    rule = own["rule_id"].value_counts().index[0]
    confirmed = own.loc[own["rule_id"] == rule, "finding_id"].head(3).tolist()
    dismissed = own.loc[own["rule_id"] != rule, "finding_id"].head(2).tolist()
    path = tmp_path / "dispositions.csv"
    path.write_text("finding_id,disposition,reason\n" + "".join(f"{x},confirmed,\n" for x in confirmed)
                    + "".join(f"{x},dismissed,entered late\n" for x in dismissed) + "NO-SUCH-ID,dismissed,x\n",
                    encoding="utf-8")
    paths = write_outputs(audit_result, tmp_path / "run", dispositions=path, remedy_days=45)
    manifest = json.loads(paths["manifest_json"].read_text(encoding="utf-8"))
    stated = manifest["conclusion"]["stated"]["violations"]
    assert stated["findings"] <= 3 and set(stated["by_rule"]) <= {rule}
    md = paths["conclusion_md"].read_text(encoding="utf-8")
    from audit.i18n import fmt_int

    unreviewed = len(own) - len(confirmed) - len(dismissed)
    assert f"{fmt_int(unreviewed)} vi phạm chưa được xem xét" in md
    assert "trong thời hạn 45 ngày kể từ ngày nhận Kết luận" in md
    assert manifest["conclusion"]["dispositions"]["unmatched"] == 1


def test_the_period_defaults_to_the_last_statistical_year(demo_path):
    for as_of, start, end in (("2026-10-15", "2025-10-01", "2026-09-30"), ("2026-09-30", "2025-10-01", "2026-09-30"),
                              ("2026-09-29", "2024-10-01", "2025-09-30"), ("2027-03-01", "2025-10-01", "2026-09-30")):
        result = audit_unit(demo_path, "KV01", as_of)
        assert (result.period_start.isoformat(), result.period_end.isoformat()) == (start, end), as_of
        assert result.period.kind == "statistical_year" and result.period.defaulted


def test_an_unusual_period_is_said_in_the_conclusion(demo_path, tmp_path):
    result = audit_unit(demo_path, "KV01", AS_OF, "2026-10-01", AS_OF)
    conclusion = draft_conclusion(result)
    text = " ".join(b.text for b in conclusion.body)
    assert "chỉ là một phần của năm thống kê 2026-2027" in text
    assert "từ ngày 01/10/2026 đến ngày 15/10/2026" in conclusion.period_line
    with pytest.raises(ParameterError, match="after the audit date"):
        audit_unit(demo_path, "KV01", AS_OF, "2026-01-01", "2026-12-31")


def test_english_conclusion_renders(audit_result, demo_path, tmp_path):
    result = audit_unit(demo_path, "KV01", AS_OF, lang="en")
    paths = write_outputs(result, tmp_path)
    doc = _docx(paths["conclusion_docx"])
    assert _styled(doc, "KL Heading 1") == ["I. OVERVIEW", "II. RESULTS OF THE INSPECTION", "III. CONCLUSIONS",
                                            "IV. RECOMMENDATIONS AND MEASURES"]
    assert "INSPECTION CONCLUSION" in [p.text for p in doc.paragraphs]


@pytest.mark.parametrize(("content", "message"), [
    ("issuer: [1, 2]\n", "issuer: expected text"),
    ("remedy_days: 0\n", "remedy_days: expected a whole number of at least 1"),
    ("targets: {2026: {cases: 0.8}}\n", "not a statistical year"),
    ("targets: {2025-2026: {cases: 1.5e9}}\n", "expected a rate"),
    ("signer: X\n", "unknown key"),
    ("remedy_days: 60\nreport_days: 30\n", "report_days is before remedy_days"),
    ("template: nowhere.docx\n", "not a .docx file"),
])
def test_bad_inspection_files_are_refused(tmp_path, content, message):
    path = tmp_path / "inspection.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        load_inspection(path)


def test_the_shipped_template_is_the_one_the_builder_makes(tmp_path):
    built = build_template(tmp_path / "conclusion.docx")
    for part in ("word/document.xml", "word/styles.xml", "word/header1.xml"):
        with zipfile.ZipFile(TEMPLATE) as a, zipfile.ZipFile(built) as b:
            assert a.read(part) == b.read(part), part


def test_an_agencys_own_template_is_used(audit_result, tmp_path):
    from docx import Document

    own = tmp_path / "ours.docx"
    shutil.copy(TEMPLATE, own)
    doc = Document(str(own))
    doc.styles["Normal"].font.size = __import__("docx.shared", fromlist=["Pt"]).Pt(13)
    doc.paragraphs[0].insert_paragraph_before("MẪU CỦA CƠ QUAN")
    doc.save(str(own))
    (tmp_path / "inspection.yaml").write_text("template: ours.docx\n", encoding="utf-8")
    paths = write_outputs(audit_result, tmp_path / "run", inspection=tmp_path / "inspection.yaml")
    out = _docx(paths["conclusion_docx"])
    assert out.paragraphs[0].text == "MẪU CỦA CƠ QUAN" and out.styles["Normal"].font.size.pt == 13


@pytest.mark.slow
def test_the_pdf_pages_as_the_signer_sees_them(written, tmp_path):
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        pytest.skip("LibreOffice and poppler are not installed (make office installs them)")
    _, paths = written
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(paths["conclusion_docx"])], check=True, capture_output=True,
                   timeout=300)
    pdf = tmp_path / "conclusion.pdf"
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    assert sizes[0] == ("595.304", "841.89")  # A4 portrait
    assert ("841.89", "595.304") in sizes  # the annexes in landscape
    subprocess.run([pdftoppm, "-r", "50", "-f", "1", "-l", "2", "-png", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=120)
    import numpy as np
    from PIL import Image

    first = np.asarray(Image.open(next(tmp_path.glob("page-*1.png"))).convert("L"))
    assert (first < 128).mean() > 0.01  # text on the page, not a blank sheet
    page1 = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout
    assert "KẾT LUẬN KIỂM TRA" in page1 and "Căn cứ" in page1


def test_workbook_is_ready_for_follow_up(written, audit_result):
    from openpyxl import load_workbook

    from audit.i18n import t

    _, paths = written
    wb = load_workbook(paths["findings_xlsx"])
    f = audit_result.findings
    cats = [c for c in ("stalled", "deadline", "disbursement", "misclassification", "valuation", "auction",
                        "reconciliation", "workload", "data_quality") if (f["category"] == c).any()]
    assert wb.sheetnames == ["Tất cả phát hiện", "Tổng hợp"] + [t(f"report.category.{c}", "vi")[:31] for c in cats]
    total_rows = 0
    for name in wb.sheetnames[2:]:
        ws = wb[name]
        header = [c.value for c in ws[1]]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        money, date = header.index("Số tiền (đồng)") + 1, header.index("Ngày") + 1
        for row in ws.iter_rows(min_row=2):
            total_rows += 1
            cell = row[money - 1]
            if cell.value is not None:
                assert isinstance(cell.value, int) and cell.number_format == MONEY_FORMAT
            d = row[date - 1]
            if d.value is not None:
                assert isinstance(d.value, dt.datetime | dt.date) and d.number_format == "dd/mm/yyyy"
    assert total_rows == len(f)


def test_workbook_opens_on_a_flat_sheet_of_every_finding(written, audit_result):
    from openpyxl import load_workbook

    from audit.report.workbook import DISPOSITION_CHOICES, FLAT_COLUMNS

    _, paths = written
    ws = load_workbook(paths["findings_xlsx"]).worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == [c for c, _, _ in FLAT_COLUMNS]
    assert {"finding_id", "disposition", "reviewer", "decided_on", "reason", "evidence"} <= set(header)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:V{ws.max_row}"
    assert ws.max_row == len(audit_result.findings) + 1
    ids = [ws.cell(row=i, column=1).value for i in range(2, ws.max_row + 1)]
    assert ids == audit_result.findings["finding_id"].tolist()
    col = {name: header.index(name) + 1 for name in header}
    assert {ws.cell(row=i, column=col["severity"]).value for i in range(2, ws.max_row + 1)} <= {"high", "medium",
                                                                                                "low"}
    money = [ws.cell(row=i, column=col["amount"]) for i in range(2, ws.max_row + 1)]
    assert all(isinstance(c.value, int) and c.number_format == MONEY_FORMAT for c in money if c.value is not None)
    assert "Ý kiến của Đoàn kiểm tra" in ws.cell(row=1, column=col["disposition"]).comment.text
    (rule,) = ws.data_validations.dataValidation
    assert rule.type == "list" and rule.formula1 == '"' + ",".join(DISPOSITION_CHOICES) + '"'
    letter = ws.cell(row=1, column=col["disposition"]).column_letter
    assert str(rule.sqref) == f"{letter}2:{letter}{ws.max_row}"


@pytest.mark.parametrize(("content", "message"), [
    ("finding_id,status\nX,dismissed\n", "missing column disposition"),
    ("finding_id,disposition\nX,maybe\n", "row 2"),
    ("finding_id,disposition,reason\nX,dismissed,late entry\nX,confirmed,\n", "conflicting decisions"),
    ("finding_id,disposition\nX,dismissed\n", "needs a reason"),
    ("finding_id,disposition\nX,remedied\n", "needs the evidence"),
])
def test_bad_dispositions_are_refused(tmp_path, content, message):
    path = tmp_path / "d.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        read_dispositions(path)


def test_findings_csv_carries_kind_occurrence_and_problem(written):
    _, paths = written
    with paths["findings_csv"].open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    kinds = {r["finding_kind"] for r in rows}
    assert kinds == {"violation", "indicator"}
    assert all(r["occurred_on"] for r in rows if r["finding_kind"] == "violation" and r["rule_id"] !=
               "MC-NO-VERIFICATION")
    # One problem per case: the backlog of a stalled case is one of its reasons, not a second problem.
    stalled = {r["case_id"]: r["finding_id"] for r in rows if r["rule_id"] == "ST-NO-ACTION"}
    for r in rows:
        if r["rule_id"] == "ST-BACKLOG" and r["case_id"] in stalled:
            assert r["problem_id"] == stalled[r["case_id"]]


def test_a_late_complaint_is_the_heads_duty_not_the_executors(tmp_path):
    cases = [{"case_id": "C1", "received_date": "2025-11-03", "decision_date": "2025-11-04", "executor_id": "E1"}]
    complaints = [{"complaint_id": "K1", "case_id": "C1", "received_date": "2026-01-05", "round": 1,
                   "subject": "executor", "resolved_date": None, "outcome": None}]
    result = audit_unit(make_records(cases=cases, complaints=complaints), "KV01", AS_OF)
    late = result.findings.loc[result.findings["rule_id"] == "DL-COMPLAINT"]
    assert len(late) == 1 and late["executor_id"].isna().all()
    conclusion = draft_conclusion(result)
    told = [b.text for b in conclusion.body if "K1" in b.text or "Khiếu nại lần 1" in b.text]
    assert told and all("Chấp hành viên" not in x for x in told)
    assert all("Nguyễn Văn A" not in b.text for b in conclusion.body if b.style == "case" and "khiếu nại" in b.text)
