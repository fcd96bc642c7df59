"""Hand-made cases for the sale of seized assets: auction deadlines, valuation and
auction rules, with the near misses that must not fire."""

from __future__ import annotations

import pytest
from _builders import make_records

CASE = {"case_id": "C1", "received_date": "2025-01-06", "decision_date": "2025-01-07"}


def _sale(assets=None, valuations=(), auctions=(), bids=(), events=(), cases=None):
    assets = assets or [{"asset_id": "A1", "case_id": "C1", "asset_type": "land", "district": "D1", "area_m2": 100.0}]
    return make_records(cases=cases or [CASE], assets=list(assets), valuations=list(valuations),
                        auctions=list(auctions), bids=list(bids), events=list(events))


def _val(vid="V1", asset="A1", date="2025-03-03", value=1_000_000_000, valuer="VAL1", revaluation=False):
    return {"valuation_id": vid, "asset_id": asset, "valuation_date": date, "valuer_id": valuer, "value": value,
            "revaluation": revaluation}


def _auc(aid="AU1", asset="A1", rnd=1, contract="2025-03-13", held="2025-04-20", price=1_000_000_000,
         outcome="sold", bidders=3, winning=1_100_000_000, winner="B1", auctioneer="ORG1"):
    return {"auction_id": aid, "asset_id": asset, "round": rnd, "contract_date": contract, "auctioneer_id": auctioneer,
            "auction_date": held, "starting_price": price, "outcome": outcome, "registered_bidders": bidders,
            "winning_price": winning if outcome == "sold" else None, "winner_id": winner if outcome == "sold" else None}


@pytest.mark.parametrize(("contract", "days"), [("2025-03-13", None), ("2025-03-14", 1)])
def test_auction_contract_boundary(run, contract, days):
    f = run(_sale(valuations=[_val()], auctions=[_auc(contract=contract, held="2025-04-20")]), "2026-10-15",
            "DL-AUCTION-CONTRACT")
    assert f["days_over"].tolist() == ([] if days is None else [days])


def test_auction_contract_missing_only_while_case_open(run):
    assert len(run(_sale(valuations=[_val()]), "2025-03-14", "DL-AUCTION-CONTRACT")) == 1
    assert run(_sale(valuations=[_val()]), "2025-03-13", "DL-AUCTION-CONTRACT").empty
    closed = dict(CASE, status="completed", closed_date="2025-03-10")
    assert run(_sale(valuations=[_val()], cases=[closed]), "2025-06-01", "DL-AUCTION-CONTRACT").empty


@pytest.mark.parametrize(("asset_type", "held", "days"), [
    ("land", "2025-04-27", None),      # contract 13 Mar + 45 days = 27 Apr
    ("land", "2025-04-28", 1),
    ("vehicle", "2025-04-12", None),   # + 30 days = 12 Apr
    ("vehicle", "2025-04-13", 1),
])
def test_auction_held_boundary_by_asset_type(run, asset_type, held, days):
    assets = [{"asset_id": "A1", "case_id": "C1", "asset_type": asset_type}]
    f = run(_sale(assets=assets, valuations=[_val()], auctions=[_auc(held=held)]), "2026-10-15", "DL-AUCTION-HELD")
    assert f["days_over"].tolist() == ([] if days is None else [days])
    assert (f["entity_type"] == "auction").all()


@pytest.mark.parametrize(("reduced", "days"), [("2025-04-30", None), ("2025-05-01", 1)])
def test_price_reduction_boundary(run, reduced, days):
    rounds = [_auc(outcome="failed", held="2025-04-20"),
              _auc(aid="AU2", rnd=2, contract="2025-05-05", held="2025-06-01", price=900_000_000, winning=900_000_000)]
    events = [{"case_id": "C1", "event_date": reduced, "event_type": "price_reduction"}]
    f = run(_sale(valuations=[_val()], auctions=rounds, events=events), "2026-10-15", "DL-PRICE-REDUCTION")
    assert f["entity_id"].tolist() == ([] if days is None else ["AU1"])


