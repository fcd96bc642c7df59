"""Slow disbursement of collected money (category ``disbursement``).

Collections are matched to the disbursements that follow them first in,
first out: collection k (the money between the case's cumulative collected
C(k-1) and C(k)) is fully paid out on the first date when the cumulative
disbursed reaches C(k). ``merge_asof`` finds that date for every collection
of every case at once.
"""

from __future__ import annotations

import pandas as pd

from .._frames import lookup
from ..measures import money_sum
from ..records import CaseRecords
from .context import RuleContext
from .registry import Param, Params, rule


def _cumulative(events: pd.DataFrame, event_type: str) -> pd.DataFrame:
    e = events.loc[events["event_type"] == event_type, ["case_id", "event_date", "amount"]]
    money_sum(e["amount"], e["case_id"], what=f"{event_type}s of a case")  # a running total must fit too
    e = e.assign(amount=e["amount"].fillna(0).astype("int64"))
    e = e.sort_values(["case_id", "event_date"], kind="stable")
    return e.assign(cum=e.groupby("case_id", sort=False)["amount"].cumsum().astype("int64"))


@rule("DI-LATE", kind="violation", category="disbursement", severity="high", requires=("cases", "events"),
      params=(Param("days", int, 10, "days from a collection to its disbursement", minimum=1, legal=True,
                    unit="days"),),
      title=("Chi trả tiền thi hành án chậm", "Late disbursement"),
      checked=("Tiền thu được phải chi trả cho người được thi hành án trong {days} ngày kể từ ngày thu (đối chiếu "
               "từng khoản thu với các khoản chi theo thứ tự trước – sau).",
               "Money collected must be paid to the creditor within {days} days (each collection matched to "
               "later disbursements, first in first out)."),
      evidence={
          "": ("Thu {collected_vnd} ngày {collected}, hạn chi {deadline}, chi trả đủ ngày {paid}: chậm {days} ngày "
               "({outstanding_vnd} chưa chi khi hết hạn)",
               "Collected {collected_vnd} on {collected}, due {deadline}, fully paid out {paid}: {days} days late "
               "({outstanding_vnd} unpaid at the deadline)"),
          "held": ("Thu {collected_vnd} ngày {collected}, hạn chi {deadline}: đến {as_of} còn {outstanding_vnd} "
                   "chưa chi trả, quá {days} ngày",
                   "Collected {collected_vnd} on {collected}, due {deadline}: {outstanding_vnd} still not paid "
                   "out at {as_of}, {days} days over")})
def late_disbursement(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Money collected and not paid out to the creditor within 10 days."""
    col = _cumulative(records.events, "collection")
    col = col.loc[col["amount"] > 0]
    if col.empty:
        return pd.DataFrame()
    dis = _cumulative(records.events, "disbursement")
    # For each collection, the first disbursement that brings the cumulative paid out to
    # at least the cumulative collected through that collection.
    matched = pd.merge_asof(
        col.reset_index(drop=True).sort_values("cum", kind="stable"),
        dis[["case_id", "event_date", "cum"]].rename(columns={"event_date": "paid_date", "cum": "paid_cum"})
        .sort_values("paid_cum", kind="stable"),
        left_on="cum", right_on="paid_cum", by="case_id", direction="forward",
    )
    # Disbursed before the money came in still counts as paid on the collection day.
    paid = matched["paid_date"].where(matched["paid_date"] >= matched["event_date"], matched["event_date"])
    paid = paid.where(matched["paid_date"].notna())
    days_limit = p.days.at(matched["event_date"])
    deadline = (matched["event_date"] + pd.to_timedelta(days_limit, unit="D")).astype("datetime64[s]")
    as_of = ctx.as_of_ts
    late = paid.notna() & (paid > deadline)
    held = paid.isna() & (as_of > deadline)
    hit = late | held
    m = matched.loc[hit]
    # What of this collection was still undisbursed: on the deadline for a late payment,
    # on the audit date for money still held.
    ref = deadline.loc[hit].where(~held.loc[hit], as_of).astype("datetime64[s]")
    by_ref = pd.merge_asof(
        m[["case_id"]].assign(ref=ref).reset_index().sort_values("ref", kind="stable"),
        dis[["case_id", "event_date", "cum"]].rename(columns={"event_date": "d_date", "cum": "d_cum"})
        .sort_values("d_date", kind="stable"),
        left_on="ref", right_on="d_date", by="case_id", direction="backward",
    ).set_index("index").reindex(m.index)
    covered = by_ref["d_cum"].fillna(0).astype("int64")
    start = m["cum"] - m["amount"]
    outstanding = (m["cum"] - covered.clip(lower=start)).clip(lower=0, upper=m["amount"])
    end = paid.loc[hit].fillna(as_of)
    days = (end - deadline.loc[hit]).dt.days
    cases = records.cases.set_index("case_id")
    seq = m.groupby("case_id").cumcount()
    return pd.DataFrame({
        "entity_id": m["case_id"], "case_id": m["case_id"],
        "unit_id": lookup(m["case_id"], cases["unit_id"]),
        "executor_id": lookup(m["case_id"], cases["executor_id"]),
        "event_date": m["event_date"], "days_over": days, "amount": outstanding.astype("int64"),
        "occurred_on": deadline.loc[hit],
        "pack": ctx.pack_index(m["event_date"]),
        "key": m["event_date"].dt.strftime("%Y-%m-%d") + "#" + seq.astype("str"),
        "variant": held.loc[hit].map({True: "held", False: ""}),
        "ev_collected_vnd": m["amount"], "ev_collected": m["event_date"], "ev_deadline": deadline.loc[hit],
        "ev_paid": paid.loc[hit], "ev_outstanding_vnd": outstanding, "ev_days": days, "ev_as_of": as_of,
    })
