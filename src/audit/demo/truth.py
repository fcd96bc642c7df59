"""The truth table: every finding a correct rule implementation must produce, and the
near misses it must not.

One row per (rule, entity): ``entity_type``/``entity_id`` as in the findings
(docs/contract.md): the case for case-level rules, else the asset, auction round,
complaint, valuer, auctioneer, bidder, executor or unit. ``case_id`` is filled
whenever one case is concerned, so a scorer can also match on it. ``expect`` is
``finding`` for a planted anomaly and ``none`` for a near miss (a record on the
edge of a rule, or whose detail row is missing while its event is on time);
``kind`` is the rule's kind (``violation`` or ``indicator``).

Besides the planted anomalies, the table lists what normal records meet by
nature (see :mod:`audit.demo`): ST-BACKLOG for every open case with
conditions whose decision is over a year old, and MC-PERIOD-END for any unit
whose September count of reclassifications to "without conditions" is at
least five and three times its average month of that statistical year.
MC-MODEL rows are the MODEL plants only: a case whose latest verification
found assets is MC-ASSETS-FOUND's, not the model's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from . import plants as P
from ._base import join, padded, take
from .assets import ASSET_RULES, NEAR_RULES, Chains

COLUMNS = ("rule_id", "entity_type", "entity_id", "unit_id", "case_id", "note", "expect", "kind")
SPIKE_MIN, SPIKE_RATIO = 5, 3.0


def case_plants(plant: np.ndarray, ids: pa.Array, unit: np.ndarray, unit_list: list[str]) -> pd.DataFrame:
    parts = []
    codes = [(c, r, P.NOTE_OF[c], "finding") for c, r in P.RULE_OF.items()]
    codes += [(c, r, note, "none") for c, (r, note) in P.NEAR_OF.items()]
    for code, rule, note, expect in codes:
        idx = np.flatnonzero(plant == code)
        case_id = take(ids, idx).to_numpy(zero_copy_only=False)
        units = np.array(unit_list, dtype=object)[unit[idx]]
        parts.append(pd.DataFrame({"rule_id": rule, "entity_type": "case", "entity_id": case_id,
                                   "unit_id": units, "case_id": case_id, "note": note, "expect": expect}))
    return pd.concat(parts, ignore_index=True)


def backlog(cases: pd.DataFrame, events: pd.DataFrame, end: int) -> pd.DataFrame:
    """ST-BACKLOG: open, with conditions on the as-of date, decided more than 365 days before
    (the decision dated by the column, or by the decision event where the column is empty)."""
    as_of = pd.Timestamp(np.datetime64(end, "D"))
    first = events.loc[events["event_type"] == "decision"].groupby("case_id")["event_date"].min()
    decided = cases["decision_date"].fillna(cases["case_id"].map(first)).astype("datetime64[s]")
    hit = (cases["status"] == "open") & (cases["condition"] == "with_conditions") & (
        (as_of - decided).dt.days > 365)
    c = cases.loc[hit]
    return pd.DataFrame({"rule_id": "ST-BACKLOG", "entity_type": "case", "entity_id": c["case_id"],
                         "unit_id": c["unit_id"], "case_id": c["case_id"],
                         "note": "open with conditions, decision over a year old (indicator)",
                         "expect": "finding"})


def asset_plants(ch: Chains, ids: pa.Array, unit: np.ndarray, unit_list: list[str]) -> pd.DataFrame:
    parts = []
    case_id = take(ids, ch.case).to_numpy(zero_copy_only=False)
    units = np.array(unit_list, dtype=object)[unit[ch.case]]
    rules = {c: (*v, "finding") for c, v in ASSET_RULES.items()} | {c: (*v, "none") for c, v in NEAR_RULES.items()}
    for code, (rule, entity, rnd, note, expect) in rules.items():
        a = np.flatnonzero(ch.plant == code)
        if entity == "auction":
            held = set(zip(ch.r_asset.tolist(), ch.r_round.tolist(), strict=True))
            a = np.array([i for i in a if (i, rnd) in held], "int64")
            eid = join("DG-", pa.array(case_id[a], pa.string()), "-", padded(np.full(len(a), rnd), 1))
        else:
            eid = join("TS-", pa.array(case_id[a], pa.string()))
        parts.append(pd.DataFrame({"rule_id": rule, "entity_type": entity,
                                   "entity_id": eid.to_numpy(zero_copy_only=False),
                                   "unit_id": units[a], "case_id": case_id[a], "note": note, "expect": expect}))
    return pd.concat(parts, ignore_index=True)


def september_waves(cases: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Units whose reclassifications to "without conditions" bunch in September."""
    cls = events.loc[events["event_type"] == "classified_without", ["case_id", "event_date"]]
    cls = cls.merge(cases[["case_id", "unit_id"]].drop_duplicates("case_id"), on="case_id")
    d = cls["event_date"]
    cls = cls.assign(year=d.dt.year + (d.dt.month >= 10), sep=d.dt.month == 9)
    g = cls.groupby(["unit_id", "year"])["sep"].agg(total="size", sep="sum").reset_index()
    other = (g["total"] - g["sep"]) / 11
    ratio = g["sep"] / other.clip(lower=1 / 11)
    w = g.loc[(g["sep"] >= SPIKE_MIN) & (ratio >= SPIKE_RATIO)]
    return pd.DataFrame({"rule_id": "MC-PERIOD-END", "entity_type": "unit", "entity_id": w["unit_id"],
                         "unit_id": w["unit_id"], "case_id": None,
                         "note": [f"September {y}: {s} reclassifications, {t - s} in the other months"
                                  for y, s, t in zip(w["year"], w["sep"], w["total"], strict=True)],
                         "expect": "finding"})


