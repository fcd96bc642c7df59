"""Cases classified "without conditions" that should not be (category ``misclassification``).

Because the completion rate divides by cases *with* conditions, moving a case
to *without conditions* flatters it; these rules look for the tell-tale signs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._frames import lookup, member
from ..records import CaseRecords
from ._common import (
    bh_qvalues,
    case_classification,
    case_frame,
    open_cases,
    robust_z,
    verification_dates,
)
from .context import RuleContext
from .registry import Param, Params, rule

_FLAGS = ("land", "house", "vehicle", "bank_account", "income", "business")


@rule("MC-ASSETS-FOUND", kind="violation", category="misclassification", severity="high",
      requires=("cases", "events", "verifications"),
      title=("Phân loại chưa có điều kiện dù xác minh có tài sản",
             "Classified without conditions although assets were found"),
      checked=("Việc được phân loại chưa có điều kiện thi hành trong khi lần xác minh gần nhất phát hiện tài sản, "
               "thu nhập hoặc kết luận có điều kiện.",
               "Cases classified without conditions while the latest verification found assets or income, or "
               "concluded with conditions."),
      evidence={"": ("Xác minh {verified}: phát hiện {found_codes}; kết luận {outcome_code}; giá trị ước tính "
                     "{value_vnd}; nhưng việc đang ở loại chưa có điều kiện",
                     "Verified {verified}: found {found_codes}; outcome {outcome_code}; estimated value "
                     "{value_vnd}; yet the case is classified without conditions")})
def assets_found(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Classified without conditions while the latest verification found assets or income."""
    cases = case_frame(records, ("status", "closed_date", "condition"))
    without = case_classification(records, ctx.as_of) == "without_conditions"
    cases = cases.loc[open_cases(records.cases) & without]
    v = records.verifications
    latest = (v.loc[member(v["case_id"], cases["case_id"])]
              .sort_values(["verification_date", "source_row"], kind="stable")
              .drop_duplicates("case_id", keep="last").set_index("case_id"))
    flags = latest[list(_FLAGS)].fillna(False).astype("bool")
    found = flags.any(axis=1) | (latest["outcome"] == "with_conditions")
    latest = latest.loc[found]
    names = flags.loc[found].apply(lambda row: ", ".join(f for f in _FLAGS if row[f]), axis=1) \
        if found.any() else pd.Series(dtype="str")
    c = cases.loc[member(cases["case_id"], latest.index)]
    lv = latest.reindex(c["case_id"])
    return pd.DataFrame({
        "entity_id": c["case_id"].values, "case_id": c["case_id"].values, "unit_id": c["unit_id"].values,
        "executor_id": c["executor_id"].values, "event_date": lv["verification_date"].values,
        # kept without conditions from the later of the classification and the verification
        "occurred_on": pd.concat([pd.Series(lv["verification_date"].values),
                                  pd.Series(lookup(c["case_id"], classified_without(records)).values)],
                                 axis=1).max(axis=1).values,
        "amount": lv["assets_value"].values,
        "ev_verified": lv["verification_date"].values,
        "ev_found_codes": names.reindex(c["case_id"]).fillna("").replace("", "—").values,
        "ev_outcome_code": lv["outcome"].values, "ev_value_vnd": lv["assets_value"].values,
    })


def classified_without(records: CaseRecords) -> pd.Series:
    """Each case's latest classification as without conditions (by case_id)."""
    ev = records.events
    return ev.loc[ev["event_type"] == "classified_without"].groupby("case_id")["event_date"].max()


def _without_now(records: CaseRecords, ctx: RuleContext) -> pd.Series:
    return open_cases(records.cases) & (
        case_classification(records, ctx.as_of) == "without_conditions")


@rule("MC-NO-VERIFICATION", kind="violation", category="misclassification", severity="high",
      requires=("cases", "events"),
      title=("Phân loại chưa có điều kiện khi chưa xác minh", "Classified without conditions without verification"),
      checked=("Chỉ được xác định chưa có điều kiện thi hành sau khi đã xác minh điều kiện thi hành án.",
               "A case may be classified without conditions only after the debtor's assets were verified."),
      evidence={"": ("Phân loại chưa có điều kiện ngày {classified}; không có lần xác minh nào trước đó",
                     "Classified without conditions on {classified}; no verification on record before it"),
                "undated": ("Đang ở loại chưa có điều kiện; không có lần xác minh nào trong hồ sơ",
                            "Classified without conditions; no verification on record at all")})
