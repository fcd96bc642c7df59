"""Collusion among bidders (category ``auction``): bidder rings and bid-rigging screens.

AU-RING builds the co-bidding graph from the bids table: two bidders are
linked when they register together in far more auctions than their activity
predicts (a hypergeometric test per pair; the Benjamini–Hochberg procedure
keeps the false discovery rate across every pair that ever met at ``fdr``).
Linked groups of two or more whose winners rotate and whose winning prices hug
the starting price are rings. A ring gives one finding per member (the group,
named in full) and one per auction in which two or more members bid.

AU-SCREENS computes per auction the screens of the bid-rigging literature
(winner premium over the starting price, coefficient of variation of bids,
relative distance between the two highest bids) and tests, per auction
organisation, whether its auctions sit below the others' (the Mann–Whitney
rank-sum test, normal approximation); the false discovery rate across the
organisations is kept at ``fdr``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .._frames import member
from ..i18n import fmt_decimal, fmt_money
from ..measures import money_sum
from ..records import CaseRecords
from ._common import auctions_with_assets, bh_qvalues
from .context import RuleContext
from .registry import Param, Params, rule

_TABLES = ("cases", "assets", "auctions", "bids")


def co_bidding_pairs(bids: pd.DataFrame, min_together: int = 1) -> pd.DataFrame:
    """Every pair of bidders who bid together in at least ``min_together`` auctions, with
    that count, each bidder's number of auctions, and the probability of meeting that
    often by chance. ``attrs["pairs_met"]`` is how many pairs met at least once."""
    from scipy.stats import hypergeom  # slow to import: only when the rule tests

    b = bids[["auction_id", "bidder_id"]].dropna().drop_duplicates()
    n_auctions = b["auction_id"].nunique()
    activity = b["bidder_id"].value_counts()
    pairs = b.merge(b, on="auction_id", suffixes=("_a", "_b"))
    pairs = pairs.loc[pairs["bidder_id_a"] < pairs["bidder_id_b"]]
    together = pairs.groupby(["bidder_id_a", "bidder_id_b"]).size().rename("together").reset_index()
    met = len(together)
    together = together.loc[together["together"] >= min_together].reset_index(drop=True)
    together["n_a"] = together["bidder_id_a"].map(activity).to_numpy()
    together["n_b"] = together["bidder_id_b"].map(activity).to_numpy()
    together["expected"] = together["n_a"] * together["n_b"] / max(n_auctions, 1)
    # P(X >= together) for X ~ Hypergeometric(auctions, n_a marked, n_b drawn)
    together["p"] = hypergeom.sf(together["together"] - 1, n_auctions, together["n_a"], together["n_b"])
    together.attrs["pairs_met"] = met
    return together


def _linked_pairs(bids: pd.DataFrame, min_together: int, fdr: float) -> pd.DataFrame:
    """The pairs discovered at false discovery rate ``fdr``, with their q-values. Every pair
    that met at least once counts as tested; those that met fewer than ``min_together``
    times are never discoveries (their p-value is taken as 1, which only makes the
    procedure stricter)."""
    pairs = co_bidding_pairs(bids, min_together)
    if pairs.empty:
        return pairs.assign(q=pd.Series(dtype="float64"))
    padded = np.r_[pairs["p"].to_numpy(), np.ones(max(pairs.attrs["pairs_met"] - len(pairs), 0))]
    pairs["q"] = bh_qvalues(padded)[: len(pairs)]
    return pairs.loc[pairs["q"] <= fdr].reset_index(drop=True)


def _groups(edges: pd.DataFrame) -> pd.Series:
    """Group label of every bidder in ``edges`` (connected parts of the graph)."""
    nodes = pd.Index(pd.unique(pd.concat([edges["bidder_id_a"], edges["bidder_id_b"]])))
    ia, ib = nodes.get_indexer(edges["bidder_id_a"]), nodes.get_indexer(edges["bidder_id_b"])
    graph = coo_matrix((np.ones(len(edges)), (ia, ib)), shape=(len(nodes), len(nodes)))
    _, label = connected_components(graph, directed=False)
    return pd.Series(label, index=nodes)


@rule("AU-RING", kind="indicator", category="auction", severity="medium", entity_type="bidder",
      requires=_TABLES,
      params=(Param("min_together", int, 4, "auctions a pair must share before it is tested as a link",
                    minimum=2),
              Param("fdr", float, 0.05, "false discovery rate across the pairs of bidders (Benjamini–Hochberg)",
                    minimum=0, maximum=1, unit="probability"),
              Param("min_group", int, 2, "bidders a ring has at least", minimum=2),
              Param("max_premium", float, 0.05, "median winning premium over the starting price, at most",
                    minimum=0, unit="share"),
              Param("min_winners", int, 2, "different members who won, at least (rotation)", minimum=1)),
      title=("Nhóm người tham gia đấu giá có dấu hiệu thông đồng", "Bidder ring"),
      checked=("Nhóm từ {min_group} người cùng đăng ký đấu giá với nhau nhiều hơn hẳn mức ngẫu nhiên (kiểm định siêu "
               "bội từng cặp đã gặp nhau từ {min_together} lần, kiểm soát tỷ lệ phát hiện sai {fdr}), từ "
               "{min_winners} thành viên trúng luân phiên và giá trúng trung vị cao hơn giá khởi điểm không quá "
               "{max_premium}%; báo cáo từng thành viên và từng cuộc đấu giá có từ hai thành viên cùng tham gia.",
               "Groups of {min_group} or more bidders who register together far more often than chance "
               "(hypergeometric test of each pair that met {min_together} times or more, false discovery rate "
               "{fdr}), with {min_winners} or more members winning in turn and a median winning premium of at most "
               "{max_premium}% over the starting price; each member and each auction in which two or more members "
               "bid is reported."),
      basis=("Dấu hiệu thông đồng, dìm giá, cần xác minh; không nêu trách nhiệm khi chưa được xác nhận.",
             "A sign of collusion and price suppression, to be verified; it names no one responsible until "
             "confirmed."),
      evidence={
          "": ("Nhóm {members}: cùng tham gia {auctions} cuộc đấu giá (cặp nhiều nhất {together} lần, ngẫu nhiên chỉ "
               "khoảng {expected}; q = {q}); nhóm trúng {won} cuộc, {winners} người trúng luân phiên, giá trúng cao "
               "hơn giá khởi điểm trung vị {premium}%; {units} đơn vị; các cuộc: {list}",
               "Group {members}: bid together in {auctions} auctions (busiest pair {together} times, about "
               "{expected} expected by chance; q = {q}); the group won {won}, {winners} winners in turn, median "
               "winning premium {premium}% over the starting price; {units} units; auctions: {list}"),
          "auction": ("Cuộc đấu giá lần {round} ngày {held}: {present} thành viên của nhóm {members} cùng trả giá "
                      "({bids} người trả giá); {outcome}; nhóm cùng tham gia {auctions} cuộc đấu giá (q = {q})",
                      "Round {round} on {held}: {present} members of the group {members} bid ({bids} bidders); "
                      "{outcome}; the group bid together in {auctions} auctions (q = {q})")})
def bidder_ring(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Groups of bidders who register together far more often than chance, with rotating
    winners and winning prices close to the starting price: a finding per member and per
    auction the group bid in together."""
    peers = ctx.peers(records)
    bids = peers.bids
    edges = _linked_pairs(bids, p.min_together, p.fdr)
    if edges.empty:
        return pd.DataFrame()
    groups = _groups(edges)
    groups = groups.loc[groups.map(groups.value_counts()) >= p.min_group]

    auctions = auctions_with_assets(peers).drop_duplicates("auction_id").set_index("auction_id")
    bidders = bids.groupby("auction_id")["bidder_id"].nunique()
    audited_units = set(records.cases["unit_id"])
    out = []
    for _, grouped in groups.groupby(groups):
        ids = sorted(grouped.index)
        in_group = bids.loc[member(bids["bidder_id"], ids)]
        per_auction = in_group.groupby("auction_id")["bidder_id"].nunique()
        touched = per_auction.loc[per_auction >= 2].index
        a = auctions.reindex(touched).dropna(subset=["asset_id"])
        won = a.loc[(a["outcome"] == "sold") & member(a["winner_id"], ids)]
        premium = (won["winning_price"].astype("float64") / won["starting_price"].astype("float64") - 1)
        winners = won["winner_id"].nunique()
        median_premium = float(premium.median()) if len(premium) else np.inf
        local = a.loc[a["unit_id"].isin(audited_units)]
        if winners < p.min_winners or median_premium > p.max_premium or local.empty:
            continue
        g_pairs = edges.loc[member(edges["bidder_id_a"], ids) & member(edges["bidder_id_b"], ids)]
        key = "+".join(ids)
        group = {
            "key": key, "score": float(-np.log10(max(g_pairs["p"].min(), 1e-300))),
            "ev_members": ", ".join(ids), "ev_auctions": len(a), "ev_q": float(g_pairs["q"].min()),
        }
        for bidder in ids:
            out.append({**group, "entity_type": "bidder", "entity_id": bidder,
                        "unit_id": local["unit_id"].value_counts().index[0],
                        "amount": int(money_sum(won["winning_price"]).iloc[0]),
                        "ev_together": int(g_pairs["together"].max()),
                        "ev_expected": round(float(g_pairs["expected"].max()), 2),
                        "ev_won": len(won), "ev_winners": winners, "ev_premium": round(median_premium * 100, 1),
                        "ev_units": a["unit_id"].nunique(), "ev_list": ", ".join(sorted(a.index))})
        for auction_id, row in local.iterrows():  # one per audited auction of the ring: tens, not cases
            sold = row["outcome"] == "sold"
            out.append({**group, "entity_type": "auction", "entity_id": auction_id, "variant": "auction",
                        "case_id": row["case_id"], "unit_id": row["unit_id"], "executor_id": row["executor_id"],
                        "event_date": row["auction_date"],
                        "amount": row["winning_price"] if sold else pd.NA,
                        "ev_round": row["round"], "ev_held": row["auction_date"],
                        "ev_present": int(per_auction[auction_id]), "ev_bids": int(bidders.get(auction_id, 0)),
                        "ev_outcome": _outcome(row, ids, ctx.lang)})
    return pd.DataFrame(out)


