"""Seized assets: seizure, valuation, auction rounds and the sale that closes the case.

Normal chains keep every deadline with room to spare: auction contract 1–8
days after the valuation (limit 10), auction 10–40 days after the contract for
land and buildings (limit 45) and 10–25 for movables (limit 30), price
reduction 1–8 days after a failed round (limit 10) cutting 3–10% (limit 10%),
at most two failed rounds, the whole chain well inside the six-month life of
a valuation certificate. Values per m² follow each district's price level
(levels differ up to threefold between districts) within ±15%.

Asset-level anomalies (about 2.5% of assets each, at least three): see ``ASSET_RULES``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..contract import ASSET_TYPES
from ._base import NEVER, Ctx, expand, pick
from .cases import BANK, CORRUPTION, WITH, Cases
from .life import ET, History
from .names import DISTRICTS_PER_UNIT
from .timeline import COMPLETED, Plan

LAND, HOUSE, APARTMENT, VEHICLE, MACHINERY, SHARES, OTHER = range(7)
assert ASSET_TYPES[SHARES] == "shares"
IMMOVABLE = (LAND, HOUSE, APARTMENT)
_TYPE_P = {  # by case type: civil / bank credit / corruption
    "civil": [0.45, 0.30, 0.15, 0.10, 0.0, 0.0, 0.0],
    "bank": [0.45, 0.30, 0.15, 0.07, 0.03, 0.0, 0.0],
    "corruption": [0.40, 0.20, 0.20, 0.10, 0.0, 0.10, 0.0],
}
_PRICE_M2 = np.array([25e6, 35e6, 40e6])           # VND per m² at price level 1
_AREA = np.array([[150, 0.6, 40, 1000], [90, 0.4, 30, 400], [70, 0.3, 30, 200]])  # median, sd, min, max
_MOVABLE_VALUE = np.array([[6e8, 0.6], [1.5e9, 0.8], [3e9, 1.0], [3e8, 0.7]])    # vehicle … other
MIN_OWN_LEVEL = 7  # a (district, type) group with fewer assets is priced at the province level

(A_NONE, A_CONTRACT, A_HELD, A_REDUCTION, A_CUT, A_REPEAT, A_EXPIRED, A_DROP, A_COMPARABLE,
 A_NOCOMP, A_REVAL_OK) = range(11)
# code -> (rule, entity, round, note): the entity is the asset, or its auction round ``round``.
ASSET_RULES = {
    A_CONTRACT: ("DL-AUCTION-CONTRACT", "asset", 0, "first auction contract 15-40 days after the valuation"),
    A_HELD: ("DL-AUCTION-HELD", "auction", 1, "round 1 held 5-30 days after the limit"),
    A_REDUCTION: ("DL-PRICE-REDUCTION", "auction", 1, "price reduction 13-40 days after failed round 1"),
    A_CUT: ("AU-PRICE-CUT", "auction", 2, "round 2 starting price cut 15-30%"),
    A_REPEAT: ("AU-REPEAT-FAILURE", "asset", 0, "three failed rounds before the sale"),
    A_EXPIRED: ("VA-EXPIRED", "auction", 2, "round 2 held over 7 months after the valuation"),
    A_DROP: ("VA-REVALUATION-DROP", "asset", 0, "revaluation 25-38% below the valuation"),
    A_COMPARABLE: ("VA-COMPARABLE", "asset", 0, "value per m2 far from comparable assets"),
    A_NOCOMP: ("AU-NO-COMPETITION", "auction", 1, "sold to the only bidder at the starting price"),
}
# Near misses: code -> (rule that must stay silent, entity, round, note).
NEAR_RULES = {
    A_REVAL_OK: ("VA-REVALUATION-DROP", "asset", 0,
                 "revaluation after two failed rounds, within the legal price reductions"),
}
# Failed rounds each planted chain needs, and whether it must be land or a building.
_FAILED = {A_REDUCTION: 1, A_CUT: 1, A_EXPIRED: 1, A_REPEAT: 3, A_REVAL_OK: 2}
RATE = 0.025


@dataclass
class Chains:
    """Assets (one per asset case), their valuations and their auction rounds."""

    case: np.ndarray
    kind: np.ndarray
    district: np.ndarray
    area: np.ndarray
    seizure: np.ndarray
    plant: np.ndarray
    v_asset: np.ndarray
    v_day: np.ndarray
    v_value: np.ndarray
    v_reval: np.ndarray
    r_asset: np.ndarray
    r_round: np.ndarray
    r_contract: np.ndarray
    r_auction: np.ndarray
    r_start: np.ndarray
    r_sold: np.ndarray
    r_reduction: np.ndarray
    r_scheduled: np.ndarray      # contract signed, auction planned after the as-of date
    sale: tuple[np.ndarray, ...] = ()


def _kinds(ctx: Ctx, ctype: np.ndarray) -> np.ndarray:
    key = np.where(ctype == BANK, 1, np.where(ctype == CORRUPTION, 2, 0))
    table = np.cumsum(np.array([_TYPE_P["civil"], _TYPE_P["bank"], _TYPE_P["corruption"]]), axis=1)
    return (ctx.rng.random(len(ctype))[:, None] > table[key]).sum(axis=1)


def _choose_plants(ctx: Ctx, unit: np.ndarray, kind: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Asset anomaly codes: about RATE of the assets each, among chains that end well before
    the as-of date, spread over units."""
    plant = np.zeros(len(unit), "int8")
    count = max(3, round(RATE * len(unit)))
    immovable = np.isin(kind, IMMOVABLE)
    for code in (*ASSET_RULES, *NEAR_RULES):
        eligible = old & (plant == A_NONE) & (unit > 0)
        if code == A_COMPARABLE:
            eligible &= immovable
        if code == A_REVAL_OK:  # priced per asset, not per m²: VA-COMPARABLE stays out of it
            eligible &= ~immovable
        # One draw per unit first, then more, so every unit gets its share.
        per_unit = max(1, -(-count // max(1, len(np.unique(unit[eligible])))))
        chosen = pick(ctx, eligible, unit, per_unit)
        chosen = ctx.rng.permutation(chosen)[:count]
        plant[chosen] = code
    return plant


def plan_chains(ctx: Ctx, cases: Cases, plan: Plan, cap: np.ndarray) -> Chains:
    """Dates and prices of every asset chain; sets the closure of asset cases in ``plan``
    and their amount due (a share of the asset's value, so one sale pays it all; at most
    the unit's ``cap``)."""
    rng, end = ctx.rng, ctx.end
    case = np.flatnonzero(cases.asset & (plan.kind1 == WITH))
    n = len(case)
    unit = cases.unit[case]
    kind = _kinds(ctx, cases.case_type[case])
    seizure = plan.classified[case] + ctx.ints(10, 60, n)
    v1 = seizure + ctx.ints(10, 30, n)
    # Planted chains start early enough to run their whole course before the as-of date.
    plant = _choose_plants(ctx, unit, kind, plan.classified[case] <= end - 520)

    failed = rng.choice(np.array([0, 1, 2]), n, p=[0.6, 0.28, 0.12])
    for code, f in _FAILED.items():
        failed[plant == code] = f
    failed[np.isin(plant, (A_CONTRACT, A_HELD, A_DROP, A_NOCOMP))] = 0
    reval = ((rng.random(n) < 0.08) & (plant == A_NONE)) | np.isin(plant, (A_DROP, A_REVAL_OK))
    v2 = np.where(reval, v1 + ctx.ints(2, 4, n), NEVER)  # (A_REVAL_OK: set after the failed rounds)
    immovable = np.isin(kind, IMMOVABLE)

    # Rounds, one loop step per round number (at most four).
    rounds = failed + 1
    r_asset, r_pos = expand(rounds)
    m = len(r_asset)
    contract = np.zeros(m, "int64")
    auction = np.zeros(m, "int64")
    reduction = np.full(m, NEVER, "int64")
    sold = r_pos == rounds[r_asset] - 1
    pl = plant[r_asset]
    hold_max = np.where(immovable[r_asset], 40, 25)
    hold_max = np.where(pl == A_REPEAT, 20, hold_max)
    limit = np.where(immovable[r_asset], 45, 30)
    prev_reduction = np.zeros(n, "int64")
    for r in range(int(rounds.max(initial=1))):
        at = r_pos == r
        a = r_asset[at]
        if r == 0:
            early = reval[a] & (plant[a] != A_REVAL_OK)
            first = np.where(early, v2[a] + ctx.ints(1, 5, len(a)), v1[a] + ctx.ints(1, 8, len(a)))
            late = pl[at] == A_CONTRACT
            first[late] = v1[a][late] + ctx.ints(15, 40, int(late.sum()))
            contract[at] = first
        else:
            gap = np.where(pl[at] == A_REPEAT, ctx.ints(1, 3, len(a)), ctx.ints(1, 5, len(a)))
            gap = np.where(pl[at] == A_EXPIRED, ctx.ints(200, 260, len(a)), gap)
            contract[at] = prev_reduction[a] + gap
            # A_REVAL_OK: revalued after the second failure; the last round rests on it.
            rv = pl[at] == A_REVAL_OK
            if r == 2 and rv.any():
                v2[a[rv]] = prev_reduction[a[rv]] + ctx.ints(1, 3, int(rv.sum()))
                contract[np.flatnonzero(at)[rv]] = v2[a[rv]] + ctx.ints(1, 5, int(rv.sum()))
        held = contract[at] + ctx.ints(10, hold_max[at], len(a))
        late = pl[at] == A_HELD
        held[late] = contract[at][late] + limit[at][late] + ctx.ints(5, 30, int(late.sum()))
        auction[at] = held
        red = held + np.where(pl[at] == A_REPEAT, ctx.ints(1, 5, len(a)), ctx.ints(1, 8, len(a)))
        late = pl[at] == A_REDUCTION
        red[late] = held[late] + ctx.ints(13, 40, int(late.sum()))
        red[sold[at]] = NEVER
        reduction[at] = red
        prev_reduction[a] = red

    # Cut at the as-of date: a round contracted but not yet held is ``scheduled`` (its
    # auction_date the planned day, inside the deadline); rounds not yet contracted are not
    # in the records.
    scheduled = (contract <= end) & (auction > end)
    sold[scheduled], reduction[scheduled] = False, NEVER
    keep = contract <= end

    chains = Chains(case=case, kind=kind, district=ctx.ints(0, DISTRICTS_PER_UNIT - 1, n),
                    area=np.full(n, np.nan), seizure=seizure, plant=plant,
                    v_asset=np.r_[np.arange(n), np.flatnonzero(reval)],
                    v_day=np.r_[v1, v2[reval]], v_value=np.zeros(n + int(reval.sum()), "int64"),
                    v_reval=np.r_[np.zeros(n, bool), np.ones(int(reval.sum()), bool)],
                    r_asset=r_asset[keep], r_round=r_pos[keep] + 1, r_contract=contract[keep],
                    r_auction=auction[keep], r_start=np.zeros(int(keep.sum()), "int64"),
                    r_sold=sold[keep], r_reduction=reduction[keep], r_scheduled=scheduled[keep])
    _values(ctx, cases, chains, reval, cap)
    _sale(ctx, cases, plan, chains)
    return chains


def _values(ctx: Ctx, cases: Cases, ch: Chains, reval: np.ndarray, cap: np.ndarray) -> None:
    """Areas, valuations, starting prices; the case's amount due follows the value."""
    rng, n = ctx.rng, len(ch.case)
    unit = cases.unit[ch.case]
    imm = np.isin(ch.kind, IMMOVABLE)
    k = np.where(imm, ch.kind, 0)
    area = np.exp(np.log(_AREA[k, 0]) + _AREA[k, 1] * rng.standard_normal(n))
    ch.area = np.where(imm, np.round(np.clip(area, _AREA[k, 2], _AREA[k, 3]), 1), np.nan)
    # District price levels, log-uniform over 0.55–1.8; a thin (district, type) group is priced
    # at the province level so that either comparison (district or province) finds it normal.
    levels = np.exp(rng.uniform(np.log(0.55), np.log(1.8), (int(unit.max(initial=0)) + 1, DISTRICTS_PER_UNIT)))
    group = (unit * DISTRICTS_PER_UNIT + ch.district) * 3 + k
    valued = imm & (ch.v_day[:n] <= ctx.end)
    size = np.bincount(group[valued], minlength=int(group.max(initial=0)) + 1)
    level = np.where(size[group] >= MIN_OWN_LEVEL, levels[unit, ch.district], 1.0)
    noise = rng.uniform(0.87, 1.15, n)
    noise[imm & (ch.plant == A_DROP)] = rng.uniform(1.05, 1.15, int((imm & (ch.plant == A_DROP)).sum()))
    comp = ch.plant == A_COMPARABLE
    low = rng.random(n) < 0.7
    noise[comp] = np.where(low[comp], rng.uniform(0.25, 0.38, int(comp.sum())), rng.uniform(2.5, 3.2, int(comp.sum())))
    mv = np.clip(ch.kind - VEHICLE, 0, 3)
    movable = np.exp(np.log(_MOVABLE_VALUE[mv, 0]) + _MOVABLE_VALUE[mv, 1] * rng.standard_normal(n))
    v1 = np.where(imm, _PRICE_M2[k] * level * np.nan_to_num(ch.area) * noise, movable)
    v1 = np.maximum(np.round(v1, -6), 1e7).astype("int64")
    factor = np.where(ch.plant == A_DROP, rng.uniform(0.62, 0.75, n), rng.uniform(0.92, 1.08, n))
    # After two failed rounds, revalued at the legally reduced price or a little under it.
    factor = np.where(ch.plant == A_REVAL_OK, 0.81 * rng.uniform(0.86, 1.0, n), factor)
    v2 = np.round(v1 * factor, -6).astype("int64")
    ch.v_value = np.r_[v1, v2[reval]]
    latest = np.where(reval, v2, v1)
    first_price = np.where(reval & (ch.plant != A_REVAL_OK), v2, v1)  # what round 1 rests on
    due = np.minimum(latest * rng.uniform(0.2, 0.45, n), cap[unit])
    cases.amount[ch.case] = (due // 1000 * 1000).astype("int64")

    # Starting prices: the latest valuation, then cut 3-10% after each failed round
    # (15-30% for AU-PRICE-CUT), rounded up to 1,000 VND so a lawful cut never exceeds 10%.
    price = first_price[ch.r_asset].astype("float64")
    start = np.zeros(len(ch.r_asset), "int64")
    for r in range(1, int(ch.r_round.max(initial=1)) + 1):
        at = ch.r_round == r
        if r > 1:
            a = ch.r_asset[at]
            cut = np.where(ch.plant[a] == A_CUT, rng.uniform(0.15, 0.30, len(a)), rng.uniform(0.03, 0.10, len(a)))
            prev = np.zeros(n)
            prev_at = ch.r_round == r - 1
            prev[ch.r_asset[prev_at]] = start[prev_at]
            price[at] = np.ceil(prev[a] * (1 - cut) / 1000) * 1000
            # a round after a revaluation starts at the new value (no reduction of the old price)
            rv = (ch.plant[a] == A_REVAL_OK) & (r == 3)
            price[np.flatnonzero(at)[rv]] = v2[a[rv]]
        start[at] = price[at].astype("int64")
    ch.r_start = start


def _sale(ctx: Ctx, cases: Cases, plan: Plan, ch: Chains) -> None:
    """The sale pays the whole amount due; the case completes after the payout."""
    s = ch.r_sold
    a = ch.r_asset[s]
    collect = ch.r_auction[s] + ctx.ints(5, 25, len(a))
    paid = collect + ctx.ints(1, 9, len(a))
    done = paid + ctx.ints(0, 3, len(a))
    ch_case = ch.case[a]
    plan.close_type[ch.case] = COMPLETED
    plan.close_target[ch.case] = NEVER
    plan.close_target[ch_case] = done
    ch.sale = (ch_case, collect, paid, cases.amount[ch_case])


def chain_events(h: History, ch: Chains, n_assets: int) -> None:
    """Seizure, valuation, contract, auction, price reduction and sale events; ``ref`` codes are
    asset numbers and ``n_assets`` + auction round numbers."""
    h.event(ch.case, ch.seizure, ET["seizure"], ref=np.arange(len(ch.case)))
    h.event(ch.case[ch.v_asset], ch.v_day, ET["valuation"], ref=ch.v_asset)
    rid = n_assets + np.arange(len(ch.r_asset))
    rc = ch.case[ch.r_asset]
    h.event(rc, ch.r_contract, ET["auction_contract"], ref=rid)
    h.event(rc, ch.r_auction, ET["auction"], ref=rid)
    red = ch.r_reduction < NEVER
    h.event(rc[red], ch.r_reduction[red], ET["price_reduction"], ref=rid[red])
    case, collect, paid, amount = ch.sale
    sold_rid = rid[ch.r_sold]
    h.event(case, collect, ET["collection"], amount, ref=sold_rid)
    h.event(case, paid, ET["disbursement"], amount)
