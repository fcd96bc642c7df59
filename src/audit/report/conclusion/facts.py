"""The figures part II of the conclusion states for each area, from the records."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from ... import measures, statistics
from ..._frames import member

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["area_facts"]


def _between(dates: pd.Series, start: dt.date, end: dt.date) -> pd.Series:
    return dates.between(pd.Timestamp(start), pd.Timestamp(end))


def area_facts(result: UnitAudit) -> dict[str, dict[str, Any]]:
    """Per area, the counts and sums its paragraph quotes (whole numbers, money in đồng)."""
    rec, start, end = result.records, result.period_start, result.period_end
    cases, ev = rec.cases, rec.events
    in_p = _between(ev["event_date"], start, end)
    kind = ev["event_type"]

    def n_events(name: str) -> int:
        return int((in_p & (kind == name)).sum())

    def money(name: str) -> int:
        return int(ev.loc[in_p & (kind == name), "amount"].fillna(0).astype("int64").sum())

    decided = cases["decision_date"]
    open_now = measures.open_cases(cases)
    cls_end = measures.case_classification(rec, end)
    e = pd.Timestamp(end)
    open_with = (cases["received_date"] <= e) & ~(cases["closed_date"] <= e) & (cls_end == "with_conditions")
    backlog = open_with & ((e - decided).dt.days > 365).fillna(False)
    assets, vals, auctions = rec.assets, rec.valuations, rec.auctions
    held = auctions.loc[_between(auctions["auction_date"], start, end)
                        & member(auctions["outcome"], ["sold", "failed"])]
    sold = held.loc[held["outcome"] == "sold"]
    verifications = int(_between(rec.verifications["verification_date"], start, end).sum())
    rows = rec.counts
    return {
        "decisions": {"received": int(_between(cases["received_date"], start, end).sum()),
                      "decisions": int(_between(decided, start, end).sum())},
        "verification": {"verifications": verifications + n_events("verification"),
                         "reclassified": n_events("classified_without")},
        "progress": {"open_with": int(open_with.sum()), "backlog": int(backlog.sum()),
                     "open_now": int(open_now.sum())},
        "assets": {"seized": int(_between(assets["seizure_date"], start, end).sum()),
                   "valued": int(_between(vals["valuation_date"], start, end).sum()),
                   "auctions": int(len(held)), "sold": int(len(sold)),
                   "sold_value": int(sold["winning_price"].fillna(0).astype("int64").sum())},
        "money": {"collected": money("collection"), "disbursed": money("disbursement")},
        "suspension": {"postponed": n_events("postponed"), "suspended": n_events("suspended"),
                       "terminated": int(((cases["status"] == "terminated")
                                          & _between(cases["closed_date"], start, end)).sum())},
        "statistics": {"reported": int(len(rec.reported_stats.loc[rec.reported_stats["unit_id"]
                                                                  == result.unit.get("unit_id")])),
                       "rows_read": int(pd.to_numeric(rows["rows_read"]).sum()) if len(rows) else 0,
                       "rows_rejected": int(pd.to_numeric(rows["rows_rejected"]).sum()) if len(rows) else 0},
        "held": statistics.money_held(rec, result.as_of),
    }
