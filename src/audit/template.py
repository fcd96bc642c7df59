"""A blank workbook in the input format, for a unit to fill in from its own export.

``audit template --out FILE.xlsx`` writes one sheet per contract table, named
as the loader looks for it, with bilingual headers (``Mã việc (case_id)``: the
loader reads either half), the allowed values of coded columns and yes/no
columns as drop-down lists, date and money cells formatted, and a first sheet
that explains every column and shows a filled example row of every table.
Everything comes from :mod:`audit.contract`, so the template cannot drift
from what the loader accepts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .contract import TABLES, Column, Table

__all__ = ["write_template", "EXAMPLES", "sheet_name", "header"]

# Rows of each data sheet that carry the drop-downs and formats.
ROWS = 5000
GUIDE, LISTS = "Hướng dẫn", "Danh mục"
_HEAD = PatternFill("solid", fgColor="DDEBF7")
_EXAMPLE = PatternFill("solid", fgColor="F2F2F2")
_KIND_VI = {"str": "văn bản", "date": "ngày (dd/mm/yyyy)", "money": "số tiền, đồng (số nguyên)",
            "int": "số nguyên", "float": "số", "bool": "có / không"}

# One filled row per table: a small but consistent case, as a unit's export would hold it.
EXAMPLES: dict[str, dict[str, Any]] = {
    "units": {"unit_id": "KV01", "name": "Phòng Thi hành án dân sự khu vực 1", "level": "regional",
              "parent_id": "T01"},
    "executors": {"executor_id": "KV01-CHV01", "unit_id": "KV01", "name": "Nguyễn Văn A"},
    "cases": {"case_id": "KV01-000001", "unit_id": "KV01", "executor_id": "KV01-CHV01",
              "judgment_ref": "12/2025/DS-ST", "case_type": "civil", "initiation": "on_request",
              "received_date": dt.date(2025, 10, 6), "decision_date": dt.date(2025, 10, 9),
              "amount_due": 150_000_000, "debtor_kind": "person", "debtor_id": "D0001",
              "creditor_kind": "person", "status": "open", "condition": "with_conditions",
              "closed_date": None, "long_prison_term": "không"},
    "events": {"case_id": "KV01-000001", "event_date": dt.date(2025, 10, 13), "event_type": "notification",
               "amount": None, "ref": "45/TB-THADS"},
    "verifications": {"case_id": "KV01-000001", "verification_date": dt.date(2025, 11, 3), "land": "có",
                      "house": "không", "vehicle": "không", "bank_account": "có", "income": "không",
                      "business": "không", "assets_value": 900_000_000, "outcome": "with_conditions"},
    "assets": {"asset_id": "TS-0001", "case_id": "KV01-000001", "asset_type": "land", "district": "Huyện A",
               "area_m2": 120.5, "seizure_date": dt.date(2025, 12, 1)},
    "valuations": {"valuation_id": "TD-0001", "asset_id": "TS-0001", "valuation_date": dt.date(2025, 12, 20),
                   "valuer_id": "VAL01", "value": 850_000_000, "revaluation": "không"},
    "auctions": {"auction_id": "DG-0001", "asset_id": "TS-0001", "round": 1,
                 "contract_date": dt.date(2025, 12, 26), "auctioneer_id": "AUC01",
                 "auction_date": dt.date(2026, 2, 3), "starting_price": 850_000_000, "outcome": "sold",
                 "registered_bidders": 3, "winning_price": 905_000_000, "winner_id": "B0003"},
    "bids": {"auction_id": "DG-0001", "bidder_id": "B0003", "amount": 905_000_000},
    "complaints": {"complaint_id": "KN-0001", "case_id": "KV01-000001", "received_date": dt.date(2026, 3, 2),
                   "round": 1, "subject": "executor", "resolved_date": dt.date(2026, 3, 12),
                   "outcome": "rejected"},
    "reported_stats": {"unit_id": "KV01", "period_start": dt.date(2025, 10, 1),
                       "period_end": dt.date(2026, 9, 30), "metric": "cases_total", "value": 893},
}


def sheet_name(table: Table) -> str:
    """The sheet's name: the table's Vietnamese name (the loader knows it), at most 31 characters."""
    name = next((a for a in table.aliases if not a.isascii()), table.name)
    return name[:31]


def header(column: Column) -> str:
    """``Mã việc (case_id)``: the Vietnamese label and the contract name."""
    label = next((a for a in column.aliases if not a.isascii()), "")
    return f"{label} ({column.name})" if label else column.name


def _note(column: Column) -> str:
    need = "không bắt buộc" if (column.nullable or column.optional) else "bắt buộc"
    text = f"{column.name}: {_KIND_VI[column.kind]}, {need}."
    if column.vocabulary:
        text += " Giá trị: " + ", ".join(column.vocabulary) + "."
    return text


def _lists_sheet(book: Workbook) -> dict[tuple[str, str], str]:
    """A hidden sheet of every vocabulary; returns the range of each (table, column)."""
    ws = book.create_sheet(LISTS)
    ranges: dict[tuple[str, str], str] = {}
    col = 0
    for table in TABLES.values():
        for column in table.columns:
            values = column.vocabulary or (("có", "không") if column.kind == "bool" else ())
            if not values:
                continue
            col += 1
            letter = get_column_letter(col)
            ws.cell(1, col, f"{table.name}.{column.name}")
            for i, v in enumerate(values, start=2):
                ws.cell(i, col, v)
            ranges[(table.name, column.name)] = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${len(values) + 1}"
    ws.sheet_state = "hidden"
    return ranges


def _validation(ws, column: Column, letter: str, ranges: dict[tuple[str, str], str], table: str) -> None:
    area = f"{letter}2:{letter}{ROWS + 1}"
    if (table, column.name) in ranges:
        dv = DataValidation(type="list", formula1=ranges[(table, column.name)], allow_blank=True)
        dv.error, dv.errorTitle = "Chọn một giá trị trong danh sách.", "Giá trị không hợp lệ"
    elif column.kind in ("money", "int"):
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error, dv.errorTitle = "Nhập số nguyên, không âm.", "Không phải số nguyên"
    elif column.kind == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
        dv.error, dv.errorTitle = "Nhập ngày (dd/mm/yyyy).", "Không phải ngày"
    else:
        return
    dv.showErrorMessage = True
    ws.add_data_validation(dv)
    dv.add(area)
    # A column's own format: the cells a user types into take it.
    if column.kind == "date":
        ws.column_dimensions[letter].number_format = "dd/mm/yyyy"
    elif column.kind == "money":
        ws.column_dimensions[letter].number_format = "#,##0"


def _write_row(ws, row: int, table: Table, values: dict[str, Any]) -> None:
    for i, column in enumerate(table.columns, start=1):
        cell = ws.cell(row, i, values.get(column.name))
        if column.kind == "date":
            cell.number_format = "dd/mm/yyyy"
        elif column.kind == "money":
            cell.number_format = "#,##0"


def _guide(book: Workbook) -> None:
    ws = book.active
    ws.title = GUIDE
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 100
    lines = [
        ("Mẫu dữ liệu thi hành án cho công cụ kiểm tra (thads-audit)", True),
        ("Mỗi sheet là một bảng; dòng 1 là tiêu đề (tiếng Việt và tên cột), nhập dữ liệu từ dòng 2. "
         "Các bảng units, executors, cases, events, verifications là bắt buộc; các bảng khác không bắt buộc.", False),
        ("Ngày: dd/mm/yyyy hoặc ô ngày của Excel. Số tiền: đồng, số nguyên (1.234.567 cũng được). "
         "Có/không: có, không. Ô trống là không có giá trị.", False),
        ("Kiểm tra tệp: audit validate TỆP.xlsx   —   Kiểm tra một đơn vị: audit run --source TỆP.xlsx "
         "--unit MÃ_ĐƠN_VỊ --as-of YYYY-MM-DD --out THƯ_MỤC", False),
        ("Bên dưới: mỗi bảng với một dòng ví dụ đã điền (chỉ để tham khảo, không được đọc).", False),
    ]
    row = 1
    for text, bold in lines:
        ws.cell(row, 1, text).font = Font(bold=bold, size=13 if bold else 11)
        row += 1
    for table in TABLES.values():
        row += 1
        need = "bắt buộc" if table.required else "không bắt buộc"
        ws.cell(row, 1, f"Sheet «{sheet_name(table)}» ({table.name}, {need})").font = Font(bold=True)
        row += 1
        for i, column in enumerate(table.columns, start=1):
            c = ws.cell(row, i, header(column))
            c.font, c.fill = Font(bold=True), _HEAD
        _write_row(ws, row + 1, table, EXAMPLES.get(table.name, {}))
        for i in range(1, len(table.columns) + 1):
            ws.cell(row + 1, i).fill = _EXAMPLE
        row += 2
        for column in table.columns:
            ws.cell(row, 1, header(column))
            ws.cell(row, 2, _note(column)).alignment = Alignment(wrap_text=True)
            row += 1


def write_template(path: str | Path) -> Path:
    """Write the blank input workbook to ``path`` (see the module's docstring)."""
    book = Workbook()
    _guide(book)
    ranges = _lists_sheet(book)
    for table in TABLES.values():
        ws = book.create_sheet(sheet_name(table))
        for i, column in enumerate(table.columns, start=1):
            letter = get_column_letter(i)
            cell = ws.cell(1, i, header(column))
            cell.font, cell.fill = Font(bold=True), _HEAD
            cell.comment = Comment(_note(column), "thads-audit")
            ws.column_dimensions[letter].width = max(14, min(len(header(column)) + 2, 40))
            _validation(ws, column, letter, ranges, table.name)
        ws.freeze_panes = "A2"
    book.move_sheet(LISTS, offset=len(book.sheetnames))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(out))
    return out
