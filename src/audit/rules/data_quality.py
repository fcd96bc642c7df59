"""Data-quality findings (category ``data_quality``): what validation found.

Validation (``audit.validate``) collects every problem of every row while it
types the tables; these rules turn that collection into findings, one rule
per kind of problem, so they run, are counted and are tested like any other.
"""

from __future__ import annotations

import re

import pandas as pd

from ..records import CaseRecords
from .registry import RuleContext, rule

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
    def detect(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
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


for _rid, _severity in (("DQ-SCHEMA", "medium"), ("DQ-DATE-ORDER", "low"), ("DQ-UNKNOWN-CODE", "medium"),
                        ("DQ-ORPHAN", "medium"), ("DQ-DUPLICATE", "low")):
    rule(_rid, kind="indicator", category="data_quality", severity=_severity, requires=())(_issues(_rid))
