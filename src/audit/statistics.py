"""The enforcement statistics as THADS reports them, from the case records.

The standard table counts, by cases and by money, for a period P:

- carried over (năm trước chuyển sang): on the books on P's first day;
- newly received (thụ lý mới): received within P;
- total (tổng số phải thi hành) = carried over + newly received, less the cases
  entrusted to another unit or returned within P (they left the books);
- with conditions (có điều kiện thi hành) and without conditions (chưa có điều
  kiện), by each case's classification at P's end (resolved cases count with);
  cases not yet classified are shown apart;
- resolved (giải quyết xong) = completed (thi hành xong) + terminated (đình chỉ)
  within P; remaining (chuyển kỳ sau) = total − resolved;
- completion rate = resolved ÷ with conditions.

Money: a case's money on the books is its amount due less what was collected
before P; money resolved is what was collected within P plus, for a case
terminated within P, what remained. The money completion rate counts only money
resolved on cases with conditions (its denominator holds no other case).

These are the definitions of RULES.md § Reconciliation; :func:`audit.measures.
thads_metrics` computes the six reported metrics with the same rules.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from . import measures
from ._frames import lookup, member
from .records import CaseRecords

__all__ = ["TABLE_COLUMNS", "enforcement_table", "key_cases", "money_held", "HELD_BUCKETS"]

_PARTS = ("carried_over", "new", "total", "with_conditions", "without_conditions", "unclassified",
          "resolved", "completed", "terminated", "remaining")
TABLE_COLUMNS = (*(f"cases_{p}" for p in _PARTS), "cases_rate",
                 *(f"money_{p}" for p in _PARTS), "money_rate")
# Age of money collected and not yet paid out, in days since it came in.
HELD_BUCKETS = ("0-10", "11-30", "31-90", "91-365", ">365")
_HELD_EDGES = [-1, 10, 30, 90, 365, np.inf]


def _case_frame(records: CaseRecords, start: dt.date, end: dt.date) -> pd.DataFrame:
    """One row per case on the books in [start, end] with its counts and money."""
    cases = records.cases
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    closed = cases["closed_date"]
    on_books = (cases["received_date"] <= e) & ~(closed < s)
    left = member(cases["status"], measures.LEFT_BOOKS) & closed.between(s, e)
    books = cases.loc[on_books & ~left.fillna(False)].reset_index(drop=True)

    col = measures.collections_of(records)
    col = col.loc[member(col["case_id"], books["case_id"])]

    def summed(mask: pd.Series) -> pd.Series:
        by_case = col.loc[mask].groupby("case_id")["amount"].sum()
        return lookup(books["case_id"], by_case).fillna(0).astype("int64")

    before, within = summed(col["event_date"] < s), summed(col["event_date"].between(s, e))
    upto_end = summed(col["event_date"] <= e)
    due = books["amount_due"].fillna(0).astype("int64")
    money = (due - before).clip(lower=0)
    status = books["status"]
    in_p = books["closed_date"].between(s, e)
    completed = (status == "completed") & in_p
    terminated = (status == "terminated") & in_p
    resolved = completed | terminated
    cls = measures.classification_at(books, records.events, end)
    with_cond = resolved | (cls == "with_conditions")
    without = ~with_cond & (cls == "without_conditions")
    money_resolved = within + (due - upto_end).clip(lower=0).where(terminated, 0)
    money_resolved = money_resolved.where(with_cond, 0)
    carried = books["received_date"] < s
    return pd.DataFrame({
        "case_id": books["case_id"], "unit_id": books["unit_id"], "executor_id": books["executor_id"],
        "case_type": books["case_type"],
        "carried_over": carried, "new": ~carried, "total": True,
        "with_conditions": with_cond, "without_conditions": without,
        "unclassified": ~with_cond & ~without,
        "resolved": resolved, "completed": completed, "terminated": terminated, "remaining": ~resolved,
        "money": money, "money_resolved": money_resolved,
        "money_completed": money_resolved.where(completed, 0),
        "money_terminated": money_resolved.where(terminated, 0),
    })


def enforcement_table(records: CaseRecords, start: dt.date, end: dt.date,
                      by: str = "unit_id") -> pd.DataFrame:
    """The standard statistics table per ``by`` (``unit_id``, ``case_type`` or
    ``executor_id``), by cases and by money (columns :data:`TABLE_COLUMNS`).

    Money is whole đồng (int64); rates are fractions (NaN without cases with conditions).
    """
    f = _case_frame(records, start, end)
    out = pd.DataFrame(index=pd.Index(sorted(f[by].dropna().unique()), name=by))
    groups = f.groupby(by)
    for part in _PARTS:
        mask = f[part].astype("bool")
        out[f"cases_{part}"] = mask.groupby(f[by]).sum().reindex(out.index, fill_value=0).astype("int64")
    for part in ("carried_over", "new", "total", "with_conditions", "without_conditions", "unclassified"):
        money = f["money"].where(f[part].astype("bool"), 0)
        out[f"money_{part}"] = money.groupby(f[by]).sum().reindex(out.index, fill_value=0).astype("int64")
    for part in ("resolved", "completed", "terminated"):
        out[f"money_{part}"] = groups[f"money_{part}"].sum().reindex(out.index, fill_value=0).astype("int64")
    out["money_remaining"] = out["money_total"] - out["money_resolved"]
    for kind in ("cases", "money"):
        den = out[f"{kind}_with_conditions"].astype("float64")
        out[f"{kind}_rate"] = (out[f"{kind}_resolved"].astype("float64") / den).where(den > 0)
    return out[list(TABLE_COLUMNS)].reset_index()


def total_row(table: pd.DataFrame) -> dict[str, object]:
    """The sum of a statistics table's rows, rates recomputed from the sums."""
    row: dict[str, object] = {c: int(table[c].sum()) for c in TABLE_COLUMNS if not c.endswith("_rate")}
    for kind in ("cases", "money"):
        den = int(row[f"{kind}_with_conditions"])  # type: ignore[call-overload]
        row[f"{kind}_rate"] = int(row[f"{kind}_resolved"]) / den if den else None  # type: ignore[call-overload]
    return row


