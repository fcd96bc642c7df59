"""Workbooks through python-calamine: the older and other formats are read (.xls, .ods), a formula
whose result was never saved is reported instead of read as empty, a repeated header is refused,
and a unit run reads its workbook once."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from _io_fixtures import _excel_value, all_rows, expected, write_xlsx
from openpyxl import load_workbook

from audit.contract import TABLES
from audit.errors import SourceError
from audit.io import load_raw, load_records, source_kind
from audit.io.excel import FORMULA_WITHOUT_VALUE


def _office_rows(table: str) -> tuple[list[str], list[list[object]]]:
    spec = TABLES[table]
    headers = [c.aliases[0] if c.aliases else c.name for c in spec.columns]
    rows = [[_excel_value(v, c.kind, i) for v, c in zip(row, spec.columns, strict=True)]
            for i, row in enumerate(all_rows()[table].itertuples(index=False))]
    return headers, rows


def write_xls(path):
    """An Excel 97-2003 workbook (BIFF8), with real date cells, as old office exports are."""
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for table in all_rows():
        sheet = book.add_sheet(TABLES[table].aliases[0])
        headers, rows = _office_rows(table)
        for j, h in enumerate(headers):
            sheet.write(0, j, h)
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row):
                if isinstance(v, dt.datetime):
                    sheet.write(i, j, v, dates)
                elif v is not None:
                    sheet.write(i, j, v)
    book.save(str(path))
    return path


def write_ods(path):
    """An OpenDocument spreadsheet (LibreOffice's own format)."""
    pytest.importorskip("odf")
    with pd.ExcelWriter(path, engine="odf") as writer:
        for table in all_rows():
            headers, rows = _office_rows(table)
            pd.DataFrame(rows, columns=headers, dtype=object).to_excel(
                writer, sheet_name=TABLES[table].aliases[0], index=False)
    return path


def _matches(records, unit=None):
    assert records.issues.empty, records.issues.to_string()
    for table, frame in expected(unit).items():
        got = records.tables[table].drop(columns="source_row")
        got = got.sort_values(list(got.columns[:2])).reset_index(drop=True)
        frame = frame.sort_values(list(frame.columns[:2])).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, frame, check_dtype=True, obj=table)


@pytest.mark.parametrize("writer", [write_xls, write_ods], ids=["xls", "ods"])
def test_older_and_other_workbook_formats_are_read(tmp_path, writer):
    path = writer(tmp_path / f"so-lieu.{writer.__name__[-3:]}")
    assert source_kind(str(path)) == "xlsx"
    records = load_records(str(path))
    _matches(records)
    assert records.cases["source_row"].tolist() == [2, 3, 4, 5, 6, 7]
    assert records.files[path.name]["bytes"] == path.stat().st_size
    _matches(load_records(str(path), unit="KV01"), unit="KV01")


def _formula_book(tmp_path):
    path = write_xlsx(tmp_path / "so-lieu.xlsx")
    book = load_workbook(path)
    sheet = book["Việc thi hành án"]
    header = [c.value for c in sheet[1]]
    amount = header.index("Số tiền phải thi hành") + 1
    sheet.cell(row=3, column=amount, value="=1000000*250")  # a formula, never calculated
    sheet.cell(row=5, column=amount, value="=SUM(1,2)")
    book.save(path)
    return path


def test_formulas_without_a_saved_result_are_reported_not_read_as_empty(tmp_path):
    path = _formula_book(tmp_path)
    records = load_records(str(path))
    issues = records.issues[records.issues["table"] == "cases"]
    assert issues[["rule_id", "table", "row", "column", "value", "reason"]].values.tolist() == [
        ["DQ-SCHEMA", "cases", 3, "amount_due", "=1000000*250", FORMULA_WITHOUT_VALUE],
        ["DQ-SCHEMA", "cases", 5, "amount_due", "=SUM(1,2)", FORMULA_WITHOUT_VALUE],
    ]
    assert set(records.cases["case_id"]) == {"C1", "C3", "C5", "C6"}
    # Their events and verifications are reported as orphans, not lost.
    assert set(records.issues.loc[records.issues["table"] != "cases", "rule_id"]) == {"DQ-ORPHAN"}
    c = records.counts.set_index("table").loc["cases"]
    assert (c["rows_read"], c["rows_audited"], c["rows_rejected"]) == (6, 4, 2)


def test_a_formula_with_a_saved_result_is_read_as_its_value(tmp_path):
    import zipfile

    path = write_xlsx(tmp_path / "so-lieu.xlsx")
    # What Excel saves: the formula and its cached result side by side.
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n, d in parts.items() if n.startswith("xl/worksheets/") and b"98.765.432.100" in d)
    xml = parts[sheet].decode()
    start = xml.index("98.765.432.100")
    cell_start = xml.rindex("<c ", 0, start)
    cell_end = xml.index("</c>", start) + 4
    ref = xml[cell_start:cell_end].split('r="')[1].split('"')[0]
    xml = xml[:cell_start] + f'<c r="{ref}"><f>98765432100*1</f><v>98765432100</v></c>' + xml[cell_end:]
    parts[sheet] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    records = load_records(str(path))
    assert records.issues.empty, records.issues.to_string()
    assert records.cases.loc[records.cases["case_id"] == "C4", "amount_due"].iloc[0] == 98765432100


def test_a_repeated_header_in_a_sheet_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "so-lieu.xlsx")
    book = load_workbook(path)
    sheet = book["Đơn vị"]
    sheet.cell(row=1, column=sheet.max_column + 1, value="Tên đơn vị")
    book.save(path)
    with pytest.raises(SourceError) as err:
        load_raw(str(path))
    text = str(err.value)
    assert "\n" not in text and "#Đơn vị, table units: the header 'Tên đơn vị' appears twice" in text


def test_a_unit_run_reads_its_workbook_once(tmp_path, monkeypatch):
    import audit.io.excel as excel
    from audit.pipeline import audit_unit

    path = write_xlsx(tmp_path / "so-lieu.xlsx")
    reads = []
    original = excel.read_file_bytes

    def counting(p, table=None):
        reads.append(p)
        return original(p, table)

    monkeypatch.setattr(excel, "read_file_bytes", counting)
    result = audit_unit(str(path), "KV01", "2024-10-15")
    assert len(reads) == 1
    assert result.peer_units == ["KV01", "KV02", "T01"] and result.population is not None
    # The unit's own records are its rows only; the peers' are the province's.
    assert set(result.records.cases["unit_id"]) == {"KV01"}
    assert set(result.population.cases["unit_id"]) == {"KV01", "KV02"}
    c = result.records.counts.set_index("table")
    assert c.loc["cases", "rows_read"] == 4
