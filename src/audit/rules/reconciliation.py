"""Reported statistics against the case records (category ``reconciliation``)."""

from __future__ import annotations

import pandas as pd

from ..measures import thads_metrics
from ..records import CaseRecords
from .context import RuleContext
from .registry import Param, Params, rule


@rule("RC-REPORTED", kind="violation", category="reconciliation", severity="high", entity_type="unit",
      requires=("cases", "events", "reported_stats"),
      params=(Param("tolerance", int, 0, "difference (cases or VND) tolerated between reported and recomputed",
                    minimum=0),),
      title=("Số liệu báo cáo không khớp hồ sơ", "Reported figures do not match the records"),
      checked=("Số liệu thống kê đơn vị báo cáo được tính lại từ hồ sơ việc thi hành án theo cách tính của thống kê "
               "THADS; chênh lệch quá {tolerance} là sai lệch.",
               "The unit's reported statistics are recomputed from its case records with the THADS definitions; a "
               "difference beyond {tolerance} is a discrepancy."),
      basis=("Báo cáo thống kê phải khớp hồ sơ (chế độ báo cáo thống kê THADS).",
             "Reported statistics must match the records (the THADS statistical reporting rules)."),
      evidence={"": ("{metric_code} kỳ {start} – {end}: báo cáo {reported}, tính lại từ hồ sơ {recomputed}, chênh "
                     "lệch {diff}",
                     "{metric_code} for {start} – {end}: reported {reported}, recomputed from the records "
                     "{recomputed}, difference {diff}"),
                "money": ("{metric_code} kỳ {start} – {end}: báo cáo {reported_vnd}, tính lại từ hồ sơ "
                          "{recomputed_vnd}, chênh lệch {diff_vnd}",
                          "{metric_code} for {start} – {end}: reported {reported_vnd}, recomputed from the "
                          "records {recomputed_vnd}, difference {diff_vnd}")})
def reported_vs_records(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """A reported metric that differs from the same metric recomputed from the records."""
    rep = records.reported_stats
    # A period that ends after the audit date cannot be recomputed yet.
    rep = rep.loc[rep["period_end"] <= ctx.as_of_ts]
    if rep.empty:
        return pd.DataFrame()
    tolerance = p.tolerance
    parts = []
    for (start, end), group in rep.groupby(["period_start", "period_end"], sort=True):
        metrics = thads_metrics(records, start.date(), end.date())
        long = metrics.reset_index().melt(id_vars="unit_id", var_name="metric", value_name="recomputed")
        parts.append(group.merge(long, on=["unit_id", "metric"], how="left"))
    m = pd.concat(parts, ignore_index=True)
    m["recomputed"] = m["recomputed"].fillna(0).astype("int64")
    m["value"] = m["value"].astype("int64")
    diff = m["value"] - m["recomputed"]
    hit = diff.abs() > tolerance
    m, diff = m.loc[hit], diff.loc[hit]
    money = m["metric"].str.startswith("money")
    return pd.DataFrame({
        "entity_id": m["unit_id"], "unit_id": m["unit_id"], "event_date": m["period_end"],
        "occurred_on": m["period_end"],
        "amount": diff.abs().where(money), "source_table": "reported_stats", "source_row": m["source_row"],
        "source_column": "value", "source_value": m["value"].astype("str"),
        "key": m["metric"] + "|" + m["period_start"].dt.strftime("%Y-%m-%d") + "|"
        + m["period_end"].dt.strftime("%Y-%m-%d"),
        "score": (diff.abs() / m["recomputed"].abs().clip(lower=1)).astype("float64"),
        "variant": money.map({True: "money", False: ""}),
        "ev_metric_code": m["metric"], "ev_start": m["period_start"], "ev_end": m["period_end"],
        "ev_reported": m["value"], "ev_recomputed": m["recomputed"], "ev_diff": diff,
        "ev_reported_vnd": m["value"], "ev_recomputed_vnd": m["recomputed"], "ev_diff_vnd": diff,
    })
