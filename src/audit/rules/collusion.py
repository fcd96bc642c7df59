"""Collusion among bidders (category ``auction``): bidder rings and bid-rigging screens.

AU-RING builds the co-bidding graph from the bids table: two bidders are
linked when they register together in far more auctions than their activity
predicts (a hypergeometric test with a Bonferroni correction over all pairs
that met at least ``min_together`` times). Linked groups of three or more whose
winners rotate and whose winning prices hug the starting price are rings.

AU-SCREENS computes per auction the screens of the bid-rigging literature
(coefficient of variation of bids, relative distance between the two highest
bids, kurtosis, winner premium over the starting price) and flags auction
organisations whose auctions sit far below the population on them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.stats import hypergeom

from .._frames import member
from ..records import CaseRecords
from ._common import auctions_with_assets, robust_z
from .registry import Param, RuleContext, rule

_TABLES = ("cases", "assets", "auctions", "bids")


def co_bidding_pairs(bids: pd.DataFrame, min_together: int = 1) -> pd.DataFrame:
    """Every pair of bidders who bid together in at least ``min_together`` auctions, with
    that count, each bidder's number of auctions, and the probability of meeting that
    often by chance (``tested`` is how many pairs met at least ``min_together`` times)."""
    b = bids[["auction_id", "bidder_id"]].dropna().drop_duplicates()
    n_auctions = b["auction_id"].nunique()
    activity = b["bidder_id"].value_counts()
    pairs = b.merge(b, on="auction_id", suffixes=("_a", "_b"))
    pairs = pairs.loc[pairs["bidder_id_a"] < pairs["bidder_id_b"]]
    together = pairs.groupby(["bidder_id_a", "bidder_id_b"]).size().rename("together").reset_index()
    together = together.loc[together["together"] >= min_together].reset_index(drop=True)
    together["n_a"] = together["bidder_id_a"].map(activity).to_numpy()
    together["n_b"] = together["bidder_id_b"].map(activity).to_numpy()
    together["expected"] = together["n_a"] * together["n_b"] / max(n_auctions, 1)
    # P(X >= together) for X ~ Hypergeometric(auctions, n_a marked, n_b drawn)
    together["p"] = hypergeom.sf(together["together"] - 1, n_auctions, together["n_a"], together["n_b"])
    return together


@rule("AU-RING", kind="indicator", category="auction", severity="medium", entity_type="bidder", requires=_TABLES,
      params=(Param("min_together", int, 5, minimum=2), Param("alpha", float, 0.01, minimum=0, maximum=1),
              Param("min_group", int, 3, minimum=2), Param("max_premium", float, 0.05, minimum=0),
              Param("min_winners", int, 2, minimum=1)))
def bidder_ring(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Groups of bidders who register together far more often than chance, with rotating
    winners and winning prices close to the starting price."""
    prm = {k: ctx.param("AU-RING", k) for k in ("min_together", "alpha", "min_group", "max_premium", "min_winners")}
    peers = ctx.peers(records)
    bids = peers.bids
    pairs = co_bidding_pairs(bids, int(prm["min_together"]))
    if pairs.empty:
        return pd.DataFrame()
    edges = pairs.loc[pairs["p"] < prm["alpha"] / len(pairs)]
    if edges.empty:
        return pd.DataFrame()
    nodes = pd.Index(pd.unique(pd.concat([edges["bidder_id_a"], edges["bidder_id_b"]])))
    ia, ib = nodes.get_indexer(edges["bidder_id_a"]), nodes.get_indexer(edges["bidder_id_b"])
    graph = coo_matrix((np.ones(len(edges)), (ia, ib)), shape=(len(nodes), len(nodes)))
    _, label = connected_components(graph, directed=False)
    groups = pd.Series(label, index=nodes)
    sizes = groups.value_counts()
    groups = groups.loc[groups.map(sizes) >= prm["min_group"]]

    auctions = auctions_with_assets(peers).set_index("auction_id")
    audited_units = set(records.cases["unit_id"])
    out = []
    for _, members in groups.groupby(groups):
        ids = sorted(members.index)
        in_group = bids.loc[member(bids["bidder_id"], ids)]
        per_auction = in_group.groupby("auction_id")["bidder_id"].nunique()
        touched = per_auction.loc[per_auction >= 2].index
        a = auctions.reindex(touched).dropna(subset=["asset_id"])
        won = a.loc[(a["outcome"] == "sold") & member(a["winner_id"], ids)]
        premium = (won["winning_price"].astype("float64") / won["starting_price"].astype("float64") - 1)
        winners = won["winner_id"].nunique()
        median_premium = float(premium.median()) if len(premium) else np.inf
        units = a["unit_id"].value_counts()
        local = units.loc[units.index.isin(audited_units)]
        if winners < prm["min_winners"] or median_premium > prm["max_premium"] or local.empty:
            continue
        g_pairs = edges.loc[member(edges["bidder_id_a"], ids) & member(edges["bidder_id_b"], ids)]
        listed = sorted(touched)
        for bidder in ids:
            out.append({
                "entity_id": bidder, "unit_id": local.index[0], "key": "+".join(ids),
                "score": float(-np.log10(max(g_pairs["p"].min(), 1e-300))),
                "amount": int(won["winning_price"].sum()),
                "ev_members": ", ".join(ids), "ev_auctions": len(touched),
                "ev_together": int(g_pairs["together"].max()), "ev_expected": round(float(g_pairs["expected"].max()), 2),
                "ev_won": len(won), "ev_winners": winners, "ev_premium": round(median_premium * 100, 1),
                "ev_units": len(units),
                "ev_list": ", ".join(listed[:12]) + (" …" if len(listed) > 12 else ""),
            })
    return pd.DataFrame(out)


