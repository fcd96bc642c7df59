"""Deadlines of the sale of seized assets (category ``deadline``): the auction contract
after the valuation, the auction after the contract, and the price reduction after a
failed round (RULES.md § Deadlines, LTHADS Art. 101 and 104)."""

from __future__ import annotations

import pandas as pd

from ..records import CaseRecords
from ._common import MOVABLE, assets_with_cases, auctions_with_assets
from .registry import Param, RuleContext, rule

_ASSET_TABLES = ("cases", "assets", "valuations", "auctions")


def _days(n: pd.Series) -> pd.Series:
    return pd.to_timedelta(n.astype("int64"), unit="D")


@rule("DL-AUCTION-CONTRACT", kind="violation", category="deadline", severity="medium", entity_type="asset",
      requires=_ASSET_TABLES, params=(Param("days", int, 10, minimum=1, legal=True),))
def auction_contract_deadline(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """First auction contract later than the valuation + 10 days (or none while the case is open)."""
    assets = assets_with_cases(records)
    vals = records.valuations[["asset_id", "valuation_date"]].dropna().sort_values("valuation_date")
    first = records.auctions.groupby("asset_id")["contract_date"].min().rename("contract").reset_index()
    a = assets.merge(first, on="asset_id", how="left")
    # The valuation the contract rests on: the latest one on or before it (or the latest of all).
    a["ref_date"] = a["contract"].fillna(ctx.as_of_ts).astype("datetime64[s]")
    a = pd.merge_asof(a.sort_values("ref_date"), vals, left_on="ref_date", right_on="valuation_date",
                      by="asset_id", direction="backward")
    a = a.loc[a["valuation_date"].notna()].reset_index(drop=True)
    limit = ctx.settings.pack_param("DL-AUCTION-CONTRACT", "days", a["valuation_date"])
    deadline = (a["valuation_date"] + _days(limit)).astype("datetime64[s]")
    as_of = ctx.as_of_ts
    late = a["contract"].notna() & (a["contract"] > deadline)
    missing = a["contract"].isna() & (as_of > deadline) & (a["status"] == "open") & a["closed_date"].isna()
    hit = late | missing
    h = a.loc[hit]
    days = (h["contract"].fillna(as_of) - deadline.loc[hit]).dt.days
    return pd.DataFrame({
        "entity_id": h["asset_id"], "case_id": h["case_id"], "unit_id": h["unit_id"],
        "executor_id": h["executor_id"], "event_date": h["valuation_date"], "days_over": days,
        "occurred_on": deadline.loc[hit],
        "pack": ctx.settings.pack_index(h["valuation_date"]),
        "variant": missing.loc[hit].map({True: "missing", False: ""}),
        "ev_valued": h["valuation_date"], "ev_limit": limit.loc[hit], "ev_deadline": deadline.loc[hit],
        "ev_contract": h["contract"], "ev_days": days, "ev_as_of": as_of,
    })


@rule("DL-AUCTION-HELD", kind="violation", category="deadline", severity="medium", entity_type="auction",
      requires=_ASSET_TABLES,
      params=(Param("movable_days", int, 30, minimum=1, legal=True),
              Param("immovable_days", int, 45, minimum=1, legal=True)))
def auction_held_deadline(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Auction held later than the contract + 30 days (movables) or + 45 days (land, houses)."""
    a = auctions_with_assets(records)
    a = a.loc[a["outcome"] != "cancelled"].reset_index(drop=True)
    settings = ctx.settings
    movable = a["asset_type"].isin(MOVABLE)
    limit = settings.pack_param("DL-AUCTION-HELD", "movable_days", a["contract_date"]).where(
        movable, settings.pack_param("DL-AUCTION-HELD", "immovable_days", a["contract_date"]))
    deadline = (a["contract_date"] + _days(limit)).astype("datetime64[s]")
    as_of = ctx.as_of_ts
    late = a["auction_date"].notna() & (a["auction_date"] > deadline)
    missing = a["auction_date"].isna() & (as_of > deadline) & a["closed_date"].isna()
    hit = late | missing
    h = a.loc[hit]
    days = (h["auction_date"].fillna(as_of) - deadline.loc[hit]).dt.days
    return pd.DataFrame({
        "entity_id": h["auction_id"], "case_id": h["case_id"], "unit_id": h["unit_id"],
        "executor_id": h["executor_id"], "event_date": h["contract_date"], "days_over": days,
        "occurred_on": deadline.loc[hit],
        "pack": settings.pack_index(h["contract_date"]),
        "variant": missing.loc[hit].map({True: "missing", False: ""}),
        "ev_round": h["round"], "ev_contract": h["contract_date"], "ev_limit": limit.loc[hit],
        "ev_asset_code": h["asset_type"], "ev_deadline": deadline.loc[hit], "ev_held": h["auction_date"],
        "ev_days": days, "ev_as_of": as_of,
    })


@rule("DL-PRICE-REDUCTION", kind="violation", category="deadline", severity="medium", entity_type="auction",
      requires=(*_ASSET_TABLES, "events"), params=(Param("days", int, 10, minimum=1, legal=True),))
def price_reduction_deadline(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """After a failed round, the price reduction recorded later than the auction + 10 days."""
    a = auctions_with_assets(records)
    failed = a.loc[(a["outcome"] == "failed") & a["auction_date"].notna()].sort_values("auction_date")
    ev = records.events
    red = (ev.loc[ev["event_type"] == "price_reduction", ["case_id", "event_date"]]
           .rename(columns={"event_date": "reduced"}).sort_values("reduced"))
    m = pd.merge_asof(failed.reset_index(drop=True), red, left_on="auction_date", right_on="reduced",
                      by="case_id", direction="forward")
    # A reduction that follows a later failed round belongs to that round, not this one.
    nxt = m.sort_values(["asset_id", "round"]).groupby("asset_id")["auction_date"].shift(-1)
    m["reduced"] = m["reduced"].where(~(m["reduced"] > nxt.reindex(m.index)))
    limit = ctx.settings.pack_param("DL-PRICE-REDUCTION", "days", m["auction_date"])
    deadline = (m["auction_date"] + _days(limit)).astype("datetime64[s]")
    late = m["reduced"].notna() & (m["reduced"] > deadline)
    h = m.loc[late]
    days = (h["reduced"] - deadline.loc[late]).dt.days
    return pd.DataFrame({
        "entity_id": h["auction_id"], "case_id": h["case_id"], "unit_id": h["unit_id"],
        "executor_id": h["executor_id"], "event_date": h["auction_date"], "days_over": days,
        "occurred_on": deadline.loc[late],
        "pack": ctx.settings.pack_index(h["auction_date"]),
        "ev_round": h["round"], "ev_failed": h["auction_date"], "ev_limit": limit.loc[late],
        "ev_deadline": deadline.loc[late], "ev_reduced": h["reduced"], "ev_days": days,
    })
