"""Data-quality findings (category ``data_quality``): what validation found.

Validation (``audit.validate``) collects every problem of every row while it
types the tables; these rules turn that collection into findings, one rule
per kind of problem, so they run, are counted and are tested like any other.
"""

from __future__ import annotations

import re

import pandas as pd

from ..records import CaseRecords
from .context import RuleContext
from .registry import Params, Text, rule

_ENTITY_BY_TABLE = {
    "units": "unit", "executors": "executor", "cases": "case", "events": "case",
    "verifications": "case", "assets": "asset", "valuations": "asset", "auctions": "auction",
    "bids": "auction", "complaints": "complaint", "reported_stats": "unit",
}


# Validation words its reasons in English (they also go to the command line); the
# Vietnamese report reads them through these patterns.
_VI_REASONS = (
    (r"^is not a date .*", "không phải ngày hợp lệ (YYYY-MM-DD hoặc dd/mm/yyyy)"),
    (r"^is not a whole amount of VND$", "không phải số tiền nguyên (đồng)"),
    (r"^is not a whole number$", "không phải số nguyên"),
    (r"^is not a number$", "không phải là số"),
    (r"^is not a yes/no value.*", "không phải giá trị có/không"),
    (r"^is not text$", "không phải văn bản"),
    (r"^required value is missing$", "thiếu giá trị bắt buộc"),
    (r"^is negative.*", "là số âm (số tiền phải từ 0 trở lên)"),
    (r"^is not one of the (\d+) codes \((.*)\)$", r"không thuộc danh mục \1 mã (\2)"),
    (r"^is not one of (.*)$", r"không thuộc danh mục: \1"),
    (r"^repeats the (\S+) of row (\d+)$", r"trùng \1 với dòng \2"),
    (r"^is identical to row (\d+)$", r"trùng hoàn toàn với dòng \1"),
    (r"^matches no valid row of (\S+) \(row kept\)$", r"không khớp dòng hợp lệ nào của bảng \1 (dòng vẫn được kiểm tra)"),
    (r"^matches no valid row of (\S+)$", r"không khớp dòng hợp lệ nào của bảng \1"),
    (r"^matches no row of (\S+) \(row kept\)$", r"không khớp dòng nào của bảng \1 (dòng vẫn được kiểm tra)"),
    (r"^is before the case's received_date (\S+)$", r"trước ngày thụ lý của việc (\1)"),
    (r"^is before (\S+) (\S+)$", r"trước \1 (\2)"),
)


def reason_text(reason: str, lang: str) -> str:
    """A validation reason in the report's language."""
    if lang != "vi" or not isinstance(reason, str):
        return reason
    for pattern, text in _VI_REASONS:
        if re.match(pattern, reason):
            return re.sub(pattern, text, reason)
    return reason


def _issues(rule_id: str):
    def detect(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
        i = records.issues.loc[records.issues["rule_id"] == rule_id]
        if i.empty:
            return pd.DataFrame()
        fallback = i["table"] + ":" + i["row"].astype("str")
        return pd.DataFrame({
            "entity_type": i["table"].map(_ENTITY_BY_TABLE).fillna("case"),
            "entity_id": i["entity_id"].fillna(fallback), "case_id": i["case_id"], "unit_id": i["unit_id"],
            "source_table": i["table"], "source_row": i["row"], "source_column": i["column"],
            "source_value": i["value"],
            "key": i["table"] + "|" + i["row"].astype("str") + "|" + i["column"].fillna(""),
            "ev_table": i["table"], "ev_row": i["row"], "ev_column": i["column"].fillna("—"),
            "ev_value": i["value"].fillna(""), "ev_reason": i["reason"].map(lambda r: reason_text(r, ctx.lang)),
        })

    detect.__doc__ = f"Problems of kind {rule_id} found while validating the source."
    return detect


_EVIDENCE: Text = ("Bảng {table}, dòng {row}, cột {column}: giá trị «{value}» — {reason}",
                   "Table {table}, row {row}, column {column}: value «{value}» — {reason}")
_BASIS: Text = ("Lỗi dữ liệu cần đơn vị rà soát, sửa; dòng lỗi vẫn được báo cáo, phần còn lại vẫn được kiểm tra.",
                "A data error for the unit to check and correct; the row is reported and the rest is audited.")
_DQ = {
    "DQ-SCHEMA": ("medium", ("Dữ liệu sai định dạng hoặc thiếu", "Missing or malformed value"),
                  ("Mỗi cột bắt buộc phải có giá trị đúng kiểu dữ liệu; số tiền là số nguyên 64 bit.",
                   "Every required column must hold a value of the right type; money fits a 64-bit integer.")),
    "DQ-DATE-ORDER": ("low", ("Ngày tháng không hợp lý", "Dates out of order"),
                      ("Quyết định, kết thúc và mọi hoạt động không được trước ngày thụ lý; khiếu nại không được "
                       "giải quyết trước ngày nhận.",
                       "Decisions, closures and events cannot precede the receipt; a complaint cannot be resolved "
                       "before it was received.")),
    "DQ-UNKNOWN-CODE": ("medium", ("Mã không có trong danh mục", "Code outside the vocabulary"),
                        ("Các cột mã hóa chỉ nhận giá trị trong danh mục của chuẩn dữ liệu.",
                         "Coded columns accept only the contract's vocabulary.")),
    "DQ-ORPHAN": ("medium", ("Dòng tham chiếu đến đối tượng không tồn tại", "Row pointing to a missing record"),
                  ("Mỗi sự kiện, xác minh, tài sản, cuộc đấu giá, khiếu nại phải gắn với một việc, tài sản hoặc cuộc "
                   "đấu giá có thật; sự kiện khiếu nại phải khớp bảng khiếu nại khi có bảng này.",
                   "Every event, verification, asset, auction and complaint must point to an existing case, asset "
                   "or auction; a complaint event must match the complaints table where there is one.")),
    "DQ-DUPLICATE": ("low", ("Dữ liệu trùng lặp", "Duplicate record"),
                     ("Mã định danh không được trùng; sự kiện không được ghi hai lần.",
                      "Identifiers must be unique; events must not be recorded twice.")),
}
for _rid, (_severity, _title, _checked) in _DQ.items():
    rule(_rid, kind="indicator", category="data_quality", severity=_severity, requires=(), title=_title,
         checked=_checked, basis=_BASIS, evidence={"": _EVIDENCE})(_issues(_rid))