def auction_screens(records: CaseRecords) -> pd.DataFrame:
    """Per sold auction with two or more bids: the collusion screens."""
    a = auctions_with_assets(records)
    a = a.loc[a["outcome"] == "sold", ["auction_id", "auctioneer_id", "unit_id", "starting_price", "winning_price"]]
    b = records.bids.dropna(subset=["amount"])
    b = b.loc[member(b["auction_id"], a["auction_id"])].assign(amount=lambda x: x["amount"].astype("float64"))
    g = b.groupby("auction_id")["amount"]
    s = pd.DataFrame({"bids": g.size(), "mean": g.mean(), "std": g.std(ddof=0)})
    # Excess kurtosis from central moments, vectorised (a per-auction apply is slow).
    dev = b["amount"] - g.transform("mean")
    m2 = (dev**2).groupby(b["auction_id"]).mean()
    m4 = (dev**4).groupby(b["auction_id"]).mean()
    s["kurtosis"] = (m4 / m2.where(m2 > 0) ** 2 - 3).where(s["bids"] >= 4)
    top2 = b.sort_values("amount", ascending=False).groupby("auction_id")["amount"].head(2)
    top = b.loc[top2.index].groupby("auction_id")["amount"].agg(["max", "min"])
    s["cv"] = s["std"] / s["mean"]
    s["rel_distance"] = (top["max"] - top["min"]) / top["min"]
    s = s.loc[s["bids"] >= 2]
    out = a.merge(s, left_on="auction_id", right_index=True)
    out["premium"] = out["winning_price"].astype("float64") / out["starting_price"].astype("float64") - 1
    return out[["auction_id", "auctioneer_id", "unit_id", "bids", "cv", "rel_distance", "kurtosis", "premium"]]


@rule("AU-SCREENS", kind="indicator", category="auction", severity="medium", entity_type="auctioneer", requires=_TABLES,
      params=(Param("z", float, 3.0, minimum=0), Param("min_auctions", int, 10, minimum=2),
              Param("min_auctioneers", int, 5, minimum=3)))
def collusion_screens(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Auction organisations whose winner premium and bid dispersion sit far below the population."""
    screens = auction_screens(ctx.peers(records))
    per = screens.groupby("auctioneer_id").agg(
        auctions=("auction_id", "size"), premium=("premium", "median"), cv=("cv", "median"),
        rel_distance=("rel_distance", "median"))
    per = per.loc[per["auctions"] >= int(ctx.param("AU-SCREENS", "min_auctions"))]
    if len(per) < int(ctx.param("AU-SCREENS", "min_auctioneers")):
        ctx.notes["AU-SCREENS"] = {"silent": "too_few_auctioneers", "auctioneers": int(len(per))}
        return pd.DataFrame()
    z = {k: robust_z(per[k], floor=1e-3)["z"] for k in ("premium", "cv", "rel_distance")}
    low = sum((z[k] < -float(ctx.param("AU-SCREENS", "z"))).astype("int64") for k in z)
    local = screens.loc[member(screens["unit_id"], records.cases["unit_id"].unique())]
    hit = (low >= 2) & per.index.isin(local["auctioneer_id"].unique())
    h = per.loc[hit]
    if h.empty:
        return pd.DataFrame()
    med = per.median()
    return pd.DataFrame({
        "entity_id": h.index, "score": (-z["premium"].loc[hit]).to_numpy(),
        # the audited unit where the organisation worked most
        "unit_id": [local.loc[local["auctioneer_id"] == x, "unit_id"].mode().iloc[0] for x in h.index],
        "key": "screens",
        "ev_auctions": h["auctions"].astype("int64").to_numpy(),
        "ev_premium": (h["premium"] * 100).round(1).to_numpy(), "ev_premium_pop": round(med["premium"] * 100, 1),
        "ev_cv": (h["cv"] * 100).round(1).to_numpy(), "ev_cv_pop": round(med["cv"] * 100, 1),
        "ev_rd": (h["rel_distance"] * 100).round(1).to_numpy(), "ev_rd_pop": round(med["rel_distance"] * 100, 1),
        "ev_z": z["premium"].loc[hit].round(1).to_numpy(), "ev_population": len(per),
    })