def _outcome(row: pd.Series, ids: list[str], lang: str) -> str:
    """What became of a ring's auction, in words."""
    if row["outcome"] != "sold":
        return {"vi": "không bán được", "en": "not sold"}[lang]
    premium = fmt_decimal((float(row["winning_price"]) / float(row["starting_price"]) - 1) * 100, lang, 2)
    price = fmt_money(row["winning_price"], lang)
    who = row["winner_id"] if row["winner_id"] in ids else {
        "vi": "người ngoài nhóm", "en": "a bidder outside the group"}[lang]
    if lang == "vi":
        return f"{who} trúng giá {price}, cao hơn giá khởi điểm {premium}%"
    return f"won by {who} at {price}, {premium}% over the starting price"


def auction_screens(records: CaseRecords) -> pd.DataFrame:
    """Per sold auction with two or more bids: the collusion screens."""
    a = auctions_with_assets(records)
    a = a.loc[a["outcome"] == "sold", ["auction_id", "auctioneer_id", "unit_id", "starting_price", "winning_price"]]
    b = records.bids.dropna(subset=["amount"])
    b = b.loc[member(b["auction_id"], a["auction_id"])].assign(amount=lambda x: x["amount"].astype("float64"))
    g = b.groupby("auction_id")["amount"]
    s = pd.DataFrame({"bids": g.size(), "mean": g.mean(), "std": g.std(ddof=0)})
    top2 = b.sort_values("amount", ascending=False).groupby("auction_id")["amount"].head(2)
    top = b.loc[top2.index].groupby("auction_id")["amount"].agg(["max", "min"])
    s["cv"] = s["std"] / s["mean"]
    s["rel_distance"] = (top["max"] - top["min"]) / top["min"]
    s = s.loc[s["bids"] >= 2]
    out = a.merge(s, left_on="auction_id", right_index=True)
    out["premium"] = out["winning_price"].astype("float64") / out["starting_price"].astype("float64") - 1
    return out[["auction_id", "auctioneer_id", "unit_id", "bids", "cv", "rel_distance", "premium"]]


