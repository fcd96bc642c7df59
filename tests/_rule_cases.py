"""For every rule: a case that must fire and a near miss that must not.

``CASES[rule_id]`` is a :class:`Case`: a builder of the records that fire the rule
(with the entities expected), and a builder of a near miss (the same records one
step inside the limit, or otherwise just short of the rule). The common check
(``test_rules_common.py``) runs both for every registered rule, and fails for a
rule without its case: adding a rule means adding its case here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from _builders import make_records

from audit.records import CaseRecords

AS_OF = "2026-10-15"
CASE = {"case_id": "C1", "received_date": "2025-01-06", "decision_date": "2025-01-07"}


@dataclass(frozen=True)
class Case:
    fires: Callable[[], CaseRecords]
    entities: tuple[str, ...]
    near: Callable[[], CaseRecords]
    as_of: str = AS_OF


# ---- builders ---------------------------------------------------------------------------
def _ev(case_id: str, day: str, kind: str, **kw) -> dict:
    return {"case_id": case_id, "event_date": day, "event_type": kind, **kw}


def _sale(assets=None, valuations=(), auctions=(), bids=(), events=(), cases=None, units=None):
    assets = assets or [{"asset_id": "A1", "case_id": "C1", "asset_type": "land", "district": "D1",
                         "area_m2": 100.0}]
    extra = {"units": units} if units else {}
    return make_records(cases=cases or [CASE], assets=list(assets), valuations=list(valuations),
                        auctions=list(auctions), bids=list(bids), events=list(events), **extra)


def _val(vid="V1", asset="A1", date="2025-03-03", value=1_000_000_000, valuer="VAL1", revaluation=False):
    return {"valuation_id": vid, "asset_id": asset, "valuation_date": date, "valuer_id": valuer, "value": value,
            "revaluation": revaluation}


def _auc(aid="AU1", asset="A1", rnd=1, contract="2025-03-13", held="2025-04-20", price=1_000_000_000,
         outcome="sold", bidders=3, winning=1_100_000_000, winner="B1", auctioneer="ORG1"):
    sold = outcome == "sold"
    return {"auction_id": aid, "asset_id": asset, "round": rnd, "contract_date": contract,
            "auctioneer_id": auctioneer, "auction_date": held, "starting_price": price, "outcome": outcome,
            "registered_bidders": bidders, "winning_price": winning if sold else None,
            "winner_id": winner if sold else None}


def _one(**case) -> CaseRecords:
    return make_records(cases=[dict(CASE, **case)])


def _decision(decision: str) -> CaseRecords:
    return _one(received_date="2026-02-13", decision_date=decision)


def _notified(day: str) -> CaseRecords:
    return make_records(cases=[dict(CASE, received_date="2026-03-02", decision_date="2026-03-02")],
                        events=[_ev("C1", day, "notification")])


def _verified(day: str) -> CaseRecords:
    return make_records(cases=[dict(CASE, received_date="2026-03-02", decision_date="2026-03-02")],
                        events=[_ev("C1", "2026-03-03", "notification")],
                        verifications=[{"case_id": "C1", "verification_date": day,
                                        "outcome": "with_conditions"}])


def _reverified(day: str) -> CaseRecords:
    return make_records(cases=[dict(CASE, condition="without_conditions")],
                        events=[_ev("C1", "2025-02-01", "notification")],
                        verifications=[{"case_id": "C1", "verification_date": day}])


def _postponed(resumed: str | None) -> CaseRecords:
    events = [_ev("C1", "2026-07-01", "postponed")]
    if resumed:
        events.append(_ev("C1", resumed, "resumed"))
    return make_records(cases=[CASE], events=events)


def _complaint(resolved: str) -> CaseRecords:
    return make_records(cases=[CASE], complaints=[{
        "complaint_id": "K1", "case_id": "C1", "received_date": "2026-09-01", "round": 1, "subject": "executor",
        "resolved_date": resolved, "outcome": "rejected"}])


def _disbursed(paid: str) -> CaseRecords:
    return make_records(cases=[dict(CASE, received_date="2026-01-05", decision_date="2026-01-06")], events=[
        _ev("C1", "2026-03-02", "collection", amount=1_000_000),
        _ev("C1", paid, "disbursement", amount=1_000_000)])


def _idle(last: str) -> CaseRecords:
    return make_records(cases=[CASE], events=[_ev("C1", last, "notification")])


def _classified(verified: str, flags: dict | None = None, earlier_found: bool = False) -> CaseRecords:
    verifications = [{"case_id": "C1", "verification_date": verified, **(flags or {})}]
    if earlier_found:
        verifications.insert(0, {"case_id": "C1", "verification_date": "2026-01-05", "land": True})
    return make_records(cases=[dict(CASE, condition="without_conditions")],
                        events=[_ev("C1", "2026-05-01", "classified_without")], verifications=verifications)


def _september(verified: str) -> CaseRecords:
    return make_records(cases=[CASE], events=[_ev("C1", "2025-09-11", "classified_without")],
                        verifications=[{"case_id": "C1", "verification_date": verified}])


def _model(planted: int) -> CaseRecords:
    rng = np.random.default_rng(3)
    cases, verifications = [], []
    n = 240
    for i in range(2 * n + planted):
        with_cond, plant = i < n, i >= 2 * n
        value = int(rng.lognormal(22 if plant else 21 if with_cond else 15, 0.6))
        cases.append(dict(CASE, case_id=f"C{i}", received_date="2025-03-03",
                          condition="with_conditions" if with_cond else "without_conditions",
                          debtor_kind="organization" if (plant or (with_cond and i % 2)) else "person"))
        verifications.append({"case_id": f"C{i}", "verification_date": "2026-06-01", "assets_value": value,
                              "income": bool(with_cond and rng.random() < 0.5),
                              "outcome": "with_conditions" if with_cond else "without_conditions"})
    return make_records(cases=cases, verifications=verifications)


def _units_without(shares: dict[str, int], open_cases: int = 40) -> CaseRecords:
    cases = []
    for unit, without in shares.items():
        cases += [dict(CASE, case_id=f"{unit}-{i}", unit_id=unit,
                       condition="without_conditions" if i < without else "with_conditions")
                  for i in range(open_cases)]
    return make_records(cases=cases, units=[{"unit_id": u} for u in shares])


def _executors(loads: dict[str, tuple[int, int]]) -> CaseRecords:
    """Executor -> (open cases with conditions, of which idle) in unit KV01."""
    cases, events = [], []
    for ex, (n, idle) in loads.items():
        for i in range(n):
            cid = f"{ex}-{i}"
            cases.append(dict(CASE, case_id=cid, executor_id=ex, received_date="2025-06-02",
                              decision_date="2025-06-03"))
            events.append(_ev(cid, "2026-02-02" if i < idle else "2026-09-20", "notification"))
    return make_records(cases=cases, events=events, executors=[{"executor_id": e} for e in loads])


def _market(prices, extra=()) -> CaseRecords:
    cases, assets, vals = [], [], []
    for i, (d, p) in enumerate([("D1", p) for p in prices] + list(extra)):
        cases.append(dict(CASE, case_id=f"C{i}"))
        assets.append({"asset_id": f"A{i}", "case_id": f"C{i}", "asset_type": "land", "district": d,
                       "area_m2": 100.0})
        vals.append(_val(vid=f"V{i}", asset=f"A{i}", value=p * 100))
    return _sale(cases=cases, assets=assets, valuations=vals)


def _providers(unit_shares: dict[str, list[str]], auctions: bool) -> CaseRecords:
    """One job per entry: a valuation (or an auction round) by the named provider."""
    cases, assets, vals, rounds = [], [], [], []
    n = 0
    for unit, providers in unit_shares.items():
        for prov in providers:
            cases.append(dict(CASE, case_id=f"C{n}", unit_id=unit))
            assets.append({"asset_id": f"A{n}", "case_id": f"C{n}", "asset_type": "vehicle"})
            if auctions:
                rounds.append(_auc(aid=f"AU{n}", asset=f"A{n}", auctioneer=prov))
            else:
                vals.append(_val(vid=f"V{n}", asset=f"A{n}", valuer=prov))
            n += 1
    return _sale(cases=cases, assets=assets, valuations=vals, auctions=rounds,
                 units=[{"unit_id": u} for u in unit_shares])


def auction_market(n_auctions=120, ring=("R1", "R2", "R3", "R4"), ring_auctions=20, seed=4, ring_premium=0.005,
                   screened: str | None = None) -> CaseRecords:
    """Auctions in three units by six organisations; a ring bids together in ``ring_auctions``
    of them and takes turns winning near the starting price; ``screened`` (an organisation)
    ends its auctions barely above the starting price with bids bunched together."""
    rng = np.random.default_rng(seed)
    cases, assets, auctions, bids = [], [], [], []
    for i in range(n_auctions):
        unit, org = f"KV0{1 + i % 3}", f"ORG{i % 6}"
        cases.append(dict(CASE, case_id=f"C{i}", unit_id=unit))
        assets.append({"asset_id": f"A{i}", "case_id": f"C{i}", "asset_type": "vehicle"})
        price = 500_000_000
        if i < ring_auctions:
            bidders = list(ring)
            winner = ring[i % len(ring)]
            amounts = {b: price + (int(price * ring_premium) if b == winner else 0) for b in bidders}
        else:
            bidders = [f"P{j}" for j in rng.choice(400, size=3, replace=False)]
            if i % 2:
                bidders.append("B-PRO")
            low, high = (0.001, 0.006) if org == screened else (0.02, 0.3)
            amounts = {b: int(price * (1 + rng.uniform(low, high))) for b in bidders}
            winner = max(amounts, key=amounts.get)
        auctions.append(_auc(aid=f"AU{i}", asset=f"A{i}", price=price, bidders=len(bidders),
                             winning=amounts[winner], winner=winner, auctioneer=org))
        bids += [{"auction_id": f"AU{i}", "bidder_id": b, "amount": a} for b, a in amounts.items()]
    units = [{"unit_id": f"KV0{u}"} for u in (1, 2, 3)]
    return make_records(units=units, cases=cases, assets=assets, valuations=[], auctions=auctions, bids=bids)


def _reported(value: int) -> CaseRecords:
    cases = [dict(CASE, case_id=f"C{i}", received_date="2025-01-06") for i in range(3)]
    return make_records(cases=cases, reported_stats=[
        {"unit_id": "KV01", "period_start": "2025-10-01", "period_end": "2026-09-30", "metric": "cases_total",
         "value": value}])


def _issue(rule_id: str) -> CaseRecords:
    records = make_records(cases=[CASE])
    issues = pd.DataFrame({"rule_id": [rule_id], "table": ["cases"], "row": pd.array([5], "Int64"),
                           "column": ["amount_due"], "value": ["abc"], "reason": ["is not a whole number"],
                           "entity_id": ["C1"], "case_id": ["C1"], "unit_id": ["KV01"]}).astype(
        {c: "str" for c in ("rule_id", "table", "column", "value", "reason", "entity_id", "case_id", "unit_id")})
    return CaseRecords(records.tables, records.present, issues, records.counts, "hand-made", "x")


def _spread(n: int = 10) -> list[str]:
    return [f"P{i % 5}" for i in range(n)]


CASES: dict[str, Case] = {
    "DL-DECISION": Case(lambda: _decision("2026-03-02"), ("C1",), lambda: _decision("2026-02-27")),
    "DL-NOTIFY": Case(lambda: _notified("2026-03-06"), ("C1",), lambda: _notified("2026-03-05")),
    "DL-VERIFY-FIRST": Case(lambda: _verified("2026-03-24"), ("C1",), lambda: _verified("2026-03-23")),
    "DL-REVERIFY": Case(lambda: _reverified("2026-04-14"), ("C1",), lambda: _reverified("2026-04-15")),
    "DL-POSTPONE": Case(lambda: _postponed(None), ("C1",), lambda: _postponed("2026-09-29")),
    "DL-COMPLAINT": Case(lambda: _complaint("2026-09-17"), ("K1",), lambda: _complaint("2026-09-16")),
    "DL-AUCTION-CONTRACT": Case(
        lambda: _sale(valuations=[_val()], auctions=[_auc(contract="2025-03-14")]), ("A1",),
        # the auctions row is missing; the auction_contract event shows the contract on time
        lambda: _sale(valuations=[_val()], events=[_ev("C1", "2025-03-10", "auction_contract")])),
    "DL-AUCTION-HELD": Case(
        lambda: _sale(valuations=[_val()], auctions=[_auc(held="2025-04-28")]), ("AU1",),
        lambda: _sale(valuations=[_val()], auctions=[_auc(held="2025-04-27")])),
    "DL-PRICE-REDUCTION": Case(
        lambda: _sale(valuations=[_val()], auctions=[_auc(outcome="failed")],
                      events=[_ev("C1", "2025-05-01", "price_reduction")]), ("AU1",),
        lambda: _sale(valuations=[_val()], auctions=[_auc(outcome="failed")],
                      events=[_ev("C1", "2025-04-30", "price_reduction")])),
    "DI-LATE": Case(lambda: _disbursed("2026-03-13"), ("C1",), lambda: _disbursed("2026-03-12")),
    "ST-NO-ACTION": Case(lambda: _idle("2026-04-17"), ("C1",), lambda: _idle("2026-04-18")),
    "ST-BACKLOG": Case(lambda: _one(decision_date="2025-10-14"), ("C1",), lambda: _one(decision_date="2025-10-15")),
    "MC-ASSETS-FOUND": Case(lambda: _classified("2026-04-20", {"land": True}), ("C1",),
                            lambda: _classified("2026-04-20", earlier_found=True)),
    "MC-NO-VERIFICATION": Case(lambda: _classified("2026-05-02"), ("C1",), lambda: _classified("2026-05-01")),
    "MC-PERIOD-END": Case(lambda: _september("2025-08-11"), ("C1",), lambda: _september("2025-08-12")),
    "MC-MODEL": Case(lambda: _model(6), tuple(f"C{i}" for i in range(480, 486)), lambda: _model(0)),
    "MC-UNIT-SHARE": Case(
        lambda: _units_without({"KV01": 8, "KV02": 9, "KV03": 8, "KV04": 10, "KV05": 8, "KV06": 30}), ("KV06",),
        lambda: _units_without({"KV01": 8, "KV02": 9, "KV03": 8, "KV04": 10, "KV05": 8, "KV06": 11})),
    "WL-CASELOAD": Case(lambda: _executors({"X0": (50, 0), "X1": (20, 0), "X2": (20, 0), "X3": (20, 0)}), ("X0",),
                        lambda: _executors({"X0": (39, 0), "X1": (20, 0), "X2": (20, 0), "X3": (20, 0)})),
    "WL-STALLED-SHARE": Case(
        lambda: _executors({"X0": (20, 15), "X1": (20, 1), "X2": (20, 1), "X3": (20, 1), "X4": (20, 1)}), ("X0",),
        lambda: _executors({"X0": (20, 2), "X1": (20, 1), "X2": (20, 1), "X3": (20, 1), "X4": (20, 1)})),
    "VA-COMPARABLE": Case(lambda: _market([10_000_000] * 6 + [4_000_000]), ("A6",),
                          lambda: _market([10_000_000] * 6 + [5_000_000])),
    "VA-REVALUATION-DROP": Case(
        lambda: _sale(valuations=[_val(), _val(vid="V2", date="2025-06-01", value=799_999_999, revaluation=True)]),
        ("A1",),
        # 30% below the first valuation, but after two failed rounds: within the legal reductions
        lambda: _sale(valuations=[_val(), _val(vid="V2", date="2025-07-01", value=700_000_000, revaluation=True)],
                      auctions=[_auc(outcome="failed"),
                                _auc(aid="AU2", rnd=2, contract="2025-05-02", held="2025-06-10",
                                     price=900_000_000, outcome="failed")])),
    "VA-EXPIRED": Case(lambda: _sale(valuations=[_val()], auctions=[_auc(contract="2025-08-20", held="2025-09-04")]),
                       ("AU1",),
                       lambda: _sale(valuations=[_val()], auctions=[_auc(contract="2025-08-20", held="2025-09-03")])),
    "VA-CONCENTRATION": Case(
        lambda: _providers({"KV01": ["VAL9"] * 8 + _spread(2), "KV02": _spread(), "KV03": _spread()}, False),
        ("VAL9",),
        lambda: _providers({"KV01": ["VAL9"] * 8 + _spread(1), "KV02": _spread(), "KV03": _spread()}, False)),
    "AU-CONCENTRATION": Case(
        lambda: _providers({"KV01": ["AUC9"] * 8 + _spread(2), "KV02": _spread(), "KV03": _spread()}, True),
        ("AUC9",),
        lambda: _providers({"KV01": ["AUC9"] * 8 + _spread(1), "KV02": _spread(), "KV03": _spread()}, True)),
    "AU-PRICE-CUT": Case(
        lambda: _sale(valuations=[_val()], auctions=[
            _auc(outcome="failed"), _auc(aid="AU2", rnd=2, contract="2025-05-05", held="2025-06-01",
                                         price=899_999_999)]), ("AU2",),
        lambda: _sale(valuations=[_val()], auctions=[
            _auc(outcome="failed"), _auc(aid="AU2", rnd=2, contract="2025-05-05", held="2025-06-01",
                                         price=900_000_000)])),
    "AU-NO-COMPETITION": Case(
        lambda: _sale(valuations=[_val()], auctions=[_auc(bidders=1, winning=1_000_000_000)]), ("AU1",),
        lambda: _sale(valuations=[_val()], auctions=[_auc(bidders=1, winning=1_001_000_000)])),
    "AU-REPEAT-FAILURE": Case(
        lambda: _sale(valuations=[_val()], auctions=[
            *[_auc(aid=f"AU{r}", rnd=r, outcome="failed") for r in (1, 2, 3)],
            _auc(aid="AUS", rnd=4, contract="2025-09-01", held="2025-09-20")]), ("A1",),
        lambda: _sale(valuations=[_val()], auctions=[
            *[_auc(aid=f"AU{r}", rnd=r, outcome="failed") for r in (1, 2)],
            _auc(aid="AUS", rnd=3, contract="2025-09-01", held="2025-09-20")])),
    "AU-RING": Case(lambda: auction_market(), ("R1", "R2", "R3", "R4", *(f"AU{i}" for i in range(20))),
                    lambda: auction_market(ring_premium=0.2)),
    "AU-SCREENS": Case(lambda: auction_market(ring_auctions=0, screened="ORG2"), ("ORG2",),
                       lambda: auction_market(ring_auctions=0)),
    "RC-REPORTED": Case(lambda: _reported(9), ("KV01",), lambda: _reported(3)),
    **{rid: Case(lambda rid=rid: _issue(rid), ("C1",), lambda: make_records(cases=[CASE]))
       for rid in ("DQ-SCHEMA", "DQ-DATE-ORDER", "DQ-UNKNOWN-CODE", "DQ-ORPHAN", "DQ-DUPLICATE")},
}
