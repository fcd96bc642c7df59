"""Valuation of seized assets (category ``valuation``), docs/rules.md § Valuation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..records import CaseRecords
from ._common import assets_with_cases, auctions_with_assets, event_assets
from ._concentration import concentration_hits
from .context import RuleContext
from .registry import Param, Params, rule

_PER_M2 = ("land", "house", "apartment")


def _latest_valuation(records: CaseRecords) -> pd.DataFrame:
    v = records.valuations.sort_values(["valuation_date", "source_row"], kind="stable")
    return v.drop_duplicates("asset_id", keep="last")


@rule("VA-COMPARABLE", kind="indicator", category="valuation", severity="medium", entity_type="asset",
      requires=("cases", "assets", "valuations"),
      params=(Param("low", float, 0.5, "value per m² against the comparables' median, below which it is low",
                    minimum=0, unit="ratio"),
              Param("high", float, 2.0, "the same, above which it is high", minimum=1, unit="ratio"),
              Param("min_comparables", int, 5, "comparable assets needed (else the province's are used)",
                    minimum=2)),
      title=("Giá thẩm định bất thường so với tài sản tương tự", "Valuation far from comparable assets"),
      checked=("Giá trị/m² của đất, nhà, căn hộ so với trung vị các tài sản cùng loại cùng địa bàn (toàn tỉnh nếu "
               "địa bàn có dưới {min_comparables} tài sản): thấp hơn {low} lần hoặc cao hơn {high} lần là bất "
               "thường.",
               "Value per m² of land, houses and apartments against the median of the same type in the same "
               "district (the province when the district has fewer than {min_comparables}): below {low}× or above "
               "{high}× is irregular."),
      basis=("Chênh lệch lớn so với tài sản tương tự là dấu hiệu thẩm định giá sai, cần xác minh chứng thư.",
             "A large gap from comparable assets is a sign of a wrong valuation, to be checked in the certificate."),
      evidence={
          "": ("{asset_code} tại {district}: {value_vnd} cho {area} m² = {per_m2_vnd}/m², bằng {ratio} lần trung vị "
               "{median_vnd}/m² của {n} tài sản cùng loại cùng địa bàn; tổ chức thẩm định {valuer}",
               "{asset_code} in {district}: {value_vnd} for {area} m² = {per_m2_vnd}/m², {ratio}× the median "
               "{median_vnd}/m² of {n} assets of the type in the district; valuer {valuer}"),
          "province": ("{asset_code} tại {district}: {value_vnd} cho {area} m² = {per_m2_vnd}/m², bằng {ratio} lần "
                       "trung vị {median_vnd}/m² của {n} tài sản cùng loại toàn tỉnh; tổ chức thẩm định {valuer}",
                       "{asset_code} in {district}: {value_vnd} for {area} m² = {per_m2_vnd}/m², {ratio}× the "
                       "median {median_vnd}/m² of {n} assets of the type in the province; valuer {valuer}")})
def comparable_value(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
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
    enough = p.min_comparables
    local = a["district"].notna() & (a["d_n"] >= enough)
    a["median"] = a["d_median"].where(local, a["p_median"])
    a["n"] = a["d_n"].where(local, a["p_n"])
    a["ratio"] = a["per_m2"] / a["median"]
    low, high = p.low, p.high
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
      requires=("cases", "assets", "valuations"),
      params=(Param("max_drop", float, 0.20, "drop below the last legal starting price beyond which it is steep",
                    minimum=0, maximum=1, unit="share"),
              Param("legal_cut", float, 0.10, "price reduction the law allows after each failed round (Art. 104)",
                    minimum=0, maximum=1, legal=True, unit="share")),
      title=("Thẩm định giá lại giảm mạnh", "Steep drop on revaluation"),
      checked=("Giá thẩm định lại thấp hơn quá {max_drop}% so với giá khởi điểm cuối cùng mà pháp luật cho phép "
               "trước đó (giá thẩm định trước, trừ các lần giảm giá tối đa {legal_cut}% sau mỗi lần đấu giá không "
               "thành); thẩm định lại chỉ theo các lần giảm giá hợp pháp là bình thường.",
               "A revaluation more than {max_drop}% below the last starting price the law allowed before it (the "
               "previous valuation less at most {legal_cut}% after each failed round); a revaluation that only "
               "follows the legal reductions is normal."),
      basis=("Giảm giá qua thẩm định lại là dấu hiệu ép giá, cần xác minh chứng thư thẩm định.",
             "A price lowered through revaluation is a sign of price suppression, to be checked in the certificate."),
      evidence={"": ("Thẩm định {previous_date}: {previous_vnd}; {failed} lần đấu giá không thành sau đó, giá khởi "
                     "điểm thấp nhất được phép {reference_vnd}; thẩm định lại {date} ({valuer}): {value_vnd}, thấp "
                     "hơn {drop}% (ngưỡng {limit}%)",
                     "Valued {previous_date}: {previous_vnd}; {failed} failed round(s) since, lowest legal starting "
                     "price {reference_vnd}; revalued {date} ({valuer}): {value_vnd}, {drop}% below it (threshold "
                     "{limit}%)")})
def revaluation_drop(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """A revaluation more than 20% below the last starting price the law allowed: the
    previous valuation less the legal price reductions after the failed rounds between."""
    v = records.valuations.sort_values(["asset_id", "valuation_date", "source_row"], kind="stable")
    v = v.assign(prev=v.groupby("asset_id")["value"].shift(1),
                 prev_date=v.groupby("asset_id")["valuation_date"].shift(1)).reset_index(drop=True)
    rev = v.loc[v["revaluation"].fillna(False).astype("bool") & v["prev"].notna()].reset_index(drop=True)
    if rev.empty:
        return pd.DataFrame()
    # Failed rounds (or recorded price reductions, where a round's row is missing) between
    # the previous valuation and the revaluation.
    a = records.auctions
    failed = a.loc[(a["outcome"] == "failed") & a["auction_date"].notna(), ["asset_id", "auction_date"]]
    reductions = event_assets(records, "price_reduction")[["asset_id", "event_date"]]
    rounds = _count_between(rev, failed.rename(columns={"auction_date": "day"}))
    reduced = _count_between(rev, reductions.rename(columns={"event_date": "day"}))
    k = pd.concat([rounds, reduced], axis=1).max(axis=1).astype("int64")
    cut = p.legal_cut.at(rev["valuation_date"])
    reference = rev["prev"].astype("float64") * (1 - cut) ** k
    drop = 1 - rev["value"].astype("float64") / reference
    hit = drop > p.max_drop + 1e-12
    h = rev.loc[hit].merge(assets_with_cases(records)[["asset_id", "case_id", "unit_id", "executor_id"]],
                           on="asset_id", how="left")
    return pd.DataFrame({
        "entity_id": h["asset_id"], "case_id": h["case_id"], "unit_id": h["unit_id"],
        "executor_id": h["executor_id"], "event_date": h["valuation_date"],
        "amount": (reference.loc[hit].round(0).astype("int64").to_numpy() - h["value"].to_numpy()),
        "key": h["valuation_id"], "score": drop.loc[hit].to_numpy(),
        "ev_previous_vnd": h["prev"], "ev_previous_date": h["prev_date"], "ev_failed": k.loc[hit].to_numpy(),
        "ev_reference_vnd": reference.loc[hit].round(0).astype("int64").to_numpy(),
        "ev_value_vnd": h["value"], "ev_date": h["valuation_date"],
        "ev_drop": (drop.loc[hit] * 100).round(1).to_numpy(), "ev_limit": round(p.max_drop * 100, 1),
        "ev_valuer": h["valuer_id"],
    })


def _count_between(rev: pd.DataFrame, days: pd.DataFrame) -> pd.Series:
    """For each revaluation row, how many of the asset's ``days`` fall after its previous
    valuation and on or before it."""
    m = rev[["asset_id", "prev_date", "valuation_date"]].reset_index().merge(days, on="asset_id")
    inside = (m["day"] > m["prev_date"]) & (m["day"] <= m["valuation_date"])
    return m.loc[inside].groupby("index").size().reindex(rev.index, fill_value=0)


@rule("VA-EXPIRED", kind="violation", category="valuation", severity="medium", entity_type="auction",
      requires=("cases", "assets", "valuations", "auctions"),
      params=(Param("months", int, 6, "months a valuation certificate stays valid", minimum=1, unit="months"),),
      title=("Đấu giá khi chứng thư thẩm định giá đã hết hiệu lực", "Auction on an expired valuation"),
      checked=("Cuộc đấu giá được tổ chức quá {months} tháng sau lần thẩm định giá gần nhất (chứng thư hết hiệu "
               "lực).",
               "The auction was held more than {months} months after the latest valuation (certificate expired)."),
      basis=("Chứng thư thẩm định giá chỉ có hiệu lực trong thời hạn ghi trên chứng thư; bán đấu giá theo giá đã hết "
             "hiệu lực là vi phạm được chứng minh từ hồ sơ.",
             "A valuation certificate is valid only for its stated period; selling on an expired one is proven "
             "from the records."),
      evidence={"": ("Đấu giá lần {round} ngày {held}; thẩm định giá gần nhất {valued}, hết hiệu lực {expiry} "
                     "({months} tháng): quá {days} ngày",
                     "Round {round} held {held}; latest valuation {valued}, valid until {expiry} ({months} months): "
                     "{days} days past")})
def expired_valuation(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Auction held more than 6 months after the latest valuation before it."""
    a = auctions_with_assets(records)
    a = a.loc[a["auction_date"].notna() & a["outcome"].isin(["sold", "failed"])].sort_values("auction_date")
    v = records.valuations[["asset_id", "valuation_date"]].sort_values("valuation_date")
    m = pd.merge_asof(a, v, left_on="auction_date", right_on="valuation_date", by="asset_id",
                      direction="backward")
    m = m.loc[m["valuation_date"].notna()]
    months = p.months
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
      params=(Param("min_share", float, 0.5, "share of the unit's valuations one valuer holds, at least",
                    minimum=0, maximum=1, unit="share"),
              Param("min_count", int, 10, "valuations a unit needs", minimum=1)),
      title=("Tập trung vào một tổ chức thẩm định giá", "One valuer dominates the unit"),
      checked=("Trong một đơn vị, một tổ chức thẩm định giá chiếm từ {min_share}% trở lên trong ít nhất {min_count} "
               "lần thẩm định, trong khi toàn tỉnh không tập trung như vậy.",
               "Within a unit, one valuer holds {min_share}% or more of at least {min_count} valuations, while the province "
               "as a whole is not concentrated."),
      basis=("Dấu hiệu ưu ái một tổ chức thẩm định giá, cần xác minh việc lựa chọn.",
             "A sign of favouring one valuer, to be checked in how valuers were chosen."),
      evidence={"": ("{provider}: {jobs}/{total} lần thẩm định của đơn vị ({share}%); trong toàn tỉnh tổ chức này "
                     "chiếm {province_share}%",
                     "{provider}: {jobs} of the unit's {total} valuations ({share}%); province-wide it holds "
                     "{province_share}%")})
def valuer_concentration(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Within a unit, one valuer holds at least half of at least ten valuations while the
    province as a whole is not concentrated."""
    peers = ctx.peers(records)
    work = peers.valuations.merge(assets_with_cases(peers)[["asset_id", "unit_id"]], on="asset_id")
    return concentration_hits(work, "valuer_id", records.cases["unit_id"].unique(),
                              min_share=p.min_share, min_count=p.min_count)