def no_verification(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Classified without conditions with no verification on record before the classification."""
    cases = case_frame(records).loc[_without_now(records, ctx)]
    classified = lookup(cases["case_id"], classified_without(records))
    # Without a classification event, the classification is as old as the records show: as_of.
    cutoff = classified.fillna(ctx.as_of_ts)
    v = verification_dates(records)
    v = v.loc[member(v["case_id"], cases["case_id"])]
    v = v.assign(cutoff=lookup(v["case_id"], pd.Series(cutoff.to_numpy(), index=cases["case_id"])))
    verified = v.loc[v["verification_date"] <= v["cutoff"], "case_id"].unique()
    c = cases.loc[~member(cases["case_id"], verified)]
    cl = classified.loc[c.index]
    return pd.DataFrame({
        "entity_id": c["case_id"], "case_id": c["case_id"], "unit_id": c["unit_id"],
        "executor_id": c["executor_id"], "event_date": cl, "occurred_on": cl,
        "variant": cl.isna().map({True: "undated", False: ""}), "ev_classified": cl,
    })


@rule("MC-PERIOD-END", kind="indicator", category="misclassification", severity="medium",
      requires=("cases", "events"),
      params=(Param("window_days", int, 30, "days before a reclassification in which a verification is expected",
                    minimum=1, unit="days"),
              Param("spike_ratio", float, 3.0, "September's count against the unit's average other month",
                    minimum=1, unit="ratio"),
              Param("min_count", int, 5, "September reclassifications a unit needs to be a wave", minimum=1)),
      title=("Chuyển sang chưa có điều kiện vào cuối năm thống kê", "Reclassified without conditions at the year end"),
      checked=("Việc chuyển sang chưa có điều kiện trong tháng 9 (tháng cuối năm thống kê) mà không có xác minh "
               "trong {window_days} ngày trước đó; và đơn vị có từ {min_count} việc chuyển loại trong tháng 9, gấp "
               "{spike_ratio} lần trung bình các tháng khác trở lên.",
               "Cases moved to without conditions in September (the last month of the statistical year) with no "
               "verification in the {window_days} days before; and units with {min_count} or more such moves in "
               "September, {spike_ratio} times their average other month or more."),
      basis=("Dấu hiệu làm đẹp tỷ lệ cuối năm, cần xác minh hồ sơ.",
             "A sign of year-end window dressing of the completion rate, to be verified in the files."),
      evidence={
          "": ("Chuyển sang chưa có điều kiện ngày {classified}; lần xác minh gần nhất trước đó ngày {verified}, "
               "cách {gap} ngày (quá {window} ngày)",
               "Moved to without conditions on {classified}; the latest verification before it was on {verified}, "
               "{gap} days earlier (more than {window})"),
          "none": ("Chuyển sang chưa có điều kiện ngày {classified}; không có lần xác minh nào trước đó",
                   "Moved to without conditions on {classified}; no verification before it"),
          "unit": ("Năm thống kê {year}: {sep} việc chuyển sang chưa có điều kiện trong tháng 9, so với trung bình "
                   "{other} việc/tháng các tháng khác (gấp {ratio} lần)",
                   "Statistical year {year}: {sep} cases moved to without conditions in September against {other} "
                   "a month on average in the other months ({ratio}×)")})
def period_end(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Reclassified without conditions in September (the last month of the statistical
    year) without a verification in the 30 days before; and units whose September
    share of such reclassifications is far above their other months."""
    window = p.window_days
    ev = records.events
    cls = ev.loc[ev["event_type"] == "classified_without", ["case_id", "event_date"]]
    cases = records.cases.set_index("case_id")
    cls = cls.loc[member(cls["case_id"], cases.index)]
    sept = cls.loc[cls["event_date"].dt.month == 9].reset_index(drop=True)
    v = verification_dates(records).rename(columns={"verification_date": "v_date"}).sort_values("v_date")
    prev = pd.merge_asof(sept.sort_values("event_date"), v.dropna(), left_on="event_date", right_on="v_date",
                         by="case_id", direction="backward")
    bare = prev["v_date"].isna() | ((prev["event_date"] - prev["v_date"]).dt.days > window)
    h = prev.loc[bare]
    case_hits = pd.DataFrame({
        "entity_id": h["case_id"], "case_id": h["case_id"], "unit_id": lookup(h["case_id"], cases["unit_id"]),
        "executor_id": lookup(h["case_id"], cases["executor_id"]), "event_date": h["event_date"],
        "key": h["event_date"].dt.strftime("%Y-%m-%d"),
        "variant": h["v_date"].isna().map({True: "none", False: ""}),
        "ev_classified": h["event_date"], "ev_verified": h["v_date"],
        "ev_gap": (h["event_date"] - h["v_date"]).dt.days.astype("Int64"), "ev_window": window,
    })
    # Unit level: per statistical year, September's count against the mean of its other months.
    ratio_min, min_count = p.spike_ratio, p.min_count
    c = cls.assign(unit_id=lookup(cls["case_id"], cases["unit_id"]),
                   year=cls["event_date"].dt.year + (cls["event_date"].dt.month >= 10).astype("int64"),
                   sep=cls["event_date"].dt.month == 9)
    counts = c.groupby(["unit_id", "year"]).agg(total=("sep", "size"), sep=("sep", "sum")).reset_index()
    counts["other"] = (counts["total"] - counts["sep"]) / 11
    counts["ratio"] = counts["sep"] / counts["other"].clip(lower=1 / 11)
    spike = counts.loc[(counts["sep"] >= min_count) & (counts["ratio"] >= ratio_min)]
    unit_hits = pd.DataFrame({
        "entity_type": "unit", "entity_id": spike["unit_id"], "unit_id": spike["unit_id"],
        "event_date": pd.to_datetime(spike["year"].astype("str") + "-09-30").astype("datetime64[s]"),
        "key": spike["year"].astype("str"), "score": spike["ratio"].astype("float64"), "variant": "unit",
        "ev_year": spike["year"].astype("str"), "ev_sep": spike["sep"].astype("int64"),
        "ev_other": spike["other"].round(1), "ev_ratio": spike["ratio"].round(1),
    })
    return pd.concat([case_hits, unit_hits], ignore_index=True)


@rule("MC-UNIT-SHARE", kind="indicator", category="misclassification", severity="medium", entity_type="unit",
      requires=("cases", "events"),
      params=(Param("fdr", float, 0.05, "false discovery rate across the units tested (Benjamini–Hochberg)",
                    minimum=0, maximum=1, unit="probability"),
              Param("min_excess", float, 0.05, "the unit's share above the peers' median share, at least",
                    minimum=0, maximum=1, unit="share"),
              Param("min_units", int, 5, "units needed for a comparison", minimum=3),
              Param("min_cases", int, 30, "open cases a unit needs to be compared", minimum=1)),
      title=("Tỷ lệ việc chưa có điều kiện cao bất thường", "Unusually high share without conditions"),
      checked=("Tỷ lệ việc đang thi hành chưa có điều kiện của đơn vị so với các đơn vị khác: cao hơn hẳn (điểm z "
               "theo trung vị, kiểm soát tỷ lệ phát hiện sai {fdr} trên các đơn vị được so sánh) và cao hơn trung vị "
               "từ {min_excess} điểm phần trăm trở lên.",
               "The unit's share of open cases without conditions against its peers: far above them (median-based "
               "z-score, false discovery rate {fdr} across the units compared) and at least {min_excess} percentage "
               "points above the median."),
      basis=("Tỷ lệ cao là dấu hiệu phân loại sai để nâng tỷ lệ giải quyết xong, cần xác minh hồ sơ.",
             "A high share is a sign of misclassification that flatters the completion rate, to be verified."),
      evidence={"": ("{without}/{open} việc đang thi hành chưa có điều kiện ({share}%), trung vị {units} đơn vị "
                     "{median}%, cao hơn {z} lần mức chênh lệch thông thường giữa các đơn vị, mức sai lầm q = {q}",
                     "{without} of {open} open cases without conditions ({share}%), median of {units} units "
                     "{median}%, z-score {z}, q = {q}")})
def unit_share(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """A unit whose share of open cases without conditions is far above its peers'.

    Peers are the audited unit's province (``ctx.province``), or every unit of a
    scan; with fewer than ``min_units`` units the rule stays silent. Each unit's robust
    z-score (against the peers' median, on the larger of their spread and the chance
    spread of a share over the unit's cases) gives a one-sided p-value, and the
    Benjamini–Hochberg procedure keeps the false discovery rate across the units at ``fdr``.
    """
    from ..province import open_without

    audited = records.cases["unit_id"].unique()
    # A unit's run has its province's counts as aggregates (from a store, computed in SQL).
    per = ctx.province.open_without if ctx.province is not None else open_without(ctx.peers(records), ctx.as_of)
    per = per.loc[per["open"] >= p.min_cases]
    if len(per) < p.min_units:
        ctx.notes["MC-UNIT-SHARE"] = {"silent": "too_few_units", "units": int(len(per))}
        return pd.DataFrame()
    from scipy.stats import norm  # slow to import: only when the rule tests

    share = per["without"] / per["open"]
    rz = robust_z(share)
    # The spread against which a unit is judged: the peers' (median absolute deviation), and
    # never less than chance alone gives a share over the unit's number of open cases.
    chance = np.sqrt(rz["median"] * (1 - rz["median"]) / per["open"])
    rz["z"] = (share - rz["median"]) / np.maximum(rz["scale"], chance).where(lambda x: x > 0)
    q = pd.Series(bh_qvalues(norm.sf(rz["z"].fillna(0).to_numpy())), index=per.index)
    hit = (q <= p.fdr) & (share - rz["median"] >= p.min_excess - 1e-12) & per.index.isin(audited)
    h = per.loc[hit].reset_index()
    r = rz.loc[hit].reset_index(drop=True)
    s = share.loc[hit].reset_index(drop=True)
    return pd.DataFrame({
        "entity_id": h["unit_id"], "unit_id": h["unit_id"], "score": r["z"].astype("float64"),
        "ev_without": h["without"].astype("int64"), "ev_open": h["open"].astype("int64"),
        "ev_share": (s * 100).round(1), "ev_median": (r["median"] * 100).round(1),
        "ev_z": r["z"].round(1), "ev_units": r["n"].astype("int64"),
        "ev_q": q.loc[hit].to_numpy(),
    })
