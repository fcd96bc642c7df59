"""Small vectorised look-ups that several rules share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._frames import lookup, member
from ..measures import case_classification, classification_at, open_cases
from ..records import CaseRecords

__all__ = [
    "first_event", "verification_dates", "case_frame", "case_classification", "classification_at",
    "open_cases", "robust_z", "event_assets", "assets_with_cases", "auctions_with_assets", "bh_qvalues",
    "MOVABLE",
]


def first_event(events: pd.DataFrame, event_type: str) -> pd.Series:
    """Date of each case's first event of ``event_type`` (indexed by case_id)."""
    e = events.loc[events["event_type"] == event_type]
    return e.groupby("case_id")["event_date"].min()


def verification_dates(records: CaseRecords) -> pd.DataFrame:
    """Every verification on record, from the verifications table and from
    ``verification`` events (a unit may record either): case_id, verification_date."""
    return records.cached("verification_dates", lambda: _verification_dates(records))


def _verification_dates(records: CaseRecords) -> pd.DataFrame:
    v = records.verifications[["case_id", "verification_date"]]
    ev = records.events.loc[records.events["event_type"] == "verification", ["case_id", "event_date"]]
    ev = ev.rename(columns={"event_date": "verification_date"})
    return pd.concat([v, ev], ignore_index=True)


def case_frame(records: CaseRecords, columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """The case columns most hits carry, plus ``columns``."""
    base = ["case_id", "unit_id", "executor_id", "source_row"]
    return records.cases[base + [c for c in columns if c not in base]]


def robust_z(values: pd.Series, groups: pd.Series | None = None, floor: float = 0.0) -> pd.DataFrame:
    """Robust z-score of each value against its group: (x − median) / (1.4826 · MAD).

    ``floor`` keeps the scale from collapsing to zero when most peers are equal.
    Returns columns z, median, scale and n (the group size).
    """
    g = groups if groups is not None else pd.Series(0, index=values.index)
    median = values.groupby(g).transform("median")
    mad = (values - median).abs().groupby(g).transform("median")
    scale = (1.4826 * mad).clip(lower=floor)
    n = values.groupby(g).transform("size")
    z = (values - median) / scale.where(scale > 0)
    return pd.DataFrame({"z": z, "median": median, "scale": scale, "n": n})


MOVABLE = ("vehicle", "machinery", "shares", "other")


def assets_with_cases(records: CaseRecords) -> pd.DataFrame:
    """Assets with the unit, executor and status of their case."""
    cases = records.cases[["case_id", "unit_id", "executor_id", "status", "closed_date"]]
    return records.assets.merge(cases, on="case_id", how="inner")


def auctions_with_assets(records: CaseRecords) -> pd.DataFrame:
    """Auction rounds with their asset's type, case, unit and executor."""
    assets = assets_with_cases(records)[["asset_id", "asset_type", "case_id", "unit_id", "executor_id",
                                         "status", "closed_date"]]
    return records.auctions.merge(assets, on="asset_id", how="inner")


def event_assets(records: CaseRecords, event_type: str) -> pd.DataFrame:
    """The events of ``event_type`` placed on the assets they concern: asset_id, event_date,
    auction_id (when the event names an auction round).

    An event's ``ref`` names an auction round or an asset; an event without one (or naming
    neither) counts for every asset of its case: the log is evidence that the action was
    taken, and a deadline is never reported missed against it.
    """
    ev = records.events.loc[records.events["event_type"] == event_type, ["case_id", "event_date", "ref"]]
    auctions = records.auctions.set_index("auction_id")["asset_id"]
    auctions = auctions.loc[~auctions.index.duplicated()]
    assets = records.assets[["asset_id", "case_id"]]
    by_auction = lookup(ev["ref"].fillna(""), auctions)
    by_asset = ev["ref"].where(member(ev["ref"].fillna(""), assets["asset_id"]))
    asset = by_auction.fillna(by_asset)
    named = ev.assign(asset_id=asset, auction_id=ev["ref"].where(by_auction.notna())).loc[asset.notna()]
    loose = ev.loc[asset.isna(), ["case_id", "event_date"]].merge(assets, on="case_id")
    loose = loose.assign(auction_id=pd.Series(pd.NA, index=loose.index, dtype="str"))
    cols = ["asset_id", "event_date", "auction_id"]
    return pd.concat([named[cols], loose[cols]], ignore_index=True).astype(
        {"asset_id": "str", "auction_id": "str", "event_date": "datetime64[s]"})


def bh_qvalues(p: pd.Series | np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values) of the tests in ``p``: a test is a
    discovery at false discovery rate q when its q-value is at most q."""
    from scipy.stats import (
        false_discovery_control,  # scipy.stats is slow to import: only when a rule tests
    )

    values = np.asarray(p, dtype="float64")
    if not len(values):
        return values
    return np.asarray(false_discovery_control(np.clip(values, 0.0, 1.0), method="bh"))
