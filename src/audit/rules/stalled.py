"""Stalled cases (category ``stalled``), RULES.md § Stalled cases."""

from __future__ import annotations

import pandas as pd

from .._frames import lookup
from ..records import CaseRecords
from ._common import case_classification, case_frame, first_event, verification_dates
from .registry import Param, RuleContext, rule

# A complaint is something done to the unit, not an action of the executor.
_NOT_ACTIONS = ("complaint",)


def last_action(records: CaseRecords) -> pd.Series:
    """Each case's latest recorded action (event, verification, decision or receipt),
    aligned with ``records.cases``."""
    return records.cached("last_action", lambda: _last_action(records))


def _last_action(records: CaseRecords) -> pd.Series:
    cases = records.cases
    ev = records.events.loc[~records.events["event_type"].isin(_NOT_ACTIONS)]
    latest_event = lookup(cases["case_id"], ev.groupby("case_id")["event_date"].max())
    latest_verif = lookup(cases["case_id"], verification_dates(records).groupby("case_id")["verification_date"].max())
    stacked = pd.concat([cases["received_date"], cases["decision_date"], latest_event, latest_verif], axis=1)
    return stacked.max(axis=1).astype("datetime64[s]")


@rule("ST-NO-ACTION", kind="violation", category="stalled", severity="high", requires=("cases", "events"),
      params=(Param("days", int, 180, minimum=1),))
def no_action(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Open case with conditions with no recorded action for more than 180 days."""
    cases = case_frame(records, ("status",))
    limit = int(ctx.param("ST-NO-ACTION", "days"))
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
      params=(Param("days", int, 365, minimum=1),))
def backlog(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Open case with conditions still unresolved more than a year after its decision."""
    cases = case_frame(records, ("status", "decision_date"))
    limit = int(ctx.param("ST-BACKLOG", "days"))
    as_of = ctx.as_of_ts
    with_cond = case_classification(records, ctx.as_of) == "with_conditions"
    decided = cases["decision_date"].fillna(lookup(cases["case_id"], first_event(records.events, "decision")))
    age = (as_of - decided).dt.days.astype("Int64")
    hit = ((cases["status"] == "open") & with_cond & (age > limit)).fillna(False).astype("bool")
    c = cases.loc[hit]
    return pd.DataFrame({
        "entity_id": c["case_id"], "case_id": c["case_id"], "unit_id": c["unit_id"],
        "executor_id": c["executor_id"], "event_date": decided.loc[hit], "days_over": age.loc[hit] - limit,
        "ev_decision": decided.loc[hit], "ev_age": age.loc[hit], "ev_as_of": as_of,
    })