@pytest.mark.parametrize(("price", "fires"), [(900_000_000, False), (899_999_999, True)])
def test_price_cut_at_most_ten_percent(run, price, fires):
    rounds = [_auc(outcome="failed"), _auc(aid="AU2", rnd=2, contract="2025-05-05", held="2025-06-01", price=price)]
    f = run(_sale(valuations=[_val()], auctions=rounds), "2026-10-15", "AU-PRICE-CUT")
    assert f["entity_id"].tolist() == (["AU2"] if fires else [])


def test_price_cut_from_a_reduction_amount(run):
    events = [{"case_id": "C1", "event_date": "2025-04-25", "event_type": "price_reduction", "amount": 150_000_000}]
    f = run(_sale(valuations=[_val()], auctions=[_auc(outcome="failed")], events=events), "2026-10-15",
            "AU-PRICE-CUT")
    assert f["entity_id"].tolist() == ["AU1"] and "cut 15%" in f["evidence"].iloc[0]


def test_no_competition(run):
    alone = _auc(bidders=1, winning=1_000_000_000)
    assert len(run(_sale(valuations=[_val()], auctions=[alone]), "2026-10-15", "AU-NO-COMPETITION")) == 1
    above = _auc(bidders=1, winning=1_050_000_000)  # one bidder but above the starting price
    assert run(_sale(valuations=[_val()], auctions=[above]), "2026-10-15", "AU-NO-COMPETITION").empty


