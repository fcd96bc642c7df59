"""Executors' workload (category ``workload``): caseload and the share of stalled cases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..measures import executor_load, open_cases
from ..records import CaseRecords
from ._common import bh_qvalues, case_classification
from .context import RuleContext
from .registry import Param, Params, rule
from .stalled import last_action


@rule("WL-CASELOAD", kind="indicator", category="workload", severity="low", entity_type="executor",
      requires=("cases", "events"),
      params=(Param("ratio", float, 2.0, "open cases or money against the unit's median executor, at least",
                    minimum=1, unit="ratio"),
              Param("min_executors", int, 3, "executors a unit needs for a comparison", minimum=2),
              Param("min_cases", int, 20, "open cases an executor needs to be flagged for cases", minimum=1)),
      title=("Chấp hành viên quá tải", "Executor overloaded"),
      checked=("Số việc hoặc số tiền đang thi hành của một chấp hành viên so với trung vị của đơn vị (gấp {ratio} "
               "lần trở lên).",
               "An executor's open cases or money against the unit's median executor ({ratio} times or more)."),
      basis=("Phân công không đều là rủi ro về tiến độ, không phải vi phạm của chấp hành viên.",
             "Uneven assignment is a risk to progress, not a violation by the executor."),
      evidence={"": ("{name}: {cases} việc đang thi hành (trung vị đơn vị {median}), {money_vnd} phải thi hành "
                     "(trung vị {median_money_vnd}); {executors} chấp hành viên",
                     "{name}: {cases} open cases (unit median {median}), {money_vnd} outstanding (median "
                     "{median_money_vnd}); {executors} executors")})
def caseload(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """An executor carrying far more open cases or money than the unit's median executor."""
    load = executor_load(records, ctx.as_of)
    g = load.groupby("unit_id")
    load = load.assign(n=g["executor_id"].transform("size"),
                       med_cases=g["open_cases"].transform("median").astype("float64"),
                       med_money=g["money_open"].transform("median").astype("float64"))
    enough = load["n"] >= p.min_executors
    over_cases = (load["open_cases"] >= p.min_cases) & (load["open_cases"] > p.ratio * load["med_cases"])
    over_money = (load["med_money"] > 0) & (load["money_open"] > p.ratio * load["med_money"])
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
      params=(Param("fdr", float, 0.05, "false discovery rate across the executors tested (Benjamini–Hochberg)",
                    minimum=0, maximum=1, unit="probability"),
              Param("min_ratio", float, 2.0, "the executor's stalled share against the others', at least",
                    minimum=1, unit="ratio"),
              Param("min_cases", int, 10, "open cases with conditions an executor needs to be tested", minimum=1),
              Param("min_stalled", int, 3, "stalled cases a flagged executor has at least", minimum=1),
              Param("idle_days", int, 180, "days without action that make a case stalled", minimum=1,
                    unit="days")),
      title=("Chấp hành viên có nhiều việc không hoạt động", "Executor with many idle cases"),
      checked=("Tỷ lệ việc có điều kiện không có hoạt động quá {idle_days} ngày của chấp hành viên so với các chấp "
               "hành viên khác trong đơn vị: cao hơn hẳn mức ngẫu nhiên (kiểm định chính xác Fisher, kiểm soát tỷ lệ "
               "phát hiện sai {fdr} trên các chấp hành viên được kiểm định) và từ {min_ratio} lần trở lên.",
               "An executor's share of cases with conditions idle for over {idle_days} days against the unit's "
               "other executors: far above chance (Fisher's exact test, false discovery rate {fdr} across the "
               "executors tested) and at least {min_ratio} times theirs."),
      basis=("Dấu hiệu về cách làm việc của chấp hành viên, cần xác minh; không nêu trách nhiệm cá nhân khi chưa "
             "được xác nhận.",
             "A sign about how the executor works, to be verified; it names no one responsible until confirmed."),
      evidence={"": ("{stalled}/{active} việc có điều kiện không hoạt động ({share}%), các chấp hành viên khác của "
                     "đơn vị {others}% ({executors} chấp hành viên); p = {p}, q = {q}",
                     "{stalled} of {active} cases with conditions idle ({share}%), the unit's other executors "
                     "{others}% ({executors} executors); p = {p}, q = {q}")})
def stalled_share(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """An executor whose share of stalled cases is far above the unit's other executors'.

    Each executor's stalled cases are tested against the unit's (Fisher's exact test,
    one-sided: the hypergeometric chance of so many of the unit's stalled cases falling
    among the executor's); the Benjamini–Hochberg procedure keeps the false discovery
    rate across every executor tested at ``fdr``, so chance differences between many
    executors are not reported.
    """
    cases = records.cases
    active = open_cases(cases) & (cases["status"] == "open") & (
        case_classification(records, ctx.as_of) == "with_conditions")
    idle = (ctx.as_of_ts - last_action(records)).dt.days > p.idle_days
    frame = pd.DataFrame({"unit_id": cases["unit_id"], "executor_id": cases["executor_id"],
                          "active": active, "stalled": active & idle}).dropna(subset=["executor_id"])
    per = frame.groupby(["unit_id", "executor_id"])[["active", "stalled"]].sum().reset_index()
    per = per.loc[per["active"] >= p.min_cases].reset_index(drop=True)
    per["executors"] = per.groupby("unit_id")["executor_id"].transform("size")
    per = per.loc[per["executors"] >= 3].reset_index(drop=True)
    if per.empty:
        return pd.DataFrame()
    from scipy.stats import hypergeom  # slow to import: only when the rule tests

    unit = per.groupby("unit_id")[["active", "stalled"]].transform("sum")
    others = (unit["stalled"] - per["stalled"]) / (unit["active"] - per["active"]).clip(lower=1)
    share = per["stalled"] / per["active"]
    pval = hypergeom.sf(per["stalled"].to_numpy() - 1, unit["active"].to_numpy(), unit["stalled"].to_numpy(),
                        per["active"].to_numpy())
    q = bh_qvalues(pval)
    hit = (q <= p.fdr) & (per["stalled"] >= p.min_stalled) & (share >= p.min_ratio * others)
    h = per.loc[hit]
    return pd.DataFrame({
        "entity_id": h["executor_id"], "executor_id": h["executor_id"], "unit_id": h["unit_id"],
        "score": -np.log10(np.clip(pval[hit.to_numpy()], 1e-300, 1)),
        "ev_stalled": h["stalled"].astype("int64"), "ev_active": h["active"].astype("int64"),
        "ev_share": (share.loc[hit] * 100).round(1), "ev_others": (others.loc[hit] * 100).round(1),
        "ev_executors": h["executors"].astype("int64"),
        "ev_p": pval[hit.to_numpy()], "ev_q": q[hit.to_numpy()],
    })