def units_and_firms(market_truth: pd.DataFrame, workload: list[tuple[str, int, int, str]],
                    plant_units: dict[str, np.ndarray], unit_list: list[str], executors: pd.DataFrame,
                    first_exec: np.ndarray, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Unit-, firm-, bidder- and executor-level rows."""
    m = market_truth.assign(unit_id=[unit_list[c] for c in market_truth["unit_code"]], case_id=None,
                            expect="finding", kind="")
    rows = [m[list(COLUMNS)]]
    exec_ids = executors["executor_id"].to_numpy()
    rows.append(pd.DataFrame([{"rule_id": rule, "entity_type": "executor",
                               "entity_id": exec_ids[first_exec[u] + pos], "unit_id": unit_list[u],
                               "case_id": None, "note": note, "expect": "finding", "kind": ""}
                              for rule, u, pos, note in workload],
                             columns=list(COLUMNS)))
    share = [unit_list[u] for u in plant_units["share"]]
    rows.append(pd.DataFrame({"rule_id": "MC-UNIT-SHARE", "entity_type": "unit", "entity_id": share,
                              "unit_id": share, "case_id": None,
                              "note": "about twice the peers' share of cases without conditions",
                              "expect": "finding"}))
    rows.append(september_waves(frames["cases"], frames["events"]))
    return pd.concat(rows, ignore_index=True)


def reported(rc: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"rule_id": "RC-REPORTED", "entity_type": "unit", "entity_id": rc["unit_id"],
                         "unit_id": rc["unit_id"], "case_id": None, "note": rc["note"], "expect": "finding"})


def assemble(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One table of every part, with each rule's kind from the registry."""
    from ..rules.registry import get_rule

    parts = [p.assign(expect=p.get("expect", "finding")) for p in parts if len(p)]
    t = pd.concat(parts, ignore_index=True)
    t["kind"] = t["rule_id"].map({r: get_rule(r).kind for r in t["rule_id"].unique()})
    t = t[list(COLUMNS)].astype({c: "str" for c in COLUMNS})
    return t.sort_values(["rule_id", "entity_type", "entity_id"], kind="stable").reset_index(drop=True)
