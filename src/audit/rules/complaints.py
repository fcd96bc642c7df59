"""Complaints about enforcement (category ``deadline``): DL-COMPLAINT, LTHADS Art. 145.

A complaint (contract 1.1 ``complaints``) must be resolved within 15 days of its
receipt when it is a first-time complaint, 30 days when it is a second-time one.
The table is the record; ``complaint`` events alone carry no resolution date, so
without the table the rule does not run.
"""

from __future__ import annotations

import pandas as pd

from .._frames import lookup
from ..records import CaseRecords
from .context import RuleContext
from .registry import Param, Params, rule


@rule("DL-COMPLAINT", kind="violation", category="deadline", severity="medium", entity_type="complaint",
      requires=("cases", "complaints"),
      params=(Param("first_days", int, 15, "days to resolve a first-time complaint", minimum=1, legal=True,
                    unit="days"),
              Param("second_days", int, 30, "days to resolve a second-time complaint", minimum=1, legal=True,
                    unit="days")),
      title=("Giải quyết khiếu nại quá thời hạn", "Complaint resolved late"),
      checked=("Khiếu nại về thi hành án phải được giải quyết trong {first_days} ngày (lần đầu) hoặc "
               "{second_days} ngày (lần hai) kể từ ngày thụ lý.",
               "A complaint about enforcement must be resolved within {first_days} days (first-time) or "
               "{second_days} days (second-time) of its receipt."),
      evidence={
          "": ("Khiếu nại lần {round} ({subject_code}) nhận {received}, hạn giải quyết {deadline} ({limit} ngày), "
               "giải quyết {resolved}: chậm {days} ngày",
               "Complaint round {round} ({subject_code}) received {received}, due {deadline} ({limit} days), "
               "resolved {resolved}: {days} days late"),
          "pending": ("Khiếu nại lần {round} ({subject_code}) nhận {received}, hạn giải quyết {deadline} "
                      "({limit} ngày): đến {as_of} chưa giải quyết, quá {days} ngày",
                      "Complaint round {round} ({subject_code}) received {received}, due {deadline} "
                      "({limit} days): still pending at {as_of}, {days} days over")})
def complaint_deadline(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """A complaint resolved later than receipt + 15 days (first-time) or + 30 days
    (second-time), or still pending after that."""
    c = records.complaints
    received = c["received_date"]
    second = c["round"].fillna(1).astype("int64") >= 2
    limit = p.first_days.at(received).where(~second, p.second_days.at(received))
    deadline = (received + pd.to_timedelta(limit, unit="D")).astype("datetime64[s]")
    as_of = ctx.as_of_ts
    late = c["resolved_date"].notna() & (c["resolved_date"] > deadline)
    pending = c["resolved_date"].isna() & (as_of > deadline)
    hit = late | pending
    h = c.loc[hit]
    days = (h["resolved_date"].fillna(as_of) - deadline.loc[hit]).dt.days
    cases = records.cases.set_index("case_id")
    return pd.DataFrame({
        "entity_id": h["complaint_id"], "case_id": h["case_id"],
        "unit_id": lookup(h["case_id"], cases["unit_id"]),
        # Resolving a complaint is the duty of the unit's head (or of the body above it for a
        # complaint against the head), not of the executor who holds the case: no one is named.
        "event_date": h["received_date"], "occurred_on": deadline.loc[hit], "days_over": days,
        "pack": ctx.pack_index(h["received_date"]),
        "variant": pending.loc[hit].map({True: "pending", False: ""}),
        "ev_round": h["round"].astype("Int64"), "ev_subject_code": h["subject"], "ev_received": h["received_date"],
        "ev_deadline": deadline.loc[hit], "ev_limit": limit.loc[hit], "ev_resolved": h["resolved_date"],
        "ev_days": days, "ev_as_of": as_of,
    })
