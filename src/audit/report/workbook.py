"""findings.xlsx: the findings laid out for follow-up, one sheet per category.

Each sheet has a frozen header row with an autofilter, fitted column widths,
money as numbers (format ``#,##0``), dates as dates, the team's disposition and
empty columns for the unit to fill in (remedy, status) next to the remedy
deadline. A summary sheet sums the findings up by category.

The first sheet is flat: every finding on one row, with codes rather than
labels (finding_kind, severity, category) so it filters and pivots as audit
software expects, and the reviewers' columns ``disposition`` (a drop-down of
:data:`DISPOSITION_CHOICES`), ``reviewer``, ``decided_on`` and ``reason``. Its
header row holds the column names themselves (each with its label in the
report's language as a note): the workbook, filled in, goes back to ``audit run
--dispositions``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..contract import CATEGORIES
from ..i18n import fmt_date, t
from .facts import findings_overview
from .sections._html import label, missing, rule_title

if TYPE_CHECKING:
    from ..pipeline import UnitAudit

__all__ = ["write_workbook", "COLUMNS", "FLAT_COLUMNS", "DISPOSITION_CHOICES", "MONEY_FORMAT"]

MONEY_FORMAT = "#,##0"
# (column, kind, width): kinds pick the cell type and format.
COLUMNS = (("finding_id", "text", 24), ("severity", "text", 11), ("rule_id", "text", 20),
           ("title", "wrap", 34), ("subject", "text", 18), ("executor_id", "text", 14),
           ("executor_name", "text", 22), ("event_date", "date", 12), ("days_over", "int", 10),
           ("amount", "money", 17), ("evidence", "wrap", 70), ("legal_basis", "wrap", 30),
           ("disposition", "text", 14), ("remedy", "wrap", 30), ("remedy_deadline", "date", 13),
           ("remedy_status", "wrap", 24))
# The flat sheet of all findings; the last five columns are the reviewers' (read back as
# dispositions: ``evidence`` there is the evidence of a remedy, the finding's is ``finding_evidence``).
FLAT_COLUMNS = (("finding_id", "text", 24), ("finding_kind", "text", 11), ("severity", "text", 9),
                ("category", "text", 17), ("rule_id", "text", 20), ("title", "wrap", 34),
                ("case_id", "text", 16), ("entity_type", "text", 11), ("entity_id", "text", 18),
                ("executor_id", "text", 14), ("occurred_on", "date", 12), ("ongoing", "bool", 9),
                ("days_over", "int", 10), ("amount", "money", 17), ("problem_id", "text", 24),
                ("finding_evidence", "wrap", 70), ("legal_basis", "wrap", 30), ("disposition", "text", 13),
                ("reviewer", "text", 18), ("decided_on", "date", 12), ("reason", "wrap", 40),
                ("evidence", "wrap", 40))
DISPOSITION_CHOICES = ("confirmed", "dismissed", "remedied", "pending")
SUMMARY = (("category", "text", 34), ("high", "int", 10), ("medium", "int", 12), ("low", "int", 10),
           ("total", "int", 12), ("cases", "int", 10), ("money_owed", "money", 24),
           ("money_named", "money", 24))
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(text: str, used: set[str]) -> str:
    name = _BAD_SHEET_CHARS.sub(" ", text).strip()[:31] or "Sheet"
    base, i = name, 2
    while name in used:
        name = f"{base[:28]} {i}"
        i += 1
    used.add(name)
    return name


def _value(value: Any, kind: str) -> Any:
    if value is None or missing(value):
        return None
    if kind == "date":
        return value.date() if isinstance(value, pd.Timestamp | dt.datetime) else value
    if kind in ("int", "money"):
        return int(value)
    if kind == "bool":
        return bool(value)
    return str(value)


def _put(ws, row: int, column: int, value: Any):
    """Write one cell; text is always stored as text, never as a formula (a name or a reference
    from the data starting with ``=`` would otherwise run when the workbook is opened)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _sheet(wb, name: str, columns, header: list[str], rows: list[list[Any]], lang: str,
           top: list[str] | None = None):
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name)
    first = 1
    for line in top or []:
        _put(ws, first, 1, line).font = Font(bold=first == 1, size=12 if first == 1 else 10)
        first += 1
    if top:
        first += 1  # a blank line between the title and the table
    fill = PatternFill("solid", fgColor="DCE6F1")
    for j, text in enumerate(header, start=1):
        cell = _put(ws, first, j, text)
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    date_format = "dd/mm/yyyy" if lang == "vi" else "yyyy-mm-dd"
    for i, row in enumerate(rows, start=first + 1):
        for j, ((_, kind, _), value) in enumerate(zip(columns, row, strict=True), start=1):
            cell = _put(ws, i, j, _value(value, kind))
            if kind == "money":
                cell.number_format = MONEY_FORMAT
            elif kind == "int":
                cell.number_format = "0"
            elif kind == "date":
                cell.number_format = date_format
            cell.alignment = Alignment(wrap_text=kind == "wrap", vertical="top")
    for j, (_, _, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    last = get_column_letter(len(columns))
    ws.freeze_panes = f"A{first + 1}"
    ws.auto_filter.ref = f"A{first}:{last}{first + max(len(rows), 1)}"
    ws.print_title_rows = f"{first}:{first}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws


def _flat_sheet(wb, result: UnitAudit, disposition: pd.Series, name: str) -> None:
    """Every finding on one row, codes as codes, and the reviewers' columns with their drop-down."""
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    lang, f = result.lang, result.findings
    given = disposition.to_numpy() if len(disposition) == len(f) else [""] * len(f)
    rows = []
    for r, d in zip(f.to_dict("records"), given, strict=True):
        values = {**r, "title": rule_title(r["rule_id"], lang), "disposition": d or None,
                  "reviewer": None, "decided_on": None, "reason": None, "finding_evidence": r["evidence"],
                  "evidence": None}
        rows.append([None if missing(values.get(c)) else values.get(c) for c, _, _ in FLAT_COLUMNS])
    ws = _sheet(wb, name, FLAT_COLUMNS, [c for c, _, _ in FLAT_COLUMNS], rows, lang)
    choices_text = t("workbook.disposition_choices", lang, choices=", ".join(DISPOSITION_CHOICES))
    for j, (column, _, _) in enumerate(FLAT_COLUMNS, start=1):
        key = "remedy_evidence" if column == "evidence" else column
        note = t(f"workbook.columns.{key}", lang) + (f". {choices_text}" if column == "disposition" else "")
        ws.cell(row=1, column=j).comment = Comment(note, "thads-audit")
    letter = get_column_letter([c for c, _, _ in FLAT_COLUMNS].index("disposition") + 1)
    choices = DataValidation(type="list", formula1='"' + ",".join(DISPOSITION_CHOICES) + '"', allow_blank=True,
                             showErrorMessage=True, errorTitle=t("workbook.columns.disposition", lang),
                             error=choices_text)
    choices.add(f"{letter}2:{letter}{max(len(rows), 1) + 1}")
    ws.add_data_validation(choices)


def write_workbook(result: UnitAudit, path: str | Path, disposition: pd.Series,
                   deadline: dt.date) -> Path:
    """Write findings.xlsx.

    Parameters
    ----------
    result : UnitAudit
    path : path
    disposition : Series
        Each finding's disposition (``confirmed``, ``dismissed`` or ""), aligned with
        ``result.findings``.
    deadline : date
        The remedy deadline written next to each finding.
    """
    from openpyxl import Workbook

    lang, f = result.lang, result.findings
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    _flat_sheet(wb, result, disposition, _sheet_name(t("workbook.all", lang), used))
    col = lambda c: t(f"workbook.columns.{c}", lang)  # noqa: E731
    overview = findings_overview(result)
    top = [t("workbook.title", lang, unit=result.unit.get("name")),
           t("workbook.period", lang, start=fmt_date(result.period_start, lang),
             end=fmt_date(result.period_end, lang), as_of=fmt_date(result.as_of, lang),
             deadline=fmt_date(deadline, lang))]
    rows = [[label("category", r["category"], lang)] + [r[c] for c, _, _ in SUMMARY[1:]]
            for r in overview.to_dict("records")]
    _sheet(wb, _sheet_name(t("workbook.summary", lang), used), SUMMARY, [col(c) for c, _, _ in SUMMARY],
           rows, lang, top)
    names = result.records.executors.drop_duplicates("executor_id").set_index("executor_id")["name"]
    frame = f.assign(disposition=disposition.to_numpy() if len(disposition) == len(f) else "")
    for cat in CATEGORIES:
        part = frame[frame["category"] == cat]
        if part.empty:
            continue
        rows = []
        for r in part.to_dict("records"):
            d = r.get("disposition") or ""
            rows.append([r["finding_id"], label("severity", r["severity"], lang), r["rule_id"],
                         rule_title(r["rule_id"], lang),
                         r["case_id"] if not missing(r["case_id"]) else r["entity_id"],
                         r["executor_id"], names.get(r["executor_id"]) if not missing(r["executor_id"]) else None,
                         r["event_date"], r["days_over"], r["amount"], r["evidence"], r["legal_basis"] or None,
                         t(f"workbook.disposition.{d}", lang) if d else None, None,
                         None if d == "dismissed" else deadline, None])
        _sheet(wb, _sheet_name(label("category", cat, lang), used), COLUMNS,
               [col(c) for c, _, _ in COLUMNS], rows, lang)
    path = Path(path)
    wb.save(str(path))
    return path
