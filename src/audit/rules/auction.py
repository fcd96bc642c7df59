"""Auction rounds (category ``auction``), docs/rules.md § Auction: price cuts, lack of
competition, repeated failures and concentration. Collusion screens and bidder
rings are in :mod:`audit.rules.collusion`."""

from __future__ import annotations

import pandas as pd

from ..records import CaseRecords
from ._common import auctions_with_assets
from ._concentration import concentration_hits
from .auction_deadlines import valuation_dates
from .context import RuleContext
from .registry import Param, Params, rule

_TABLES = ("cases", "assets", "auctions")


@rule("AU-PRICE-CUT", kind="violation", category="auction", severity="high", entity_type="auction",
      requires=(*_TABLES, "events"),
      params=(Param("max_cut", float, 0.10, "largest cut of the previous starting price after a failed round",
                    minimum=0, maximum=1, legal=True, unit="share"),),
      title=("Giảm giá khởi điểm quá mức luật định", "Price cut beyond the legal limit"),
      checked=("Sau mỗi lần đấu giá không thành, mỗi lần giảm giá không được quá {max_cut}% giá khởi điểm lần trước.",
               "After a failed round, each price reduction may not exceed {max_cut}% of the previous starting "
               "price."),
      evidence={
          "": ("Lần {round}: giá khởi điểm {price_vnd}, lần trước (không thành ngày {failed}) {previous_vnd}: giảm "
               "{cut}% (tối đa {limit}%)",
               "Round {round}: starting price {price_vnd} after {previous_vnd} (failed {failed}): cut {cut}% "
               "(limit {limit}%)"),
          "event": ("Sau lần {round} không thành ngày {failed} (giá khởi điểm {previous_vnd}), quyết định giảm giá "
                    "còn {price_vnd}: giảm {cut}% (tối đa {limit}%)",
                    "After round {round} failed on {failed} (starting price {previous_vnd}), price reduced to "
                    "{price_vnd}: cut {cut}% (limit {limit}%)")})
def price_cut(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """After a failed round, a starting price (or a recorded price reduction) cutting more
    than 10% of the previous starting price."""
    a = auctions_with_assets(records).sort_values(["asset_id", "round"], kind="stable").reset_index(drop=True)
    g = a.groupby("asset_id")
    a["prev_price"], a["prev_outcome"] = g["starting_price"].shift(1), g["outcome"].shift(1)
    a["prev_date"] = g["auction_date"].shift(1)
    # (columns are set on the whole frame before filtering: assigning a Series to an empty
    # frame would adopt the Series' index and invent rows)
    a["cut"] = 1 - a["starting_price"].astype("float64") / a["prev_price"].astype("float64")
    a["limit"] = p.max_cut.at(a["contract_date"])
    a["variant"] = ""
    # Compared in VND, not as a rounded share: a cut of 1 VND over the limit is a cut over it.
    over = (a["prev_price"] - a["starting_price"]).astype("float64") > a["limit"] * a["prev_price"].astype("float64")
    # A round that rests on a revaluation made after the failed round starts at the new
    # value: that is not a reduction of the old price (VA-REVALUATION-DROP judges the value).
    revalued = _revalued_between(records, a, "prev_date", "contract_date")
    rounds = a.loc[(a["prev_outcome"] == "failed") & over & ~revalued]

    # A price_reduction amount after the last failed round of an asset not yet re-auctioned.
    ev = records.events
    red = (ev.loc[(ev["event_type"] == "price_reduction") & ev["amount"].notna(), ["case_id", "event_date", "amount"]]
           .rename(columns={"event_date": "reduced", "amount": "reduction"}).sort_values("reduced"))
    last = a.loc[(a["outcome"] == "failed") & a["auction_date"].notna()
                 & ~a["asset_id"].duplicated(keep="last") & (g["round"].transform("max") == a["round"])]
    ev_hits = pd.merge_asof(red, last.sort_values("auction_date"), left_on="reduced", right_on="auction_date",
                            by="case_id", direction="backward").dropna(subset=["auction_id"])
    ev_hits = ev_hits.drop(columns=["cut", "limit", "variant", "prev_price", "prev_date"]).assign(
        cut=ev_hits["reduction"].astype("float64") / ev_hits["starting_price"].astype("float64"),
        limit=p.max_cut.at(ev_hits["contract_date"]),
        variant="event", prev_price=ev_hits["starting_price"], prev_date=ev_hits["auction_date"],
        starting_price=ev_hits["starting_price"] - ev_hits["reduction"])
    ev_hits = ev_hits.loc[ev_hits["reduction"].astype("float64")
                          > ev_hits["limit"] * ev_hits["prev_price"].astype("float64")]
    h = pd.concat([rounds, ev_hits], ignore_index=True)
    if h.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "entity_id": h["auction_id"], "case_id": h["case_id"], "unit_id": h["unit_id"],
        "executor_id": h["executor_id"], "event_date": h["contract_date"],
        # the day the cut price was set: the round's contract, or the recorded reduction
        "occurred_on": h["reduced"].fillna(h["contract_date"]) if "reduced" in h else h["contract_date"],
        "amount": (h["prev_price"] - h["starting_price"]).astype("Int64"),
        "pack": ctx.pack_index(h["contract_date"]), "score": h["cut"].astype("float64"),
        "variant": h["variant"],
        "ev_round": h["round"].astype("Int64"), "ev_previous_vnd": h["prev_price"], "ev_failed": h["prev_date"],
        "ev_price_vnd": h["starting_price"], "ev_cut": (h["cut"] * 100).round(1),
        "ev_limit": (h["limit"] * 100).round(0).astype("int64"),
    })


