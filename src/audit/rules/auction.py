"""Auction rounds (category ``auction``), RULES.md § Auction: price cuts, lack of
competition, repeated failures and concentration. Collusion screens and bidder
rings are in :mod:`audit.rules.collusion`."""

from __future__ import annotations

import pandas as pd

from ..records import CaseRecords
from ._common import auctions_with_assets
from ._concentration import concentration_hits
from .registry import Param, RuleContext, rule

_TABLES = ("cases", "assets", "auctions")


@rule("AU-PRICE-CUT", kind="violation", category="auction", severity="high", entity_type="auction",
      requires=(*_TABLES, "events"), params=(Param("max_cut", float, 0.10, minimum=0, maximum=1, legal=True),))
def price_cut(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """After a failed round, a starting price (or a recorded price reduction) cutting more
    than 10% of the previous starting price."""
    a = auctions_with_assets(records).sort_values(["asset_id", "round"], kind="stable").reset_index(drop=True)
    g = a.groupby("asset_id")
    a["prev_price"], a["prev_outcome"] = g["starting_price"].shift(1), g["outcome"].shift(1)
    a["prev_date"] = g["auction_date"].shift(1)
    # (columns are set on the whole frame before filtering: assigning a Series to an empty
    # frame would adopt the Series' index and invent rows)
    a["cut"] = 1 - a["starting_price"].astype("float64") / a["prev_price"].astype("float64")
    a["limit"] = ctx.settings.pack_param("AU-PRICE-CUT", "max_cut", a["contract_date"]).astype("float64")
    a["variant"] = ""
    # Compared in VND, not as a rounded share: a cut of 1 VND over the limit is a cut over it.
    over = (a["prev_price"] - a["starting_price"]).astype("float64") > a["limit"] * a["prev_price"].astype("float64")
    rounds = a.loc[(a["prev_outcome"] == "failed") & over]

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
        limit=ctx.settings.pack_param("AU-PRICE-CUT", "max_cut", ev_hits["contract_date"]).astype("float64"),
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
        "pack": ctx.settings.pack_index(h["contract_date"]), "score": h["cut"].astype("float64"),
        "variant": h["variant"],
        "ev_round": h["round"].astype("Int64"), "ev_previous_vnd": h["prev_price"], "ev_failed": h["prev_date"],
        "ev_price_vnd": h["starting_price"], "ev_cut": (h["cut"] * 100).round(1),
        "ev_limit": (h["limit"] * 100).round(0).astype("int64"),
    })


@rule("AU-NO-COMPETITION", kind="indicator", category="auction", severity="low", entity_type="auction", requires=_TABLES)
def no_competition(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
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


@rule("AU-REPEAT-FAILURE", kind="indicator", category="auction", severity="low", entity_type="asset", requires=_TABLES,
      params=(Param("min_failures", int, 3, minimum=1),))
def repeat_failure(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Three or more failed rounds before a sale."""
    a = auctions_with_assets(records)
    sold = a.loc[a["outcome"] == "sold"].groupby("asset_id", as_index=False)["round"].min()
    a = a.merge(sold.rename(columns={"round": "sold_round"}), on="asset_id")
    failed = a.loc[(a["outcome"] == "failed") & (a["round"] < a["sold_round"])]
    per = failed.groupby("asset_id").agg(failures=("round", "size"), first=("auction_date", "min"))
    per = per.loc[per["failures"] >= int(ctx.param("AU-REPEAT-FAILURE", "min_failures"))]
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


@rule("AU-CONCENTRATION", kind="indicator", category="auction", severity="medium", entity_type="auctioneer", requires=_TABLES,
      params=(Param("min_share", float, 0.5, minimum=0, maximum=1), Param("min_count", int, 10, minimum=1)))
def auctioneer_concentration(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Within a unit, one auction organisation holds at least half of at least ten auction
    contracts while the province as a whole is not concentrated."""
    peers = ctx.peers(records)
    work = auctions_with_assets(peers)
    return concentration_hits(work, "auctioneer_id", records.cases["unit_id"].unique(),
                              min_share=float(ctx.param("AU-CONCENTRATION", "min_share")),
                              min_count=int(ctx.param("AU-CONCENTRATION", "min_count")))
