"""Deadlines of the sale of seized assets (category ``deadline``): the auction contract
after the valuation, the auction after the contract, and the price reduction after a
failed round (docs/rules.md § Deadlines, LTHADS Art. 101 and 104).

Where a detail table lacks a row that the event log records, the event is the
evidence (docs/rules.md): a ``valuation`` event dates a valuation, an
``auction_contract`` event a contract, an ``auction`` event the auction of the
round it names. A ``scheduled`` round (contract 1.1) has its contract signed; its
``auction_date`` is only planned, so it is never taken as held.
"""

from __future__ import annotations

import pandas as pd

from .._frames import lookup
from ..contract import HELD_OUTCOMES
from ..records import CaseRecords
from ._common import MOVABLE, assets_with_cases, auctions_with_assets, event_assets
from .context import RuleContext
from .registry import Param, Params, rule

_ASSET_TABLES = ("cases", "assets", "valuations", "auctions")


def _days(n: pd.Series) -> pd.Series:
    return pd.to_timedelta(n.astype("int64"), unit="D")


def valuation_dates(records: CaseRecords) -> pd.DataFrame:
    """Every valuation on record, from the valuations table and ``valuation`` events:
    asset_id, valuation_date, sorted by date."""
    v = records.valuations[["asset_id", "valuation_date"]]
    ev = event_assets(records, "valuation").rename(columns={"event_date": "valuation_date"})
    both = pd.concat([v, ev[["asset_id", "valuation_date"]]], ignore_index=True).dropna()
    return both.drop_duplicates().sort_values("valuation_date", kind="stable").reset_index(drop=True)


def first_contracts(records: CaseRecords) -> pd.Series:
    """Each asset's first auction contract: the auctions table (every outcome, ``scheduled``
    included) or an ``auction_contract`` event, whichever is earlier."""
    rows = records.auctions[["asset_id", "contract_date"]]
    ev = event_assets(records, "auction_contract").rename(columns={"event_date": "contract_date"})
    both = pd.concat([rows, ev[["asset_id", "contract_date"]]], ignore_index=True).dropna()
    return both.groupby("asset_id")["contract_date"].min().rename("contract")


@rule("DL-AUCTION-CONTRACT", kind="violation", category="deadline", severity="medium", entity_type="asset",
      requires=_ASSET_TABLES,
      params=(Param("days", int, 10, "days from the valuation to the auction contract", minimum=1, legal=True,
                    unit="days"),),
      title=("Ký hợp đồng đấu giá chậm", "Late auction contract"),
      checked=("Hợp đồng dịch vụ đấu giá phải được ký trong {days} ngày kể từ ngày có kết quả thẩm định giá.",
               "The auction contract must be signed within {days} days of the valuation."),
      evidence={
          "": ("Thẩm định giá {valued}, hạn ký hợp đồng đấu giá {deadline} ({limit} ngày), ký {contract}: "
               "chậm {days} ngày",
               "Valued {valued}, auction contract due {deadline} ({limit} days), signed {contract}: "
               "{days} days late"),
          "missing": ("Thẩm định giá {valued}, hạn ký hợp đồng đấu giá {deadline} ({limit} ngày): đến {as_of} "
                      "chưa ký, quá {days} ngày",
                      "Valued {valued}, auction contract due {deadline} ({limit} days): none by {as_of}, "
                      "{days} days over")})
def auction_contract_deadline(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """First auction contract later than the valuation + 10 days (or none while the case is open)."""
    a = assets_with_cases(records).merge(first_contracts(records), left_on="asset_id", right_index=True,
                                         how="left")
    # The valuation the contract rests on: the latest one on or before it (or the latest of all).
    a["ref_date"] = a["contract"].fillna(ctx.as_of_ts).astype("datetime64[s]")
    a = pd.merge_asof(a.sort_values("ref_date"), valuation_dates(records), left_on="ref_date",
                      right_on="valuation_date", by="asset_id", direction="backward")
    a = a.loc[a["valuation_date"].notna()].reset_index(drop=True)
    limit = p.days.at(a["valuation_date"])
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
        "occurred_on": deadline.loc[hit], "pack": ctx.pack_index(h["valuation_date"]),
        "variant": missing.loc[hit].map({True: "missing", False: ""}),
        "ev_valued": h["valuation_date"], "ev_limit": limit.loc[hit], "ev_deadline": deadline.loc[hit],
        "ev_contract": h["contract"], "ev_days": days, "ev_as_of": as_of,
    })