def _lower_than_the_rest(values: pd.Series, group: pd.Series) -> pd.Series:
    """One-sided p-value, per group, that its values sit below everyone else's: the
    Mann–Whitney rank-sum test in its normal approximation, for all groups at once."""
    from scipy.stats import norm  # slow to import: only when the rule tests

    ok = values.notna()
    v, g = values.loc[ok], group.loc[ok]
    total = len(v)
    ranks = v.rank(method="average")
    n1 = g.value_counts()
    r1 = ranks.groupby(g).sum().reindex(n1.index)
    n2 = total - n1
    u = r1 - n1 * (n1 + 1) / 2
    sigma = np.sqrt(n1 * n2 * (total + 1) / 12)
    z = (u - n1 * n2 / 2) / sigma.where(sigma > 0)
    return pd.Series(norm.cdf(z.fillna(0.0)), index=n1.index)


@rule("AU-SCREENS", kind="indicator", category="auction", severity="medium", entity_type="auctioneer",
      requires=_TABLES,
      params=(Param("fdr", float, 0.05, "false discovery rate across the organisations tested (Benjamini–Hochberg)",
                    minimum=0, maximum=1, unit="probability"),
              Param("max_premium_ratio", float, 0.5,
                    "the organisation's median winning premium against everyone's median, at most",
                    minimum=0, maximum=1, unit="ratio"),
              Param("min_auctions", int, 10, "sold auctions with two bids or more an organisation needs",
                    minimum=2),
              Param("min_auctioneers", int, 5, "organisations needed for a comparison", minimum=3)),
      title=("Chỉ báo thông đồng giá của tổ chức đấu giá", "Collusion screens of an auction organisation"),
      checked=("Theo từng tổ chức đấu giá: chênh lệch giá trúng so với giá khởi điểm thấp hơn hẳn các tổ chức khác và "
               "giá trả dồn sát nhau (hệ số biến thiên hoặc khoảng cách hai giá cao nhất thấp hơn hẳn), kiểm định "
               "tổng hạng Mann–Whitney với tỷ lệ phát hiện sai {fdr}; chênh giá trúng trung vị không quá "
               "{max_premium_ratio} lần mức chung.",
               "Per auction organisation: a winning premium over the starting price far below the other "
               "organisations' and bids bunched together (coefficient of variation or distance between the two "
               "highest bids far below), Mann–Whitney rank-sum tests at false discovery rate {fdr}; a median "
               "premium of at most {max_premium_ratio} times everyone's."),
      basis=("Chỉ báo sàng lọc thông đồng giá, cần xác minh hồ sơ các cuộc đấu giá.",
             "A screen for bid rigging, to be verified in the auction files."),
      evidence={"": ("{auctions} cuộc đấu giá có từ 2 giá trả: chênh giá trúng trung vị {premium}% (chung "
                     "{premium_pop}%), hệ số biến thiên {cv}% (chung {cv_pop}%), khoảng cách hai giá cao nhất {rd}% "
                     "(chung {rd_pop}%); so với {population} tổ chức, q = {q}",
                     "{auctions} auctions with two or more bids: median winning premium {premium}% (all "
                     "{premium_pop}%), bid CV {cv}% (all {cv_pop}%), distance between the two highest bids {rd}% "
                     "(all {rd_pop}%); against {population} organisations, q = {q}")})
