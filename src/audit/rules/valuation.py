"""Valuation of seized assets (category ``valuation``), RULES.md § Valuation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..records import CaseRecords
from ._common import assets_with_cases, auctions_with_assets
from ._concentration import concentration_hits
from .registry import Param, RuleContext, rule

_PER_M2 = ("land", "house", "apartment")


def _latest_valuation(records: CaseRecords) -> pd.DataFrame:
    v = records.valuations.sort_values(["valuation_date", "source_row"], kind="stable")
    return v.drop_duplicates("asset_id", keep="last")


@rule("VA-COMPARABLE", kind="indicator", category="valuation", severity="medium", entity_type="asset",
      requires=("cases", "assets", "valuations"),
      params=(Param("low", float, 0.5, minimum=0), Param("high", float, 2.0, minimum=1),
              Param("min_comparables", int, 5, minimum=2)))
def comparable_value(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Value per m² of land, houses and apartments far from comparable assets (same district
    and type; the province and type when the district has fewer than five)."""
    audited = set(records.assets["asset_id"])
    peers = ctx.peers(records)
    a = assets_with_cases(peers)
    a = a.loc[a["asset_type"].isin(_PER_M2) & (a["area_m2"] > 0)]
    a = a.merge(_latest_valuation(peers)[["asset_id", "value", "valuation_date", "valuer_id"]], on="asset_id")
    if a.empty:
        return pd.DataFrame()
    a["per_m2"] = a["value"].astype("float64") / a["area_m2"]
    district = a.groupby(["district", "asset_type"], dropna=False)["per_m2"]
    a["d_median"], a["d_n"] = district.transform("median"), district.transform("size")
    province = a.groupby("asset_type")["per_m2"]
    a["p_median"], a["p_n"] = province.transform("median"), province.transform("size")
    enough = int(ctx.param("VA-COMPARABLE", "min_comparables"))
    local = a["district"].notna() & (a["d_n"] >= enough)
    a["median"] = a["d_median"].where(local, a["p_median"])
    a["n"] = a["d_n"].where(local, a["p_n"])
    a["ratio"] = a["per_m2"] / a["median"]
    low, high = float(ctx.param("VA-COMPARABLE", "low")), float(ctx.param("VA-COMPARABLE", "high"))
    hit = (a["n"] >= enough) & ((a["ratio"] < low) | (a["ratio"] > high)) & a["asset_id"].isin(audited)
    h = a.loc[hit]
    return pd.DataFrame({
        "entity_id": h["asset_id"], "case_id": h["case_id"], "unit_id": h["unit_id"],
        "executor_id": h["executor_id"], "event_date": h["valuation_date"], "amount": h["value"],
        "score": np.abs(np.log(h["ratio"].astype("float64"))),
        "variant": np.where(local.loc[hit], "", "province"),
        "ev_asset_code": h["asset_type"], "ev_district": h["district"].fillna("—"),
        "ev_value_vnd": h["value"], "ev_area": h["area_m2"].round(1),
        "ev_per_m2_vnd": h["per_m2"].round(0).astype("int64"), "ev_median_vnd": h["median"].round(0).astype("int64"),
        "ev_ratio": h["ratio"].round(2), "ev_n": h["n"].astype("int64"), "ev_valuer": h["valuer_id"],
    })


@rule("VA-REVALUATION-DROP", kind="indicator", category="valuation", severity="medium", entity_type="asset",
      requires=("cases", "assets", "valuations"), params=(Param("max_drop", float, 0.20, minimum=0, maximum=1),))
def revaluation_drop(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """A revaluation more than 20% below the previous valuation of the same asset."""
    v = records.valuations.sort_values(["asset_id", "valuation_date", "source_row"], kind="stable")
    prev = v.groupby("asset_id")["value"].shift(1)
    prev_date = v.groupby("asset_id")["valuation_date"].shift(1)
    drop = 1 - v["value"].astype("float64") / prev.astype("float64")
    max_drop = float(ctx.param("VA-REVALUATION-DROP", "max_drop"))
    hit = v["revaluation"].fillna(False).astype("bool") & prev.notna() & (drop > max_drop + 1e-12)
    h = v.loc[hit].merge(assets_with_cases(records)[["asset_id", "case_id", "unit_id", "executor_id"]],
                         on="asset_id", how="left")
    return pd.DataFrame({
        "entity_id": h["asset_id"], "case_id": h["case_id"], "unit_id": h["unit_id"],
        "executor_id": h["executor_id"], "event_date": h["valuation_date"],
        "amount": (prev.loc[hit].to_numpy() - h["value"].to_numpy()), "key": h["valuation_id"],
        "score": drop.loc[hit].to_numpy(),
        "ev_previous_vnd": prev.loc[hit].to_numpy(), "ev_previous_date": prev_date.loc[hit].to_numpy(),
        "ev_value_vnd": h["value"], "ev_date": h["valuation_date"],
        "ev_drop": (drop.loc[hit] * 100).round(1).to_numpy(), "ev_limit": round(max_drop * 100),
        "ev_valuer": h["valuer_id"],
    })


@rule("VA-EXPIRED", kind="violation", category="valuation", severity="medium", entity_type="auction",
      requires=("cases", "assets", "valuations", "auctions"), params=(Param("months", int, 6, minimum=1),))
def expired_valuation(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Auction held more than 6 months after the latest valuation before it."""
    a = auctions_with_assets(records)
    a = a.loc[a["auction_date"].notna() & a["outcome"].isin(["sold", "failed"])].sort_values("auction_date")
    v = records.valuations[["asset_id", "valuation_date"]].sort_values("valuation_date")
    m = pd.merge_asof(a, v, left_on="auction_date", right_on="valuation_date", by="asset_id",
                      direction="backward")
    m = m.loc[m["valuation_date"].notna()]
    months = int(ctx.param("VA-EXPIRED", "months"))
    expiry = m["valuation_date"] + pd.DateOffset(months=months)
    hit = m["auction_date"] > expiry
    h = m.loc[hit]
    days = (h["auction_date"] - expiry.loc[hit]).dt.days
    return pd.DataFrame({
        "entity_id": h["auction_id"], "case_id": h["case_id"], "unit_id": h["unit_id"],
        "executor_id": h["executor_id"], "event_date": h["auction_date"], "days_over": days,
        "occurred_on": h["auction_date"],
        "ev_round": h["round"], "ev_valued": h["valuation_date"], "ev_expiry": expiry.loc[hit],
        "ev_held": h["auction_date"], "ev_months": months, "ev_days": days,
    })


@rule("VA-CONCENTRATION", kind="indicator", category="valuation", severity="medium", entity_type="valuer",
      requires=("cases", "assets", "valuations"),
      params=(Param("min_share", float, 0.5, minimum=0, maximum=1), Param("min_count", int, 10, minimum=1)))
def valuer_concentration(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Within a unit, one valuer holds at least half of at least ten valuations while the
    province as a whole is not concentrated."""
    peers = ctx.peers(records)
    work = peers.valuations.merge(assets_with_cases(peers)[["asset_id", "unit_id"]], on="asset_id")
    return concentration_hits(work, "valuer_id", records.cases["unit_id"].unique(),
                              min_share=float(ctx.param("VA-CONCENTRATION", "min_share")),
                              min_count=int(ctx.param("VA-CONCENTRATION", "min_count")))
