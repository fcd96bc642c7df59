"""Valuation and auction organisations, bidders and bids.

Each unit works with a window of five valuers and four auction organisations
of the province's handful, in turn, so no firm holds more than about a fifth
of a unit's work (VA-/AU-CONCENTRATION need half). Sold rounds draw two to
seven bidders from a pool several times larger than all bids, so no group of
bidders meets twice by design, and winners pay 1.5–45% above the starting
price with bids spread between (AU-SCREENS, AU-RING).

Planted here: one valuer and one auction organisation that take 70% of a
unit's work, an auction organisation whose auctions end barely above the
starting price with bids bunched together (AU-SCREENS), and bidding rings of
two to six members that take turns winning 10–16 auctions at under 1% above
the starting price (AU-RING): most across units, every third within one unit.
The truth lists each ring member and each auction a ring bid in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._base import Ctx, expand, pick
from .assets import A_NOCOMP, A_NONE, Chains

VALUERS_PER_UNIT, AUCTIONEERS_PER_UNIT = 5, 4
CONCENTRATED_SHARE = 0.7
RING_SIZES = (2, 3, 4, 5, 6)
NORMAL, NO_COMPETITION, SCREENED, RING = range(4)


@dataclass
class Market:
    valuer: np.ndarray           # per valuation: valuer code (0-based; id VALnn = code + 1)
    auctioneer: np.ndarray       # per round: auctioneer code
    registered: np.ndarray       # per round
    winning: np.ndarray          # per round, -1 when not sold
    winner: np.ndarray           # per round, bidder code, -1 when not sold
    b_round: np.ndarray          # per bid: round index
    b_bidder: np.ndarray
    b_amount: np.ndarray
    truth: pd.DataFrame          # rule_id, entity_type, entity_id, unit_code, note


def _prime_at_least(n: int) -> int:
    n = max(n, 3) | 1
    while any(n % d == 0 for d in range(3, int(n**0.5) + 1, 2)):
        n += 2
    return n


def firm_ids(prefix: str, codes: np.ndarray, total: int) -> np.ndarray:
    width = max(2, len(str(total)))
    return np.array([f"{prefix}{c + 1:0{width}d}" for c in range(total)], dtype=object)[codes]


def _in_turn(ctx: Ctx, unit: np.ndarray, day: np.ndarray, n_units: int, n_firms: int, window: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's work handed to its window of firms in turn, by date. Returns the firm code
    per item and each unit's first firm."""
    base = ctx.rng.integers(0, n_firms, n_units)
    window = min(window, n_firms)
    order = np.lexsort((day, unit))
    rank = np.empty(len(unit), "int64")
    u = unit[order]
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]]) if len(u) else np.array([], "int64")
    counts = np.diff(np.r_[starts, len(u)])
    rank[order] = np.arange(len(u)) - np.repeat(starts, counts)
    return (base[unit] + rank % window) % n_firms, base


def _concentrate(ctx: Ctx, firm: np.ndarray, unit: np.ndarray, base: np.ndarray, units: np.ndarray,
                 rule: str, entity: str, prefix: str, n_firms: int) -> list[dict]:
    """Give 70% of each chosen unit's items to its first firm (if the unit has ten or more
    and the province as a whole stays unconcentrated)."""
    rows = []
    for u in units:
        mine = np.flatnonzero(unit == u)
        if len(mine) < 10:
            continue
        take = ctx.rng.permutation(mine)[: int(np.ceil(CONCENTRATED_SHARE * len(mine)))]
        trial = firm.copy()
        trial[take] = base[u]
        if (trial == base[u]).mean() >= 0.5:
            continue
        firm[take] = base[u]
        share = (firm[mine] == base[u]).mean()
        rows.append({"rule_id": rule, "entity_type": entity,
                     "entity_id": firm_ids(prefix, np.array([base[u]]), n_firms)[0], "unit_code": int(u),
                     "note": f"{share:.0%} of the unit's {len(mine)} items"})
    return rows


