"""The whole demo province in one pass: units, cases, histories, assets, statistics,
anomalies and the truth table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from . import (
    anomalies,
    assets,
    complaints,
    frames,
    life,
    market,
    names,
    plants,
    quality,
    staff,
    stats,
    timeline,
    truth,
)
from ._base import NEVER, Ctx, day, pick, take
from .cases import VOLUNTARY, WITHOUT, Cases, amount_caps, case_counts, draw_cases

TABLE_ORDER = ("units", "executors", "cases", "events", "verifications", "assets", "valuations",
               "auctions", "bids", "complaints", "reported_stats", "truth")
HUGE_PER_UNIT = 2        # cases of tens of thousands of billions VND, closed before the as-of date
UNRECORDED_AUCTIONS = 0.04   # asset chains whose auctions rows are missing (events kept)
UNRECORDED_VALUATIONS = 0.02  # asset chains whose valuations rows are missing (events kept)


def _huge_amounts(ctx: Ctx, cases: Cases, plan: timeline.Plan, plant: np.ndarray) -> None:
    """Give a few cases amounts of tens of thousands of billions of VND (64-bit money):
    courses without conditions that were returned or terminated well before the as-of
    date, so they weigh on no open caseload."""
    closed = np.isin(plan.close_type, (timeline.RETURNED, timeline.TERMINATED)) & (
        plan.close_target <= ctx.end - 30) & (plan.switch == NEVER)
    eligible = (plan.kind1 == WITHOUT) & closed & (plant == plants.NONE) & ~cases.asset
    chosen = pick(ctx, eligible, cases.unit, HUGE_PER_UNIT)
    cases.amount[chosen] = ctx.ints(1_000, 90_000, len(chosen)) * 1_000_000_000


def _unrecord(ctx: Ctx, out: dict[str, pd.DataFrame], chains: assets.Chains, ids: pa.Array,
              unit_of_case: np.ndarray, unit_list: list[str], spared: set[str]) -> pd.DataFrame:
    """Drop the auctions rows (and their bids) of some normal asset chains, and the
    valuations rows of others, keeping their events: the log is then the only record that
    the contract was signed and the asset valued in time. Returns the near-miss truth."""
    asset_ids = ("TS-" + pd.Series(take(ids, chains.case).to_numpy(zero_copy_only=False))).to_numpy()
    normal = (chains.plant == assets.A_NONE) & (chains.seizure <= ctx.end)
    in_ring = out["auctions"]["auction_id"].isin(spared)
    spoilt = set(out["auctions"].loc[in_ring, "asset_id"])
    normal &= ~np.isin(asset_ids, list(spoilt))
    u = ctx.rng.random(len(chains.case))
    no_auctions = set(asset_ids[normal & (u < UNRECORDED_AUCTIONS)])
    no_auctions &= set(out["auctions"]["asset_id"])
    no_valuations = set(asset_ids[normal & (u >= UNRECORDED_AUCTIONS)
                                  & (u < UNRECORDED_AUCTIONS + UNRECORDED_VALUATIONS)])
    dropped = out["auctions"].loc[out["auctions"]["asset_id"].isin(no_auctions), "auction_id"]
    out["auctions"] = out["auctions"].loc[~out["auctions"]["asset_id"].isin(no_auctions)].reset_index(drop=True)
    out["bids"] = out["bids"].loc[~out["bids"]["auction_id"].isin(set(dropped))].reset_index(drop=True)
    out["valuations"] = out["valuations"].loc[~out["valuations"]["asset_id"].isin(no_valuations)].reset_index(
        drop=True)
    rows = []
    case_of = dict(zip(asset_ids, take(ids, chains.case).to_numpy(zero_copy_only=False), strict=True))
    unit_of = dict(zip(asset_ids, np.array(unit_list, dtype=object)[unit_of_case[chains.case]], strict=True))
    for gone, what in ((no_auctions, "auctions rows missing, auction_contract event on time"),
                       (no_valuations, "valuations rows missing, valuation event on record")):
        rows += [{"rule_id": "DL-AUCTION-CONTRACT", "entity_type": "asset", "entity_id": a, "unit_id": unit_of[a],
                  "case_id": case_of[a], "note": what, "expect": "none"} for a in sorted(gone)]
    return pd.DataFrame(rows, columns=["rule_id", "entity_type", "entity_id", "unit_id", "case_id", "note",
                                       "expect"])


def _state_at_end(ctx: Ctx, cases: Cases, plan: timeline.Plan, closed_on: np.ndarray, ev: dict[str, np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Status, condition and closure date of every case on the as-of date."""
    end = ctx.end
    closed = closed_on <= end
    status = np.full(cases.n, "open", dtype=object)
    status[closed] = np.array(timeline.CLOSE_NAMES, dtype=object)[plan.close_type[closed]]
    for kind, name in ((timeline.POSTPONED, "postponed"), (timeline.SUSPENDED, "suspended")):
        during = ~closed & (plan.ep_kind == kind) & (plan.ep_start <= end) & (plan.ep_end > end)
        status[during] = name
    cls = np.isin(ev["etype"], (life.ET["classified_with"], life.ET["classified_without"]))
    order = np.lexsort((ev["day"][cls], ev["case"][cls]))
    c, t = ev["case"][cls][order], ev["etype"][cls][order]
    last = np.r_[c[1:] != c[:-1], True] if len(c) else np.array([], bool)
    condition = np.full(cases.n, "unclassified", dtype=object)
    condition[closed & (cases.latent == VOLUNTARY)] = "with_conditions"  # paid at once
    condition[c[last]] = np.where(t[last] == life.ET["classified_with"], "with_conditions", "without_conditions")
    return status, condition, np.where(closed, closed_on, NEVER)


