"""From generation arrays to contract-shaped frames (ids, codes and dates as text and dates)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ..contract import ASSET_TYPES, CASE_TYPES, EVENT_TYPES, TABLES
from ._base import Ctx, join, padded, str_series, take, to_datetime
from .assets import IMMOVABLE, Chains
from .cases import CREDITOR_KINDS, Cases
from .life import NO_AMOUNT
from .market import Market, firm_ids
from .plants import ASSETS_PLANT, CLEAN, FOUND, MODEL_PLANT

_FLAGS = ("land", "house", "vehicle", "bank_account", "income", "business")
_FOUND_P = np.array([0.45, 0.35, 0.25, 0.30, 0.35, 0.15])
_SUFFIX = ("DS-ST", "KDTM-ST", "HS-ST", "HS-ST", "HC-ST", "DS-PT")


def money(values: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    """Whole VND as nullable Int64."""
    values = np.asarray(values, "int64")
    mask = np.zeros(len(values), bool) if missing is None else np.asarray(missing, bool)
    return pd.Series(pd.arrays.IntegerArray(values, mask))


def flags(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.arrays.BooleanArray(np.asarray(values, bool), np.zeros(len(values), bool)))


def ordered(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The table's contract columns in contract order (those present)."""
    return frame[[c for c in TABLES[table].column_names if c in frame.columns]].reset_index(drop=True)


def case_ids(unit_names: pa.Array, cases: Cases, ctx: Ctx) -> tuple[pa.Array, np.ndarray]:
    """Case ids ``<unit>-<nnnnnn>`` numbered by receipt within the unit, and the output order."""
    order = np.lexsort((ctx.rng.random(cases.n), cases.received, cases.unit))
    u = cases.unit[order]
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]])
    seq = np.empty(cases.n, "int64")
    seq[order] = np.arange(cases.n) - np.repeat(starts, np.diff(np.r_[starts, cases.n])) + 1
    return join(take(unit_names, cases.unit), "-", padded(seq, 6)), order


def cases_frame(ctx: Ctx, cases: Cases, ids: pa.Array, order: np.ndarray, unit_names: pa.Array,
                executor_ids: pa.Array, executor: np.ndarray, decision: np.ndarray, status: np.ndarray,
                condition: np.ndarray, closed: np.ndarray, long_prison: np.ndarray) -> pd.DataFrame:
    rng, n = ctx.rng, cases.n
    year = (cases.received.astype("datetime64[D]").astype("datetime64[Y]").astype("int64") + 1970
            - (rng.random(n) < 0.3))
    ref = join(padded(rng.integers(1, 999, n), 1), "/", padded(year, 4), "/",
               take(pa.array(_SUFFIX), cases.case_type))
    ref = take(ref, np.where(rng.random(n) < 0.05, -1, np.arange(n)))
    debtor = join("NPT-", take(unit_names, cases.unit), "-", padded(cases.debtor_no, 6))
    frame = pd.DataFrame({
        "case_id": str_series(ids), "unit_id": str_series(take(unit_names, cases.unit)),
        "executor_id": str_series(take(executor_ids, executor)), "judgment_ref": str_series(ref),
        "case_type": np.array(CASE_TYPES, dtype=object)[cases.case_type],
        "initiation": np.where(cases.on_request, "on_request", "proactive"),
        "received_date": to_datetime(cases.received), "decision_date": to_datetime(decision),
        "amount_due": money(cases.amount),
        "debtor_kind": np.where(cases.debtor_org, "organization", "person"),
        "debtor_id": str_series(debtor),
        "creditor_kind": np.array(CREDITOR_KINDS, dtype=object)[cases.creditor],
        "status": status, "condition": condition, "closed_date": to_datetime(closed),
        "long_prison_term": pd.Series(pd.arrays.BooleanArray(long_prison == 1, long_prison < 0)),
    })
    for c in ("case_type", "initiation", "debtor_kind", "creditor_kind", "status", "condition"):
        frame[c] = frame[c].astype("str")
    return frame.iloc[order].reset_index(drop=True)


def events_frame(ev: dict[str, np.ndarray], ids: pa.Array, refs: pa.Array) -> pd.DataFrame:
    order = np.lexsort((ev["etype"], ev["day"], ev["case"]))
    ev = {k: v[order] for k, v in ev.items()}
    names = pa.array(list(EVENT_TYPES))
    return pd.DataFrame({
        "case_id": str_series(take(ids, ev["case"])), "event_date": to_datetime(ev["day"]),
        "event_type": str_series(take(names, ev["etype"])),
        "amount": money(np.where(ev["amount"] == NO_AMOUNT, 0, ev["amount"]), ev["amount"] == NO_AMOUNT),
        "ref": str_series(take(refs, ev["ref"])),
    })


