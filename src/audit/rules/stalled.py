"""Stalled cases (category ``stalled``), docs/rules.md § Stalled cases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._frames import member, positions
from ..records import CaseRecords
from ._common import case_classification, case_frame, verification_dates
from .context import RuleContext
from .deadline import decided_on
from .registry import Param, Params, rule

# A complaint is something done to the unit, not an action of the executor.
_NOT_ACTIONS = ("complaint",)


def last_action(records: CaseRecords) -> pd.Series:
    """Each case's latest recorded action, aligned with ``records.cases``: from the event log
    and from the detail tables alike (a verification, a seizure, a valuation, an auction
    contract or an auction held, the decision or the receipt), as either may lack a row the
    other has."""
    return records.cached("last_action", lambda: _last_action(records))


def _latest(cases: pd.DataFrame, frame: pd.DataFrame, column: str, pos: np.ndarray | None = None) -> np.ndarray:
    """Each case's latest ``column`` in ``frame`` (NaT for none), aligned with ``cases``.

    Grouped by the case's position (``pos``, computed here when not given): integer keys,
    where grouping ten million events by their string case id takes seconds."""
    if pos is None:
        pos = positions(frame["case_id"], cases["case_id"])
    days = frame[column].to_numpy(dtype="datetime64[s]").view("int64")
    ok = (pos >= 0) & (days != np.iinfo(np.int64).min)  # NaT is the minimum int64
    latest = pd.Series(days[ok]).groupby(pos[ok]).max()
    out = np.full(len(cases), np.iinfo(np.int64).min, dtype="int64")
    out[latest.index.to_numpy()] = latest.to_numpy()
    return out.view("datetime64[s]")


def _last_action(records: CaseRecords) -> pd.Series:
    cases = records.cases
    actions = ~member(records.events["event_type"], _NOT_ACTIONS).to_numpy()
    ev = records.events.loc[actions]
    event_pos = positions(records.events["case_id"], cases["case_id"])[actions]
    parts = [cases["received_date"].to_numpy(dtype="datetime64[s]"),
             cases["decision_date"].to_numpy(dtype="datetime64[s]"),
             _latest(cases, ev, "event_date", event_pos),
             _latest(cases, verification_dates(records), "verification_date")]
    if not records.assets.empty:
        assets = records.assets[["asset_id", "case_id", "seizure_date"]]
        parts.append(_latest(cases, assets, "seizure_date"))
        vals = records.valuations.merge(assets[["asset_id", "case_id"]], on="asset_id")
        parts.append(_latest(cases, vals, "valuation_date"))
        rounds = records.auctions.merge(assets[["asset_id", "case_id"]], on="asset_id")
        held = rounds.assign(auction_date=rounds["auction_date"].where(rounds["outcome"].isin(["sold", "failed"])))
        parts += [_latest(cases, rounds, "contract_date"), _latest(cases, held, "auction_date")]
    # The latest of the dates (missing ones ignored; NaT when all are missing).
    stacked = np.stack([np.asarray(a, dtype="datetime64[s]").view("int64") for a in parts])
    last = stacked.max(axis=0)
    return pd.Series(last.view("datetime64[s]"), index=cases.index, dtype="datetime64[s]")


@rule("ST-NO-ACTION", kind="violation", category="stalled", severity="high", requires=("cases", "events"),
      params=(Param("days", int, 180, "days without any recorded action", minimum=1, unit="days"),),
      title=("Việc có điều kiện không có hoạt động thi hành", "Case with conditions left idle"),
      checked=("Việc có điều kiện thi hành đang thi hành mà không có hoạt động nào được ghi nhận quá {days} ngày.",
               "Open cases with conditions with no recorded action for more than {days} days."),
      basis=("Việc có điều kiện phải được tổ chức thi hành liên tục; để quá ngưỡng mà không có hoạt động nào là "
             "vi phạm được chứng minh từ hồ sơ (ngưỡng do đoàn kiểm tra áp dụng).",
             "A case with conditions must be enforced without pause; going past the threshold without any "
             "recorded action is proven from the records (the threshold is the inspection's)."),
      evidence={"": ("Hoạt động gần nhất {last_action}; đến {as_of} đã {idle} ngày không có hoạt động "
                     "(ngưỡng {limit} ngày)",
                     "Last recorded action {last_action}; {idle} days idle at {as_of} (threshold {limit} days)")})
def no_action(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Open case with conditions with no recorded action for more than 180 days."""
    cases = case_frame(records, ("status",))
    limit = p.days
    as_of = ctx.as_of_ts
    with_cond = case_classification(records, ctx.as_of) == "with_conditions"
    last = last_action(records)
    idle = (as_of - last).dt.days
    hit = (cases["status"] == "open") & with_cond & (idle > limit)
    c = cases.loc[hit]
    return pd.DataFrame({
        "entity_id": c["case_id"], "case_id": c["case_id"], "unit_id": c["unit_id"],
        "executor_id": c["executor_id"], "event_date": last.loc[hit], "days_over": idle.loc[hit] - limit,
        "occurred_on": last.loc[hit] + pd.Timedelta(days=limit),
        "score": 1.0,
        "ev_last_action": last.loc[hit], "ev_idle": idle.loc[hit], "ev_limit": limit, "ev_as_of": as_of,
    })


@rule("ST-BACKLOG", kind="indicator", category="stalled", severity="low", requires=("cases", "events"),
      params=(Param("days", int, 365, "days since the enforcement decision", minimum=1, unit="days"),),
      title=("Việc tồn đọng lâu chưa thi hành xong", "Long-standing backlog"),
      checked=("Việc có điều kiện thi hành đã ra quyết định quá {days} ngày mà chưa thi hành xong (chỉ báo tồn "
               "đọng).",
               "Cases with conditions still open more than {days} days after the enforcement decision (backlog "
               "indicator)."),
      basis=("Chỉ báo tồn đọng của thống kê THADS, không phải vi phạm thời hạn.",
             "The THADS statistics' backlog indicator, not a missed deadline."),
      evidence={"": ("Quyết định thi hành án {decision}; đến {as_of} đã {age} ngày chưa thi hành xong",
                     "Enforcement decision {decision}; still open after {age} days at {as_of}")})
def backlog(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Open case with conditions still unresolved more than a year after its decision."""
    cases = case_frame(records, ("status",))
    limit = p.days
    as_of = ctx.as_of_ts
    with_cond = case_classification(records, ctx.as_of) == "with_conditions"
    decided = decided_on(records)
    age = (as_of - decided).dt.days.astype("Int64")
    hit = ((cases["status"] == "open") & with_cond & (age > limit)).fillna(False).astype("bool")
    c = cases.loc[hit]
    return pd.DataFrame({
        "entity_id": c["case_id"], "case_id": c["case_id"], "unit_id": c["unit_id"],
        "executor_id": c["executor_id"], "event_date": decided.loc[hit], "days_over": age.loc[hit] - limit,
        "ev_decision": decided.loc[hit], "ev_age": age.loc[hit], "ev_as_of": as_of,
    })