@pytest.mark.parametrize(("failures", "fires"), [(2, False), (3, True)])
def test_repeat_failure(run, failures, fires):
    rounds = [_auc(aid=f"AU{r}", rnd=r, outcome="failed", price=1_000_000_000 * 9**(r - 1) // 10**(r - 1))
              for r in range(1, failures + 1)]
    rounds.append(_auc(aid="AUS", rnd=failures + 1, contract="2025-09-01", held="2025-09-20", price=500_000_000,
                       winning=520_000_000))
    f = run(_sale(valuations=[_val()], auctions=rounds), "2026-10-15", "AU-REPEAT-FAILURE")
    assert f["entity_id"].tolist() == (["A1"] if fires else [])


@pytest.mark.parametrize(("revalued", "fires"), [(800_000_000, False), (799_999_999, True)])
def test_revaluation_drop(run, revalued, fires):
    vals = [_val(), _val(vid="V2", date="2025-06-01", value=revalued, revaluation=True)]
    assert len(run(_sale(valuations=vals), "2026-10-15", "VA-REVALUATION-DROP")) == int(fires)


@pytest.mark.parametrize(("held", "fires"), [("2025-09-03", False), ("2025-09-04", True)])
def test_expired_valuation(run, held, fires):
    f = run(_sale(valuations=[_val()], auctions=[_auc(contract="2025-08-20", held=held)]), "2026-10-15", "VA-EXPIRED")
    assert len(f) == int(fires)


def _market(prices, district="D1", asset_type="land", extra=()):
    """One case per asset, each valued at price/m² × 100 m²."""
    cases, assets, vals = [], [], []
    for i, (d, p) in enumerate([(district, p) for p in prices] + list(extra)):
        cases.append(dict(CASE, case_id=f"C{i}"))
        assets.append({"asset_id": f"A{i}", "case_id": f"C{i}", "asset_type": asset_type, "district": d,
                       "area_m2": 100.0})
        vals.append(_val(vid=f"V{i}", asset=f"A{i}", value=p * 100))
    return _sale(cases=cases, assets=assets, valuations=vals)


def test_comparable_value_far_from_district_median(run):
    f = run(_market([10_000_000] * 6 + [4_000_000]), "2026-10-15", "VA-COMPARABLE")
    assert f["entity_id"].tolist() == ["A6"] and "0.4" in f["evidence"].iloc[0]


def test_cheap_but_normal_district_is_not_flagged(run):
    # D2 is a cheap district: its assets are far below the province but in line with each other.
    cheap = [("D2", 2_000_000)] * 6
    f = run(_market([10_000_000] * 6, extra=cheap), "2026-10-15", "VA-COMPARABLE")
    assert f.empty


def test_comparable_falls_back_to_province_when_district_is_thin(run):
    f = run(_market([10_000_000] * 6, extra=[("D9", 30_000_000)]), "2026-10-15", "VA-COMPARABLE")
    assert f["entity_id"].tolist() == ["A6"] and "province" in f["evidence"].iloc[0]


def _valuer_market(unit_shares):
    """Valuations per unit: unit_shares maps unit -> list of valuer ids (one valuation each)."""
    cases, assets, vals, units = [], [], [], []
    n = 0
    for unit, valuers in unit_shares.items():
        units.append({"unit_id": unit})
        for v in valuers:
            cases.append(dict(CASE, case_id=f"C{n}", unit_id=unit))
            assets.append({"asset_id": f"A{n}", "case_id": f"C{n}", "asset_type": "vehicle"})
            vals.append(_val(vid=f"V{n}", asset=f"A{n}", valuer=v))
            n += 1
    return make_records(units=units, cases=cases, assets=assets, valuations=vals, auctions=[], bids=[])


def test_valuer_concentration_in_one_unit(run):
    spread = [f"VAL{i % 5}" for i in range(10)]
    f = run(_valuer_market({"KV01": ["VAL9"] * 7 + spread[:3], "KV02": spread, "KV03": spread}), "2026-10-15",
            "VA-CONCENTRATION")
    assert f[["entity_id", "unit_id"]].values.tolist() == [["VAL9", "KV01"]]
    assert "(70%); province-wide it holds" in f["evidence"].iloc[0]


def test_popular_valuer_in_a_concentrated_market_is_not_flagged(run):
    # The same valuer dominates everywhere: the province itself is concentrated.
    busy = ["VAL9"] * 7 + ["VAL1", "VAL2", "VAL3"]
    assert run(_valuer_market({"KV01": busy, "KV02": busy, "KV03": busy}), "2026-10-15", "VA-CONCENTRATION").empty


def test_concentration_needs_ten_valuations(run):
    spread = [f"VAL{i % 5}" for i in range(10)]
    assert run(_valuer_market({"KV01": ["VAL9"] * 9, "KV02": spread, "KV03": spread}), "2026-10-15",
               "VA-CONCENTRATION").empty


def _auction_market(n_auctions=120, ring=("R1", "R2", "R3", "R4"), ring_auctions=20, seed=4, ring_premium=0.005):
    """Auctions in three units; the ring bids together in ``ring_auctions`` of them and
    takes turns winning at the starting price; B-PRO bids in half of all auctions."""
    import numpy as np

    rng = np.random.default_rng(seed)
    cases, assets, auctions, bids = [], [], [], []
    for i in range(n_auctions):
        unit = f"KV0{1 + i % 3}"
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
            amounts = {b: int(price * (1 + rng.uniform(0.02, 0.3))) for b in bidders}
            winner = max(amounts, key=amounts.get)
        auctions.append(_auc(aid=f"AU{i}", asset=f"A{i}", price=price, bidders=len(bidders),
                             winning=amounts[winner], winner=winner, auctioneer=f"ORG{i % 6}"))
        bids += [{"auction_id": f"AU{i}", "bidder_id": b, "amount": a} for b, a in amounts.items()]
    units = [{"unit_id": f"KV0{u}"} for u in (1, 2, 3)]
    return make_records(units=units, cases=cases, assets=assets, valuations=[], auctions=auctions, bids=bids)


def test_ring_found_and_nobody_else(run):
    f = run(_auction_market(), "2026-10-15", "AU-RING")
    bidders = f.loc[f["entity_type"] == "bidder"]
    assert sorted(bidders["entity_id"]) == ["R1", "R2", "R3", "R4"]
    # complete evidence: every one of the group's twenty auctions, no "…"
    listed = bidders["evidence"].iloc[0].split("auctions: ")[1].split(", ")
    assert sorted(listed) == sorted(f"AU{i}" for i in range(20)) and "…" not in bidders["evidence"].iloc[0]
    # and one finding per auction the ring bid in together
    auctions = f.loc[f["entity_type"] == "auction"]
    assert sorted(auctions["entity_id"]) == sorted(f"AU{i}" for i in range(20))
    assert auctions["case_id"].notna().all() and "R1, R2, R3, R4" in auctions["evidence"].iloc[0]
    assert auctions["finding_id"].is_unique and "q = " in auctions["evidence"].iloc[0]


@pytest.mark.parametrize("size", [2, 3, 6])
def test_rings_of_two_to_six_bidders(run, size):
    ring = tuple(f"R{i}" for i in range(1, size + 1))
    f = run(_auction_market(ring=ring, ring_auctions=12), "2026-10-15", "AU-RING")
    assert sorted(f.loc[f["entity_type"] == "bidder", "entity_id"]) == sorted(ring)
    assert (f["entity_type"] == "auction").sum() == 12


def test_frequent_bidder_alone_is_not_a_ring(run):
    f = run(_auction_market(ring_auctions=0), "2026-10-15", "AU-RING")
    assert f.empty


def test_group_that_competes_is_not_a_ring(run):
    # Same co-bidding, but the winners pay 20% over the starting price.
    assert run(_auction_market(ring_premium=0.2), "2026-10-15", "AU-RING").empty


# ---- AU-CONCENTRATION and AU-SCREENS --------------------------------------------------------
def _auctioneer_market(unit_shares):
    from _rule_cases import _providers

    return _providers(unit_shares, auctions=True)


def test_auctioneer_concentration_in_one_unit(run):
    spread = [f"ORG{i % 5}" for i in range(10)]
    f = run(_auctioneer_market({"KV01": ["AUC9"] * 7 + spread[:3], "KV02": spread, "KV03": spread}), "2026-10-15",
            "AU-CONCENTRATION")
    assert f[["entity_id", "unit_id", "entity_type"]].values.tolist() == [["AUC9", "KV01", "auctioneer"]]
    assert "7 of the unit's 10 auction rounds (70%" in f["evidence"].iloc[0]


def test_auctioneer_popular_everywhere_is_not_flagged(run):
    busy = ["AUC9"] * 7 + ["ORG1", "ORG2", "ORG3"]
    assert run(_auctioneer_market({"KV01": busy, "KV02": busy, "KV03": busy}), "2026-10-15",
               "AU-CONCENTRATION").empty


def test_screens_flag_the_organisation_whose_auctions_end_at_the_starting_price(run):
    from _rule_cases import auction_market

    f = run(auction_market(ring_auctions=0, screened="ORG2"), "2026-10-15", "AU-SCREENS")
    assert f["entity_id"].tolist() == ["ORG2"] and f["entity_type"].tolist() == ["auctioneer"]
    assert "against 6 organisations, q = " in f["evidence"].iloc[0]


def test_screens_are_silent_among_too_few_organisations(settings):
    import datetime as dt

    from _rule_cases import auction_market

    from audit.rules.context import RuleContext
    from audit.rules.registry import get_rule
    from audit.rules.run import run_rule
    from audit.runparams import RunParams

    records = auction_market(n_auctions=40, ring_auctions=0, screened="ORG2")
    ctx = RuleContext(RunParams.build(dt.date(2026, 10, 15), lang="en", settings=settings))
    assert run_rule(get_rule("AU-SCREENS"), records, ctx).empty
    assert ctx.notes["AU-SCREENS"] == {"silent": "too_few_auctioneers", "auctioneers": 0}