def verifications_frame(ctx: Ctx, v: dict[str, np.ndarray], cases: Cases, ids: pa.Array) -> pd.DataFrame:
    """Flags, value and outcome of each verification, from its pattern (:mod:`.plants`)."""
    rng = ctx.rng
    order = np.lexsort((v["day"], v["case"]))
    case, day, mode = v["case"][order], v["day"][order], v["mode"][order]
    n = len(case)
    amount = cases.amount[case].astype("float64")
    org = cases.debtor_org[case]
    p = np.broadcast_to(_FOUND_P, (n, 6)).copy()
    p[org, 5] = 0.6
    found = rng.random((n, 6)) < p
    # A quarter of finds are of kinds without a flag (shares, machinery, receivables, gold).
    other_kinds = rng.random(n) < 0.25
    # The rest found at least one flagged kind: land for a person, a business for an organisation.
    bare = ~found.any(axis=1) & ~other_kinds
    found[bare & ~org, 0] = True
    found[bare & org, 5] = True
    found[other_kinds | (mode != FOUND)] = False
    plant = mode == ASSETS_PLANT
    found[plant, rng.integers(0, 3, int(plant.sum()))] = True
    value = np.zeros(n)
    value[mode == FOUND] = np.where(amount > 0, amount * rng.uniform(0.6, 4, n), rng.uniform(5e7, 2e9, n))[mode == FOUND]
    value[plant] = np.maximum(2e7, amount * rng.uniform(0.2, 1.5, n))[plant]
    value[mode == MODEL_PLANT] = np.maximum(3e8, amount * rng.uniform(3, 8, n))[mode == MODEL_PLANT]
    value = np.maximum(np.round(value, -6), np.where(mode == CLEAN, 0, 5e6)).astype("int64")
    value_missing = (mode == CLEAN) & (rng.random(n) < 0.5)
    with_outcome = (mode == FOUND) | (plant & (rng.random(n) < 0.3))
    frame = pd.DataFrame({"case_id": str_series(take(ids, case)), "verification_date": to_datetime(day)})
    for i, name in enumerate(_FLAGS):
        frame[name] = flags(found[:, i])
    frame["assets_value"] = money(value, value_missing)
    frame["outcome"] = pd.Series(np.where(with_outcome, "with_conditions", "without_conditions"), dtype="str")
    return frame


def asset_frames(ch: Chains, mk: Market, ids: pa.Array, unit_of_case: np.ndarray, districts: np.ndarray,
                 end: int) -> dict[str, pd.DataFrame]:
    """assets, valuations, auctions and bids; only what had happened by ``end``."""
    case_id = take(ids, ch.case)
    asset_id = join("TS-", case_id)
    auction_id = join("DG-", take(case_id, ch.r_asset), "-", padded(ch.r_round, 1))
    shown = ch.seizure <= end
    imm = np.isin(ch.kind, IMMOVABLE)
    assets = pd.DataFrame({
        "asset_id": str_series(asset_id), "case_id": str_series(case_id),
        "asset_type": np.array(ASSET_TYPES, dtype=object)[ch.kind],
        "district": pd.Series(np.where(imm, districts[unit_of_case[ch.case], ch.district], None), dtype="str"),
        "area_m2": ch.area, "seizure_date": to_datetime(ch.seizure),
    }).loc[shown]
    assets["asset_type"] = assets["asset_type"].astype("str")
    nth = np.r_[np.ones(len(ch.case), "int64"), np.full(len(ch.v_asset) - len(ch.case), 2)]
    vshown = ch.v_day <= end
    valuations = pd.DataFrame({
        "valuation_id": str_series(join("TD-", take(case_id, ch.v_asset), "-", padded(nth, 1))),
        "asset_id": str_series(take(asset_id, ch.v_asset)), "valuation_date": to_datetime(ch.v_day),
        "valuer_id": pd.Series(firm_ids("VAL", mk.valuer, int(mk.valuer.max(initial=0)) + 1), dtype="str"),
        "value": money(ch.v_value), "revaluation": flags(ch.v_reval),
    }).loc[vshown].sort_values(["asset_id", "valuation_date"], kind="stable")
    sold = mk.winning >= 0
    outcome = np.where(sold, "sold", np.where(ch.r_scheduled, "scheduled", "failed"))
    registered = pd.array(mk.registered, dtype="Int64")
    registered[ch.r_scheduled] = pd.NA  # not yet known before the auction
    auctions = pd.DataFrame({
        "auction_id": str_series(auction_id), "asset_id": str_series(take(asset_id, ch.r_asset)),
        "round": pd.array(ch.r_round, dtype="Int64"), "contract_date": to_datetime(ch.r_contract),
        "auctioneer_id": pd.Series(firm_ids("AUC", mk.auctioneer, int(mk.auctioneer.max(initial=0)) + 1),
                                   dtype="str"),
        "auction_date": to_datetime(ch.r_auction),
        "starting_price": money(ch.r_start), "outcome": pd.Series(outcome, dtype="str"),
        "registered_bidders": registered,
        "winning_price": money(np.maximum(mk.winning, 0), ~sold),
        "winner_id": str_series(take(bidder_ids(np.maximum(mk.winner, 0)), np.where(sold, np.arange(len(sold)), -1))),
    })
    bids = pd.DataFrame({
        "auction_id": str_series(take(auction_id, mk.b_round)),
        "bidder_id": str_series(bidder_ids(mk.b_bidder)),
        "amount": money(mk.b_amount),
    })
    return {"assets": assets, "valuations": valuations, "auctions": auctions, "bids": bids,
            "_refs": pa.concat_arrays([asset_id, auction_id]) if len(ch.case) else pa.array([], pa.string())}


def bidder_ids(codes: np.ndarray) -> pa.Array:
    """``NDGnnnnnnn`` (see :func:`.market.bidder_id`)."""
    return join("NDG", padded(codes, 7))
