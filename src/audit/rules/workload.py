"""Executors' workload (category ``workload``): caseload and the share of stalled cases."""

from __future__ import annotations

import pandas as pd

from ..measures import executor_load, open_cases
from ..records import CaseRecords
from ._common import case_classification, robust_z
from .registry import Param, RuleContext, rule
from .stalled import last_action


@rule("WL-CASELOAD", kind="indicator", category="workload", severity="low", entity_type="executor", requires=("cases", "events"),
      params=(Param("ratio", float, 2.0, minimum=1), Param("min_executors", int, 3, minimum=2),
              Param("min_cases", int, 20, minimum=1)))
def caseload(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """An executor carrying far more open cases or money than the unit's median executor."""
    load = executor_load(records, ctx.as_of)
    ratio = float(ctx.param("WL-CASELOAD", "ratio"))
    g = load.groupby("unit_id")
    load = load.assign(n=g["executor_id"].transform("size"),
                       med_cases=g["open_cases"].transform("median").astype("float64"),
                       med_money=g["money_open"].transform("median").astype("float64"))
    enough = load["n"] >= int(ctx.param("WL-CASELOAD", "min_executors"))
    over_cases = (load["open_cases"] >= int(ctx.param("WL-CASELOAD", "min_cases"))) & (
        load["open_cases"] > ratio * load["med_cases"])
    over_money = (load["med_money"] > 0) & (load["money_open"] > ratio * load["med_money"])
    h = load.loc[enough & (over_cases | over_money)]
    return pd.DataFrame({
        "entity_id": h["executor_id"], "executor_id": h["executor_id"], "unit_id": h["unit_id"],
        "amount": h["money_open"],
        "score": (h["open_cases"] / h["med_cases"].clip(lower=1)).astype("float64"),
        "ev_name": h["name"], "ev_cases": h["open_cases"].astype("int64"),
        "ev_median": h["med_cases"].round(1), "ev_money_vnd": h["money_open"],
        "ev_median_money_vnd": h["med_money"].round(0).astype("Int64"), "ev_executors": h["n"].astype("int64"),
    })


@rule("WL-STALLED-SHARE", kind="indicator", category="workload", severity="medium", entity_type="executor",
      requires=("cases", "events"),
      params=(Param("z", float, 3.0, minimum=0), Param("min_cases", int, 10, minimum=1),
              Param("min_stalled", int, 3, minimum=1), Param("idle_days", int, 180, minimum=1)))
def stalled_share(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """An executor whose share of stalled cases is far above the unit's other executors'."""
    cases = records.cases
    active = open_cases(cases) & (cases["status"] == "open") & (
        case_classification(records, ctx.as_of) == "with_conditions")
    idle = (ctx.as_of_ts - last_action(records)).dt.days > int(ctx.param("WL-STALLED-SHARE", "idle_days"))
    frame = pd.DataFrame({"unit_id": cases["unit_id"], "executor_id": cases["executor_id"],
                          "active": active, "stalled": active & idle}).dropna(subset=["executor_id"])
    per = frame.groupby(["unit_id", "executor_id"])[["active", "stalled"]].sum().reset_index()
    per = per.loc[per["active"] >= int(ctx.param("WL-STALLED-SHARE", "min_cases"))].reset_index(drop=True)
    if per.empty:
        return pd.DataFrame()
    share = per["stalled"] / per["active"]
    rz = robust_z(share, per["unit_id"], floor=0.05)
    hit = (rz["z"] > float(ctx.param("WL-STALLED-SHARE", "z"))) & (
        per["stalled"] >= int(ctx.param("WL-STALLED-SHARE", "min_stalled"))) & (rz["n"] >= 3)
    h, r = per.loc[hit], rz.loc[hit]
    return pd.DataFrame({
        "entity_id": h["executor_id"], "executor_id": h["executor_id"], "unit_id": h["unit_id"],
        "score": r["z"].astype("float64"),
        "ev_stalled": h["stalled"].astype("int64"), "ev_active": h["active"].astype("int64"),
        "ev_share": (share.loc[hit] * 100).round(1), "ev_median": (r["median"] * 100).round(1),
        "ev_z": r["z"].round(1), "ev_executors": r["n"].astype("int64"),
    })