def build(units: int, cases_per_unit: int, seed: int, start: dt.date, end: dt.date) -> dict[str, pd.DataFrame]:
    """Generate every table of the demo database plus ``truth`` (see :func:`audit.demo.generate`)."""
    ctx = Ctx(rng=np.random.default_rng(seed), start=day(start), end=day(end))
    unit_list = [names.PROVINCE_ID, *names.unit_ids(units)]
    unit_names = pa.array(unit_list)
    counts = case_counts(ctx, units, cases_per_unit)
    per_unit = np.maximum(3, np.round(counts / 150)).astype("int64")  # executors: ~150 cases each
    per_unit[0] = 3  # the province unit's executors (it handles no cases of its own)
    plant_units = anomalies.choose_units(ctx, units)

    # Cases, who carries an anomaly, their key dates, asset chains, then every event.
    cap = amount_caps(counts, per_unit)
    cases = draw_cases(ctx, counts, plant_units["share"], cap)
    plant, sept_year, spike = anomalies.choose_cases(ctx, cases, per_unit, plant_units)
    plan = timeline.compute(ctx, cases, plant, sept_year, spike)
    _huge_amounts(ctx, cases, plan, plant)
    chains = assets.plan_chains(ctx, cases, plan, cap)
    hist, closed_on = life.history(ctx, cases, plan, plant)
    assets.chain_events(hist, chains, len(chains.case))
    # Complaints by the parties (not actions of the executor), with their events.
    cmp = complaints.draw(ctx, cases, closed_on, (plant == plants.NONE) & ~spike)
    hist.event(cmp.case, cmp.received, life.ET["complaint"])
    mk = market.build_market(ctx, chains, cases.unit, len(unit_list), plant_units)

    # What the records show on the as-of date.
    ev = hist.arrays()
    ev = {k: v[ev["day"] <= ctx.end] for k, v in ev.items()}
    v = hist.verification_arrays()
    v = {k: a[v["day"] <= ctx.end] for k, a in v.items()}
    del hist
    status, condition, closed = _state_at_end(ctx, cases, plan, closed_on, ev)
    decision = np.where(plan.decision <= ctx.end, plan.decision, NEVER)
    decision[plant == plants.DECISION_UNRECORDED] = NEVER  # the column is empty; the event is there

    # Executors: even shares of every kind of case (see staff.py).
    col = ev["etype"] == life.ET["collection"]
    collected = np.zeros(cases.n, "int64")
    np.add.at(collected, ev["case"][col], ev["amount"][col])
    is_open = np.isin(status, ("open", "postponed", "suspended"))
    owed = np.where(is_open, cases.amount - collected, cases.amount)
    executor, wl = staff.assign(ctx, cases.unit, is_open, plant, owed, per_unit, plant_units["load"],
                                plant_units["stall"])
    executors = names.executors_frame(ctx, unit_list, per_unit)
    first_exec = np.cumsum(per_unit) - per_unit

    ids, order = frames.case_ids(unit_names, cases, ctx)
    out: dict[str, pd.DataFrame] = {"units": names.units_frame(units), "executors": executors}
    out["cases"] = frames.cases_frame(ctx, cases, ids, order, unit_names, pa.array(executors["executor_id"]),
                                      executor, decision, status, condition, closed, plan.long_prison)
    af = frames.asset_frames(chains, mk, ids, cases.unit, names.district_names(len(unit_list)), ctx.end)
    out["events"] = frames.events_frame(ev, ids, af.pop("_refs"))
    del ev
    out["verifications"] = frames.verifications_frame(ctx, v, cases, ids)
    out.update(af)
    out["complaints"] = complaints.complaints_frame(cmp, ids)
    ring_truth = market.resolve_rounds(mk.truth, out["auctions"]["auction_id"].to_numpy(dtype=object))
    ring_auctions = set(ring_truth.loc[ring_truth["entity_type"] == "auction", "entity_id"])
    unrecorded = _unrecord(ctx, out, chains, ids, cases.unit, unit_list, ring_auctions)

    # The bad rows of the data-quality plants are received two days before the as-of date; a
    # statistical year that ends after them is not reported, so whatever validation does with
    # them, no report changes.
    dq_day = max(start, end - dt.timedelta(days=2))
    periods = [p for p in stats.statistical_years(start, end) if p[1] < dq_day]
    out["reported_stats"] = stats.reported_stats(out["cases"], out["events"], periods)
    rc = stats.alter_reports(ctx.rng, out["reported_stats"], [unit_list[u] for u in plant_units["reported"]])

    truth_parts = [
        truth.case_plants(plant, ids, cases.unit, unit_list),
        truth.backlog(out["cases"], out["events"], ctx.end),
        truth.asset_plants(chains, ids, cases.unit, unit_list),
        truth.units_and_firms(ring_truth, wl, plant_units, unit_list, executors, first_exec, out),
        truth.reported(rc),
        complaints.truth(cmp, ids, unit_list, cases.unit),
        unrecorded,
    ]
    truth_parts.append(quality.plant_quality(out, unit_list[1:], dq_day, names.PROVINCE_ID))
    out["truth"] = truth.assemble(truth_parts)
    for name in TABLE_ORDER[:-1]:
        out[name] = frames.ordered(out[name], name)
    return {name: out[name] for name in TABLE_ORDER}


__all__ = ["build", "TABLE_ORDER"]