def build_market(ctx: Ctx, ch: Chains, unit_of_case: np.ndarray, n_units: int,
                 plant_units: dict[str, np.ndarray]) -> Market:
    """Firms, bidders and bids for the chains' valuations and rounds."""
    rng = ctx.rng
    regional = n_units - 1
    n_valuers, n_auct = 8 + regional // 10, 6 + regional // 10
    v_unit = unit_of_case[ch.case[ch.v_asset]]
    r_unit = unit_of_case[ch.case[ch.r_asset]]
    valuer, v_base = _in_turn(ctx, v_unit, ch.v_day, n_units, n_valuers, VALUERS_PER_UNIT)
    auct, a_base = _in_turn(ctx, r_unit, ch.r_contract, n_units, n_auct, AUCTIONEERS_PER_UNIT)
    truth = _concentrate(ctx, valuer, v_unit, v_base, plant_units["valuer"], "VA-CONCENTRATION", "valuer",
                         "VAL", n_valuers)
    truth += _concentrate(ctx, auct, r_unit, a_base, plant_units["auctioneer"], "AU-CONCENTRATION", "auctioneer",
                          "AUC", n_auct)

    # The screened auctioneer(s): the busiest that does not concentrate a unit's auctions
    # (busy, so that screens computed per organisation have enough auctions to go on).
    m = len(ch.r_asset)
    sold = ch.r_sold
    taken = {r["entity_id"] for r in truth}
    busy = np.bincount(auct[sold], minlength=n_auct)
    free = [c for c in np.argsort(-busy, kind="stable") if firm_ids("AUC", np.array([c]), n_auct)[0] not in taken]
    screened = np.array(free[: max(1, regional // 100)], "int64")
    mode = np.where(sold, NORMAL, -1)
    r_unit_all = r_unit
    mode[sold & (ch.plant[ch.r_asset] == A_NOCOMP)] = NO_COMPETITION
    mode[sold & (mode == NORMAL) & np.isin(auct, screened)] = SCREENED
    ring_rounds, ring_of, sizes = _rings(ctx, mode, r_unit, auct, ch, regional)
    mode[ring_rounds] = RING
    ring_size = np.zeros(m, "int64")
    ring_size[ring_rounds] = sizes[ring_of[ring_rounds]]
    first_member = np.r_[0, np.cumsum(sizes)[:-1]]

    registered = np.where(sold, 0, (rng.random(m) < 0.4).astype("int64"))
    n_bids = np.zeros(m, "int64")
    n_bids[mode == NORMAL] = rng.choice(np.arange(2, 8), int((mode == NORMAL).sum()),
                                       p=[0.25, 0.25, 0.2, 0.15, 0.1, 0.05])
    n_bids[mode == SCREENED] = rng.integers(2, 6, int((mode == SCREENED).sum()))
    n_bids[mode == NO_COMPETITION] = 1
    n_bids[mode == RING] = ring_size[mode == RING]
    registered = np.where(sold, n_bids, registered)

    b_round, pos = expand(n_bids)
    pool = _prime_at_least(max(2003, 3 * len(b_round)))
    base = rng.integers(0, pool, m)
    stride = rng.integers(1, pool, m)
    bidder = (base[b_round] + pos * stride[b_round]) % pool
    # Ring members take turns: the k-th auction of a ring goes to member k mod its size.
    ring_rank = np.zeros(m, "int64")
    for r in np.unique(ring_of[ring_rounds]):
        mine = ring_rounds[ring_of[ring_rounds] == r]
        ring_rank[mine] = np.arange(len(mine))
    size_b = np.maximum(ring_size[b_round], 1)
    ring_member = pool + first_member[ring_of[b_round]] + (pos + ring_rank[b_round]) % size_b
    bidder = np.where(mode[b_round] == RING, ring_member, bidder)

    # Premium of the winner over the starting price, and where the others' bids fall within it.
    premium = np.clip(np.exp(np.log(0.08) + 0.6 * rng.standard_normal(m)), 0.015, 0.45)
    low = np.isin(mode, (SCREENED, RING))
    premium[low] = rng.uniform(0.001, 0.008, int(low.sum()))
    premium[mode == NO_COMPETITION] = 0.0
    start = ch.r_start.astype("float64")
    win = np.ceil(start * (1 + premium) / 1000) * 1000
    spread_lo = np.where(mode == SCREENED, 0.6, 0.0)[b_round]
    spread_hi = np.where(mode == SCREENED, 0.95, 0.9)[b_round]
    frac = spread_lo + (spread_hi - spread_lo) * rng.random(len(b_round))
    other = np.floor(start[b_round] * (1 + premium[b_round] * frac) / 1000) * 1000
    other = np.clip(other, start[b_round], win[b_round] - 1000)
    amount = np.where(pos == 0, win[b_round], other).astype("int64")
    winning = np.where(sold, win, -1).astype("int64")
    winner = np.full(m, -1, "int64")
    winner[b_round[pos == 0]] = bidder[pos == 0]

    round_ids = _round_ids(ch)
    for r in np.unique(ring_of[ring_rounds]):
        mine = ring_rounds[ring_of[ring_rounds] == r]
        size = int(sizes[r])
        spread = len(np.unique(r_unit_all[mine]))
        where = f"{spread} units" if spread > 1 else "one unit"
        for b in pool + first_member[r] + np.arange(size):
            truth.append({"rule_id": "AU-RING", "entity_type": "bidder", "entity_id": bidder_id(int(b)),
                          "unit_code": 0, "note": f"ring of {size} bidders, {len(mine)} auctions in {where}"})
        for i in mine:
            truth.append({"rule_id": "AU-RING", "entity_type": "auction", "entity_id": round_ids[i],
                          "unit_code": int(r_unit_all[i]), "note": f"auction of a ring of {size} bidders"})
    for c in screened:
        truth.append({"rule_id": "AU-SCREENS", "entity_type": "auctioneer",
                      "entity_id": firm_ids("AUC", np.array([c]), n_auct)[0], "unit_code": 0,
                      "note": "winning bids 0.1-0.8% above the starting price, bids bunched"})
    return Market(valuer=valuer, auctioneer=auct, registered=registered, winning=winning, winner=winner,
                  b_round=b_round, b_bidder=bidder, b_amount=amount,
                  truth=pd.DataFrame(truth, columns=["rule_id", "entity_type", "entity_id", "unit_code", "note"]))


def bidder_id(code: int) -> str:
    return f"NDG{code:07d}"


def _round_ids(ch: Chains) -> list[str]:
    """Placeholder ids of the rounds (``@`` and the round's index), made into auction ids
    once the case ids are known (:func:`resolve_rounds`)."""
    return [f"@{i}" for i in range(len(ch.r_asset))]


def resolve_rounds(truth: pd.DataFrame, auction_ids: np.ndarray) -> pd.DataFrame:
    """The truth with placeholder round ids replaced by the auction ids."""
    placeholder = truth["entity_id"].astype("str").str.startswith("@")
    index = truth.loc[placeholder, "entity_id"].str[1:].astype("int64").to_numpy()
    out = truth.copy()
    out.loc[placeholder, "entity_id"] = auction_ids[index]
    return out


def _rings(ctx: Ctx, mode: np.ndarray, r_unit: np.ndarray, auct: np.ndarray, ch: Chains, regional: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rounds taken over by rings, the ring of each round, and each ring's size.

    Rings have two to six members and 10–16 auctions each. Most spread over units and
    evenly over auction organisations (so no organisation's screens move much); every
    third ring stays within one unit, the one with the most free rounds.
    """
    n_rings = max(3, regional // 15)
    sizes = np.array([RING_SIZES[i % len(RING_SIZES)] for i in range(n_rings)], "int64")
    cand = (mode == NORMAL) & (ch.plant[ch.r_asset] == A_NONE)
    per_ring = int(min(16, max(10, cand.sum() // (8 * n_rings))))
    ring_of = np.full(len(mode), -1, "int64")
    for r in range(n_rings):
        free = cand & (ring_of < 0)
        if r % 3 == 2:  # within one unit
            counts = np.bincount(r_unit[free], minlength=int(r_unit.max(initial=0)) + 1)
            unit = int(np.argmax(counts))
            chosen = ctx.rng.permutation(np.flatnonzero(free & (r_unit == unit)))[:per_ring]
        else:
            spread = pick(ctx, free, r_unit, 1)
            pool = np.zeros(len(mode), bool)
            pool[spread] = True
            chosen = pick(ctx, pool, auct, -(-per_ring // max(1, len(np.unique(auct[free])))))
            if len(chosen) < per_ring:
                rest = free.copy()
                rest[chosen] = False
                chosen = np.r_[chosen, ctx.rng.permutation(np.flatnonzero(rest))[: per_ring - len(chosen)]]
            chosen = ctx.rng.permutation(chosen)[:per_ring]
        ring_of[chosen] = r
    rounds = np.flatnonzero(ring_of >= 0)
    return rounds, np.maximum(ring_of, 0), sizes