def key_cases(records: CaseRecords, end: dt.date, min_amount: int,
              types: tuple[str, ...] = ("corruption_economic", "bank_credit")) -> pd.DataFrame:
    """The cases an inspection follows closely (vụ việc trọng điểm): open on ``end`` and
    either of a large amount (at least ``min_amount`` đồng due) or of a followed type
    (corruption and economic crimes, bank credit).

    Returns case_id, judgment_ref, case_type, executor_id, received_date, amount_due,
    collected, owed, condition (at ``end``), large, followed_type; largest owed first.
    """
    cases = records.cases
    e = pd.Timestamp(end)
    still = (cases["received_date"] <= e) & ~(cases["closed_date"] <= e)
    col = measures.collections_of(records)
    paid = col.loc[col["event_date"] <= e].groupby("case_id")["amount"].sum()
    collected = lookup(cases["case_id"], paid).fillna(0).astype("int64")
    due = cases["amount_due"].fillna(0).astype("int64")
    large = due >= min_amount
    followed = member(cases["case_type"], types)
    keep = still & (large | followed)
    out = cases.loc[keep, ["case_id", "judgment_ref", "case_type", "executor_id", "received_date",
                           "amount_due"]].copy()
    out["collected"] = collected.loc[keep]
    out["owed"] = (due - collected).clip(lower=0).loc[keep]
    out["condition"] = measures.classification_at(cases, records.events, end).loc[keep]
    out["large"], out["followed_type"] = large.loc[keep], followed.loc[keep]
    return out.sort_values(["owed", "case_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def money_held(records: CaseRecords, as_of: dt.date) -> pd.DataFrame:
    """Money the unit collected and has not paid out on ``as_of``, per case, with the age
    of the oldest money still held (collections matched to later disbursements first in,
    first out): case_id, executor_id, held, since, days, bucket."""
    ev = records.events
    day = pd.Timestamp(as_of)
    moves = ev.loc[member(ev["event_type"], ["collection", "disbursement"]) & (ev["event_date"] <= day),
                   ["case_id", "event_date", "event_type", "amount"]]
    moves = moves.assign(amount=moves["amount"].fillna(0).astype("int64"))
    col = moves.loc[moves["event_type"] == "collection"].sort_values(["case_id", "event_date"], kind="stable")
    paid_out = moves.loc[moves["event_type"] == "disbursement"].groupby("case_id")["amount"].sum()
    col = col.assign(cum=col.groupby("case_id")["amount"].cumsum())
    col["paid"] = lookup(col["case_id"], paid_out).fillna(0).astype("int64")
    col["open"] = (col["cum"] - col["paid"]).clip(lower=0).clip(upper=col["amount"])
    still = col.loc[col["open"] > 0]
    if still.empty:
        return pd.DataFrame({"case_id": pd.Series(dtype="str"), "executor_id": pd.Series(dtype="str"),
                             "held": pd.Series(dtype="int64"), "since": pd.Series(dtype="datetime64[s]"),
                             "days": pd.Series(dtype="int64"), "bucket": pd.Series(dtype="str")})
    per = still.groupby("case_id").agg(held=("open", "sum"), since=("event_date", "min")).reset_index()
    per["executor_id"] = lookup(per["case_id"], records.cases.set_index("case_id")["executor_id"])
    per["days"] = (day - per["since"]).dt.days.astype("int64")
    per["bucket"] = pd.cut(per["days"], _HELD_EDGES, labels=list(HELD_BUCKETS)).astype("str")
    per["held"] = per["held"].astype("int64")
    return per[["case_id", "executor_id", "held", "since", "days", "bucket"]].sort_values(
        ["days", "case_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