@rule("DL-AUCTION-HELD", kind="violation", category="deadline", severity="medium", entity_type="auction",
      requires=_ASSET_TABLES,
      params=(Param("movable_days", int, 30, "days from the contract to the auction of a movable asset",
                    minimum=1, legal=True, unit="days"),
              Param("immovable_days", int, 45, "the same for land, a house or an apartment",
                    minimum=1, legal=True, unit="days")),
      title=("Tổ chức đấu giá chậm", "Auction held late"),
      checked=("Cuộc đấu giá phải được tổ chức trong {movable_days} ngày (động sản) hoặc {immovable_days} ngày "
               "(bất động sản) kể từ ngày ký hợp đồng.",
               "The auction must be held within {movable_days} days (movables) or {immovable_days} days (land "
               "and buildings) of the contract."),
      evidence={
          "": ("Lần {round}, tài sản {asset_code}: hợp đồng {contract}, hạn tổ chức {deadline} ({limit} ngày), "
               "đấu giá {held}: chậm {days} ngày",
               "Round {round}, {asset_code}: contract {contract}, due {deadline} ({limit} days), held {held}: "
               "{days} days late"),
          "missing": ("Lần {round}, tài sản {asset_code}: hợp đồng {contract}, hạn tổ chức {deadline} "
                      "({limit} ngày): đến {as_of} chưa tổ chức, quá {days} ngày",
                      "Round {round}, {asset_code}: contract {contract}, due {deadline} ({limit} days): not held "
                      "by {as_of}, {days} days over")})
def auction_held_deadline(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Auction held later than the contract + 30 days (movables) or + 45 days (land, houses)."""
    a = auctions_with_assets(records)
    a = a.loc[a["outcome"] != "cancelled"].reset_index(drop=True)
    held_row = a["auction_date"].where(a["outcome"].isin(HELD_OUTCOMES))
    ev = event_assets(records, "auction").dropna(subset=["auction_id"])
    held_event = lookup(a["auction_id"], ev.groupby("auction_id")["event_date"].min())
    held = pd.concat([held_row, held_event], axis=1).min(axis=1).astype("datetime64[s]")
    # Sold or failed without a date: it was held, on a day the records do not tell.
    undated = held.isna() & a["outcome"].isin(HELD_OUTCOMES)
    movable = a["asset_type"].isin(MOVABLE)
    limit = p.movable_days.at(a["contract_date"]).where(movable, p.immovable_days.at(a["contract_date"]))
    deadline = (a["contract_date"] + _days(limit)).astype("datetime64[s]")
    as_of = ctx.as_of_ts
    late = held.notna() & (held > deadline)
    missing = held.isna() & ~undated & (as_of > deadline) & a["closed_date"].isna()
    hit = late | missing
    h = a.loc[hit]
    days = (held.loc[hit].fillna(as_of) - deadline.loc[hit]).dt.days
    return pd.DataFrame({
        "entity_id": h["auction_id"], "case_id": h["case_id"], "unit_id": h["unit_id"],
        "executor_id": h["executor_id"], "event_date": h["contract_date"], "days_over": days,
        "occurred_on": deadline.loc[hit], "pack": ctx.pack_index(h["contract_date"]),
        "variant": missing.loc[hit].map({True: "missing", False: ""}),
        "ev_round": h["round"], "ev_contract": h["contract_date"], "ev_limit": limit.loc[hit],
        "ev_asset_code": h["asset_type"], "ev_deadline": deadline.loc[hit], "ev_held": held.loc[hit],
        "ev_days": days, "ev_as_of": as_of,
    })


@rule("DL-PRICE-REDUCTION", kind="violation", category="deadline", severity="medium", entity_type="auction",
      requires=(*_ASSET_TABLES, "events"),
      params=(Param("days", int, 10, "days from a failed round to the price reduction", minimum=1, legal=True,
                    unit="days"),),
      title=("Giảm giá tài sản chậm", "Late price reduction"),
      checked=("Sau cuộc đấu giá không thành, việc giảm giá tài sản phải thực hiện trong {days} ngày.",
               "After a failed auction, the price must be reduced within {days} days."),
      evidence={"": ("Đấu giá lần {round} không thành ngày {failed}, hạn giảm giá {deadline} ({limit} ngày), "
                     "giảm giá {reduced}: chậm {days} ngày",
                     "Round {round} failed on {failed}, reduction due {deadline} ({limit} days), reduced "
                     "{reduced}: {days} days late")})
def price_reduction_deadline(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
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
    limit = p.days.at(m["auction_date"])
    deadline = (m["auction_date"] + _days(limit)).astype("datetime64[s]")
    late = m["reduced"].notna() & (m["reduced"] > deadline)
    h = m.loc[late]
    days = (h["reduced"] - deadline.loc[late]).dt.days
    return pd.DataFrame({
        "entity_id": h["auction_id"], "case_id": h["case_id"], "unit_id": h["unit_id"],
        "executor_id": h["executor_id"], "event_date": h["auction_date"], "days_over": days,
        "occurred_on": deadline.loc[late], "pack": ctx.pack_index(h["auction_date"]),
        "ev_round": h["round"], "ev_failed": h["auction_date"], "ev_limit": limit.loc[late],
        "ev_deadline": deadline.loc[late], "ev_reduced": h["reduced"], "ev_days": days,
    })