def collusion_screens(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Auction organisations whose winner premium and bid dispersion sit far below the population."""
    screens = auction_screens(ctx.peers(records))
    per = screens.groupby("auctioneer_id").agg(
        auctions=("auction_id", "size"), premium=("premium", "median"), cv=("cv", "median"),
        rel_distance=("rel_distance", "median"))
    per = per.loc[per["auctions"] >= p.min_auctions]
    if len(per) < p.min_auctioneers:
        ctx.notes["AU-SCREENS"] = {"silent": "too_few_auctioneers", "auctioneers": int(len(per))}
        return pd.DataFrame()
    tested = screens.loc[member(screens["auctioneer_id"], per.index)]
    low = {k: _lower_than_the_rest(tested[k], tested["auctioneer_id"]).reindex(per.index)
           for k in ("premium", "cv", "rel_distance")}
    # Premium low AND (CV low OR distance low): an intersection–union test of the premium
    # with the better of the two dispersion screens (Bonferroni over the two).
    pval = np.maximum(low["premium"], np.minimum(1.0, 2 * np.minimum(low["cv"], low["rel_distance"])))
    q = pd.Series(bh_qvalues(pval.to_numpy()), index=per.index)
    med = screens[["premium", "cv", "rel_distance"]].median()
    local = screens.loc[member(screens["unit_id"], records.cases["unit_id"].unique())]
    hit = (q <= p.fdr) & (per["premium"] <= p.max_premium_ratio * med["premium"]) & per.index.isin(
        local["auctioneer_id"].unique())
    h = per.loc[hit]
    if h.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "entity_id": h.index, "score": -np.log10(np.clip(pval.loc[hit].to_numpy(), 1e-300, 1)),
        # the audited unit where the organisation worked most
        "unit_id": [local.loc[local["auctioneer_id"] == x, "unit_id"].mode().iloc[0] for x in h.index],
        "key": "screens",
        "ev_auctions": h["auctions"].astype("int64").to_numpy(),
        "ev_premium": (h["premium"] * 100).round(2).to_numpy(), "ev_premium_pop": round(med["premium"] * 100, 2),
        "ev_cv": (h["cv"] * 100).round(2).to_numpy(), "ev_cv_pop": round(med["cv"] * 100, 2),
        "ev_rd": (h["rel_distance"] * 100).round(2).to_numpy(), "ev_rd_pop": round(med["rel_distance"] * 100, 2),
        "ev_population": len(per), "ev_q": q.loc[hit].to_numpy(),
    })
