"""Complaints about enforcement (contract 1.1 ``complaints``) and their ``complaint`` events.

About 3% of the normal cases draw a first-time complaint some time after receipt;
a fifth of those complain again (second time) after the first is resolved. Normal
complaints are resolved within the law's 15 days (first time, 3–14 days) or 30
days (second time, 5–28 days); those received in the last days before the as-of
date are still pending, inside their deadline. Planted (DL-COMPLAINT): per unit,
first-time complaints resolved 16–45 days after receipt, second-time ones 31–60
days after, and complaints still pending 20–200 days after receipt. Near misses:
complaints resolved on the deadline day itself (day 15, day 30). Every complaint
has its ``complaint`` event; half of the events carry the complaint's id in ``ref``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ..contract import COMPLAINT_OUTCOMES, COMPLAINT_SUBJECTS
from ._base import NEVER, Ctx, join, padded, pick, str_series, take, to_datetime
from .cases import Cases

RATE = 0.03
SECOND = 0.2
NORMAL, LATE, PENDING, EDGE = range(4)


@dataclass
class Complaints:
    case: np.ndarray
    received: np.ndarray
    round: np.ndarray
    subject: np.ndarray
    resolved: np.ndarray       # NEVER while pending
    outcome: np.ndarray        # index into COMPLAINT_OUTCOMES
    plant: np.ndarray          # NORMAL, LATE, PENDING, EDGE

    @property
    def n(self) -> int:
        return len(self.case)


def draw(ctx: Ctx, cases: Cases, closed_on: np.ndarray, eligible: np.ndarray) -> Complaints:
    """The complaints of the ``eligible`` cases (normal courses), planted ones included."""
    end, rng = ctx.end, ctx.rng
    cp = np.flatnonzero(eligible & (rng.random(cases.n) < RATE))
    last = np.minimum(closed_on[cp], end + 1) - 1
    ok = last > cases.received[cp] + 5
    cp, last = cp[ok], last[ok]
    received = ctx.ints(cases.received[cp] + 5, last, len(cp))
    resolved = received + ctx.ints(3, 14, len(cp))
    plant = np.full(len(cp), NORMAL, "int8")

    # Plants, per unit: late first-time complaints, overdue pending ones, and edges.
    unit = cases.unit[cp]
    old = received <= end - 70
    for code, count in ((LATE, 2), (PENDING, 1), (EDGE, 1)):
        chosen = pick(ctx, old & (plant == NORMAL), unit, count)
        plant[chosen] = code
    late = plant == LATE
    resolved[late] = received[late] + ctx.ints(16, 45, int(late.sum()))
    pending = plant == PENDING
    received[pending] = end - ctx.ints(20, 200, int(pending.sum()))
    received[pending] = np.maximum(received[pending], cases.received[cp[pending]] + 1)
    resolved[pending] = NEVER
    resolved[plant == EDGE] = received[plant == EDGE] + 15
    resolved[resolved > end] = NEVER  # received in the last days: pending, not yet late

    # Second-time complaints after a resolved first one.
    again = (resolved < end - 10) & (rng.random(len(cp)) < SECOND) & (plant == NORMAL)
    again[pick(ctx, (resolved < end - 120) & (plant == NORMAL), unit, 2)] = True
    c2 = np.flatnonzero(again)
    received2 = resolved[c2] + ctx.ints(3, 20, len(c2))
    resolved2 = received2 + ctx.ints(5, 28, len(c2))
    plant2 = np.full(len(c2), NORMAL, "int8")
    old2 = received2 <= end - 100
    for code, count in ((LATE, 1), (EDGE, 1)):
        chosen = pick(ctx, old2 & (plant2 == NORMAL), unit[c2], count)
        plant2[chosen] = code
    resolved2[plant2 == LATE] = received2[plant2 == LATE] + ctx.ints(31, 60, int((plant2 == LATE).sum()))
    resolved2[plant2 == EDGE] = received2[plant2 == EDGE] + 30
    resolved2[resolved2 > end] = NEVER
    keep2 = received2 <= end

    case = np.r_[cp, cp[c2][keep2]]
    n = len(case)
    resolved_all = np.r_[resolved, resolved2[keep2]]
    outcome = np.searchsorted(np.cumsum([0.15, 0.2, 0.55, 0.1]), rng.random(n), side="right")
    return Complaints(
        case=case, received=np.r_[received, received2[keep2]],
        round=np.r_[np.ones(len(cp), "int64"), np.full(int(keep2.sum()), 2)],
        subject=np.searchsorted(np.cumsum([0.6, 0.3, 0.1]), rng.random(n), side="right").clip(0, 2),
        resolved=resolved_all, outcome=np.minimum(outcome, len(COMPLAINT_OUTCOMES) - 1),
        plant=np.r_[plant, plant2[keep2]])


def complaint_ids(c: Complaints, ids: pa.Array) -> pa.Array:
    """``KN-<case>-<n>``: the complaints of a case numbered in order of receipt."""
    order = np.lexsort((c.received, c.case))
    seq = np.empty(c.n, "int64")
    cs = c.case[order]
    starts = np.flatnonzero(np.r_[True, cs[1:] != cs[:-1]]) if c.n else np.array([], "int64")
    seq[order] = np.arange(c.n) - np.repeat(starts, np.diff(np.r_[starts, c.n])) + 1
    return join("KN-", take(ids, c.case), "-", padded(seq, 1))


def complaints_frame(c: Complaints, ids: pa.Array) -> pd.DataFrame:
    resolved = c.resolved < NEVER
    return pd.DataFrame({
        "complaint_id": str_series(complaint_ids(c, ids)), "case_id": str_series(take(ids, c.case)),
        "received_date": to_datetime(c.received), "round": pd.array(c.round, dtype="Int64"),
        "subject": pd.Series(np.array(COMPLAINT_SUBJECTS, dtype=object)[c.subject], dtype="str"),
        "resolved_date": to_datetime(c.resolved),
        "outcome": pd.Series(np.where(resolved, np.array(COMPLAINT_OUTCOMES, dtype=object)[c.outcome], None),
                             dtype="str"),
    }).sort_values(["case_id", "received_date"], kind="stable").reset_index(drop=True)


def truth(c: Complaints, ids: pa.Array, unit_list: list[str], unit_of_case: np.ndarray) -> pd.DataFrame:
    """DL-COMPLAINT rows: the planted late and overdue complaints, and the near misses."""
    cid = complaint_ids(c, ids).to_numpy(zero_copy_only=False)
    case_id = take(ids, c.case).to_numpy(zero_copy_only=False)
    units = np.array(unit_list, dtype=object)[unit_of_case[c.case]]
    rows = []
    notes = {LATE: ("finding", "resolved after the deadline"), PENDING: ("finding", "pending past the deadline"),
             EDGE: ("none", "resolved on the deadline day")}
    for code, (expect, note) in notes.items():
        sel = c.plant == code
        rows.append(pd.DataFrame({"rule_id": "DL-COMPLAINT", "entity_type": "complaint", "entity_id": cid[sel],
                                  "unit_id": units[sel], "case_id": case_id[sel],
                                  "note": [f"round {r}: {note}" for r in c.round[sel]], "expect": expect}))
    return pd.concat(rows, ignore_index=True)
