"""Hand-made cases for DI-LATE, ST-NO-ACTION, MC-ASSETS-FOUND and RC-REPORTED."""

from __future__ import annotations

import pytest
from _builders import make_records


def _money(*events):
    rows = [{"case_id": "C1", "event_date": d, "event_type": t, "amount": a} for d, t, a in events]
    return make_records(cases=[{"case_id": "C1", "received_date": "2026-01-05", "decision_date": "2026-01-06"}],
                        events=rows)


@pytest.mark.parametrize(("paid_on", "expected_days"), [("2026-03-20", None), ("2026-03-21", 1)])
def test_disbursement_boundary(run, paid_on, expected_days):
    records = _money(("2026-03-10", "collection", 50_000_000), (paid_on, "disbursement", 50_000_000))
    f = run(records, "2026-10-15", "DI-LATE")
    assert f["days_over"].tolist() == ([] if expected_days is None else [expected_days])


def test_disbursement_fifo_partial_and_held(run):
    records = _money(
        ("2026-03-10", "collection", 50_000_000),
        ("2026-03-15", "disbursement", 20_000_000),   # part of the first collection, on time
        ("2026-04-01", "collection", 30_000_000),
        ("2026-04-05", "disbursement", 30_000_000),   # finishes the first collection 16 days late
        ("2026-04-06", "disbursement", 10_000_000),   # part of the second, which keeps 20m held
    )
    f = run(records, "2026-05-01", "DI-LATE").sort_values("event_date")
    assert f["event_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-03-10", "2026-04-01"]
    late, held = f.iloc[0], f.iloc[1]
    assert late["days_over"] == 16 and late["amount"] == 30_000_000
    assert held["days_over"] == 20 and held["amount"] == 20_000_000
    assert "still not paid out" in held["evidence"]
    assert f["finding_id"].nunique() == 2


def test_disbursement_held_not_due_yet(run):
    records = _money(("2026-03-10", "collection", 50_000_000))
    assert run(records, "2026-03-20", "DI-LATE").empty
    assert run(records, "2026-03-21", "DI-LATE")["amount"].tolist() == [50_000_000]


def test_disbursement_ignores_events_after_as_of(run):
    records = _money(("2026-03-10", "collection", 50_000_000), ("2026-03-25", "disbursement", 50_000_000))
    f = run(records, "2026-03-22", "DI-LATE")
    assert f["evidence"].str.contains("still not paid out").all() and f["days_over"].tolist() == [2]


def _idle(last_action, status="open", condition="with_conditions", event_type="notification"):
    return make_records(
        cases=[{"case_id": "C1", "received_date": "2025-01-06", "decision_date": "2025-01-07",
                "status": status, "condition": condition}],
        events=[{"case_id": "C1", "event_date": last_action, "event_type": event_type}])


@pytest.mark.parametrize(("last", "fires"), [("2026-04-18", False), ("2026-04-17", True)])
def test_no_action_boundary(run, last, fires):
    # 2026-04-18 + 180 days = 2026-10-15: idle exactly 180 days is not yet a finding.
    f = run(_idle(last), "2026-10-15", "ST-NO-ACTION")
    assert len(f) == int(fires)
    if fires:
        assert f["days_over"].tolist() == [1] and f["severity"].tolist() == ["high"]


@pytest.mark.parametrize("kw", [{"status": "postponed"}, {"condition": "without_conditions"}])
def test_no_action_only_open_with_conditions(run, kw):
    assert run(_idle("2025-01-08", **kw), "2026-10-15", "ST-NO-ACTION").empty


def test_complaint_is_not_an_action(run):
    assert len(run(_idle("2026-10-01", event_type="complaint"), "2026-10-15", "ST-NO-ACTION")) == 1


def _classified(*verifications, condition="without_conditions"):
    return make_records(
        cases=[{"case_id": "C1", "received_date": "2025-01-06", "condition": condition}],
        verifications=[{"case_id": "C1", **v} for v in verifications])


def test_assets_found_on_latest_verification(run):
    records = _classified({"verification_date": "2026-01-10", "house": True, "assets_value": 900_000_000})
    f = run(records, "2026-10-15", "MC-ASSETS-FOUND")
    assert len(f) == 1 and "house" in f["evidence"].iloc[0] and f["amount"].iloc[0] == 900_000_000
    vi = run(records, "2026-10-15", "MC-ASSETS-FOUND", lang="vi")
    assert "nhà" in vi["evidence"].iloc[0] and "900.000.000 đồng" in vi["evidence"].iloc[0]


def test_assets_found_outcome_with_conditions(run):
    records = _classified({"verification_date": "2026-01-10", "outcome": "with_conditions"})
    assert len(run(records, "2026-10-15", "MC-ASSETS-FOUND")) == 1


def test_assets_found_only_latest_counts(run):
    records = _classified({"verification_date": "2025-06-10", "land": True},
                          {"verification_date": "2026-01-10"})
    assert run(records, "2026-10-15", "MC-ASSETS-FOUND").empty
    assert run(_classified({"verification_date": "2026-01-10", "land": True}, condition="with_conditions"),
               "2026-10-15", "MC-ASSETS-FOUND").empty


def _reported(metric, value):
    cases = [
        {"case_id": "C1", "received_date": "2025-05-05", "amount_due": 100, "status": "completed",
         "closed_date": "2026-03-01"},
        {"case_id": "C2", "received_date": "2025-11-05", "amount_due": 50, "condition": "without_conditions"},
    ]
    events = [{"case_id": "C1", "event_date": "2026-03-01", "event_type": "collection", "amount": 100}]
    rep = [{"unit_id": "KV01", "period_start": "2025-10-01", "period_end": "2026-09-30", "metric": metric,
            "value": value}]
    return make_records(cases=cases, events=events, reported_stats=rep)


@pytest.mark.parametrize(("metric", "right"), [
    ("cases_total", 2), ("cases_with_conditions", 1), ("cases_resolved", 1),
    ("money_total", 150), ("money_with_conditions", 100), ("money_resolved", 100),
])
def test_reported_stats_reconcile(run, metric, right):
    assert run(_reported(metric, right), "2026-10-15", "RC-REPORTED").empty
    f = run(_reported(metric, right + 7), "2026-10-15", "RC-REPORTED")
    assert len(f) == 1
    assert f"reported {right + 7}" in f["evidence"].iloc[0].replace(",", "").replace(" VND", "")
    assert f["source_row"].iloc[0] == 2


def test_reported_period_not_over_is_skipped(run):
    assert run(_reported("cases_total", 99), "2026-09-29", "RC-REPORTED").empty