def _revalued_between(records: CaseRecords, a: pd.DataFrame, after: str, until: str) -> pd.Series:
    """Whether each round's asset was revalued after ``after`` and on or before ``until``
    (valuations table or ``valuation`` events)."""
    vals = valuation_dates(records)
    m = a[["asset_id", after, until]].reset_index().merge(vals, on="asset_id")
    inside = (m["valuation_date"] > m[after]) & (m["valuation_date"] <= m[until])
    return a.index.to_series().isin(m.loc[inside, "index"])


@rule("AU-NO-COMPETITION", kind="indicator", category="auction", severity="low", entity_type="auction",
      requires=_TABLES,
      title=("Bán đấu giá chỉ có một người tham gia", "Sold without competition"),
      checked=("Tài sản bán cho người đăng ký duy nhất với giá bằng giá khởi điểm (chỉ báo, mức thấp).",
               "Sold to the only registered bidder at the starting price (indicator, low)."),
      basis=("Bán không có cạnh tranh là dấu hiệu cần xem lại việc thông báo đấu giá.",
             "A sale without competition is a sign to review how the auction was announced."),
      evidence={"": ("Lần {round} ngày {held} ({auctioneer}): 1 người đăng ký, trúng giá {winning_vnd} = giá khởi "
                     "điểm {price_vnd}",
                     "Round {round} on {held} ({auctioneer}): one registered bidder, sold at {winning_vnd} = "
                     "starting price {price_vnd}")})
def no_competition(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Sold to the only registered bidder at the starting price."""
    a = auctions_with_assets(records)
    bidders = records.bids.groupby("auction_id")["bidder_id"].nunique()
    registered = a["registered_bidders"].astype("Float64").fillna(
        a["auction_id"].map(bidders).astype("Float64"))
    hit = (a["outcome"] == "sold") & (registered == 1) & (a["winning_price"] <= a["starting_price"])
    h = a.loc[hit.fillna(False).astype("bool")]
    return pd.DataFrame({
        "entity_id": h["auction_id"], "case_id": h["case_id"], "unit_id": h["unit_id"],
        "executor_id": h["executor_id"], "event_date": h["auction_date"], "amount": h["winning_price"],
        "ev_round": h["round"], "ev_held": h["auction_date"], "ev_price_vnd": h["starting_price"],
        "ev_winning_vnd": h["winning_price"], "ev_auctioneer": h["auctioneer_id"],
    })


@rule("AU-REPEAT-FAILURE", kind="indicator", category="auction", severity="low", entity_type="asset",
      requires=_TABLES,
      params=(Param("min_failures", int, 3, "failed rounds before the sale, at least", minimum=1),),
      title=("Đấu giá không thành nhiều lần", "Repeated failed auctions"),
      checked=("Tài sản qua {min_failures} lần đấu giá không thành trở lên trước khi bán được (chỉ báo, mức thấp).",
               "{min_failures} or more failed rounds before the sale (indicator, low)."),
      basis=("Nhiều lần không thành rồi bán giá thấp là dấu hiệu cần xem lại, không phải vi phạm.",
             "Many failed rounds ending in a low sale are a sign to review, not a violation."),
      evidence={"": ("{failures} lần đấu giá không thành từ {first}; bán ở lần {round} ngày {sold} với giá "
                     "{winning_vnd}",
                     "{failures} failed rounds from {first}; sold in round {round} on {sold} for {winning_vnd}")})
def repeat_failure(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Three or more failed rounds before a sale."""
    a = auctions_with_assets(records)
    sold = a.loc[a["outcome"] == "sold"].groupby("asset_id", as_index=False)["round"].min()
    a = a.merge(sold.rename(columns={"round": "sold_round"}), on="asset_id")
    failed = a.loc[(a["outcome"] == "failed") & (a["round"] < a["sold_round"])]
    per = failed.groupby("asset_id").agg(failures=("round", "size"), first=("auction_date", "min"))
    per = per.loc[per["failures"] >= p.min_failures]
    sale = a.loc[(a["outcome"] == "sold") & (a["round"] == a["sold_round"])].set_index("asset_id")
    h = sale.loc[per.index]
    return pd.DataFrame({
        "entity_id": per.index, "case_id": h["case_id"].to_numpy(), "unit_id": h["unit_id"].to_numpy(),
        "executor_id": h["executor_id"].to_numpy(), "event_date": h["auction_date"].to_numpy(),
        "amount": h["winning_price"].to_numpy(),
        "ev_failures": per["failures"].astype("int64").to_numpy(), "ev_first": per["first"].to_numpy(),
        "ev_sold": h["auction_date"].to_numpy(), "ev_round": h["round"].to_numpy(),
        "ev_winning_vnd": h["winning_price"].to_numpy(),
    })


@rule("AU-CONCENTRATION", kind="indicator", category="auction", severity="medium", entity_type="auctioneer",
      requires=_TABLES,
      params=(Param("min_share", float, 0.5, "share of the unit's auction rounds one organisation holds, at least",
                    minimum=0, maximum=1, unit="share"),
              Param("min_count", int, 10, "auction rounds a unit needs", minimum=1)),
      title=("Tập trung vào một tổ chức đấu giá", "One auction organisation dominates the unit"),
      checked=("Trong một đơn vị, một tổ chức đấu giá chiếm từ {min_share}% trở lên trong ít nhất {min_count} hợp "
               "đồng đấu giá, trong khi toàn tỉnh không tập trung như vậy.",
               "Within a unit, one auction organisation holds {min_share}% or more of at least {min_count} auction "
               "contracts, while the province as a whole is not concentrated."),
      basis=("Dấu hiệu ưu ái một tổ chức đấu giá, cần xác minh việc lựa chọn.",
             "A sign of favouring one auction organisation, to be checked in how it was chosen."),
      evidence={"": ("{provider}: {jobs}/{total} cuộc đấu giá của đơn vị ({share}%); trong toàn tỉnh tổ chức này "
                     "chiếm {province_share}%",
                     "{provider}: {jobs} of the unit's {total} auction rounds ({share}%); province-wide it holds "
                     "{province_share}%")})
def auctioneer_concentration(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Within a unit, one auction organisation holds at least half of at least ten auction
    contracts while the province as a whole is not concentrated."""
    peers = ctx.peers(records)
    work = auctions_with_assets(peers)
    return concentration_hits(work, "auctioneer_id", records.cases["unit_id"].unique(),
                              min_share=p.min_share, min_count=p.min_count)
