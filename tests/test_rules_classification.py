"""Hand-made cases for the misclassification, backlog and workload rules."""

from __future__ import annotations

import pytest
from _builders import make_records


def _case(**kw):
    return {"case_id": "C1", "received_date": "2025-01-06", "decision_date": "2025-01-07", **kw}


@pytest.mark.parametrize(("decision", "fires"), [("2025-10-15", False), ("2025-10-14", True)])
def test_backlog_boundary(run, decision, fires):
    records = make_records(cases=[_case(decision_date=decision)])
    f = run(records, "2026-10-15", "ST-BACKLOG")
    assert len(f) == int(fires) and (f["severity"] == "low").all()


def test_no_verification_before_classification(run):
    records = make_records(
        cases=[_case(condition="with_conditions")],
        events=[{"case_id": "C1", "event_date": "2026-03-01", "event_type": "classified_without"}],
        verifications=[{"case_id": "C1", "verification_date": "2026-03-02"}])
    assert len(run(records, "2026-10-15", "MC-NO-VERIFICATION")) == 1
    same_day = make_records(
        cases=[_case()],
        events=[{"case_id": "C1", "event_date": "2026-03-01", "event_type": "classified_without"}],
        verifications=[{"case_id": "C1", "verification_date": "2026-03-01"}])
    assert run(same_day, "2026-10-15", "MC-NO-VERIFICATION").empty


def test_no_verification_undated_classification(run):
    records = make_records(cases=[_case(condition="without_conditions")])
    f = run(records, "2026-10-15", "MC-NO-VERIFICATION")
    assert len(f) == 1 and "no verification on record at all" in f["evidence"].iloc[0]


@pytest.mark.parametrize(("verified", "fires"), [("2025-08-12", False), ("2025-08-11", True), (None, True)])
def test_period_end_case_window(run, verified, fires):
    # classified 11 Sep 2025; a verification on or after 12 Aug is inside the 30 days before
    verifications = [{"case_id": "C1", "verification_date": verified}] if verified else []
    records = make_records(
        cases=[_case()], verifications=verifications,
        events=[{"case_id": "C1", "event_date": "2025-09-11", "event_type": "classified_without"}])
    f = run(records, "2026-10-15", "MC-PERIOD-END")
    assert len(f) == int(fires)


def test_period_end_outside_september_is_quiet(run):
    records = make_records(cases=[_case()], events=[
        {"case_id": "C1", "event_date": "2025-10-01", "event_type": "classified_without"}])
    assert run(records, "2026-10-15", "MC-PERIOD-END").empty


def test_period_end_unit_spike(run):
    def unit(months_sep, per_other_month):
        cases, events = [], []
        n = 0
        for month in [10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8]:
            for _ in range(per_other_month):
                year = 2024 if month >= 10 else 2025
                cases.append(_case(case_id=f"C{n}"))
                events.append({"case_id": f"C{n}", "event_date": f"{year}-{month:02d}-15",
                               "event_type": "classified_without"})
                n += 1
        for _ in range(months_sep):
            cases.append(_case(case_id=f"C{n}"))
            events.append({"case_id": f"C{n}", "event_date": "2025-09-15", "event_type": "classified_without"})
            n += 1
        return make_records(cases=cases, events=events)

    spike = run(unit(6, 1), "2026-10-15", "MC-PERIOD-END")
    assert spike.loc[spike["entity_type"] == "unit", "entity_id"].tolist() == ["KV01"]
    calm = run(unit(2, 1), "2026-10-15", "MC-PERIOD-END")
    assert (calm["entity_type"] == "unit").sum() == 0


def test_unit_share_needs_peers(run):
    cases = [_case(case_id=f"C{i}", condition="without_conditions") for i in range(40)]
    assert run(make_records(cases=cases), "2026-10-15", "MC-UNIT-SHARE").empty


def _units(shares, open_cases=40):
    """Open cases per unit, ``share`` of them without conditions."""
    cases = []
    for u, share in enumerate(shares, start=1):
        for i in range(open_cases):
            cases.append(_case(case_id=f"U{u}-{i}", unit_id=f"KV{u:02d}",
                               condition="without_conditions" if i < share * open_cases else "with_conditions"))
    return make_records(units=[{"unit_id": f"KV{u:02d}"} for u in range(1, len(shares) + 1)], cases=cases)


def test_unit_share_far_above_peers(run):
    f = run(_units([0.25, 0.3, 0.25, 0.3, 0.275, 0.8]), "2026-10-15", "MC-UNIT-SHARE")
    assert f["entity_id"].tolist() == ["KV06"] and "80%" in f["evidence"].iloc[0]


def test_unit_share_spread_is_not_an_outlier(run):
    assert run(_units([0.2, 0.3, 0.4, 0.35, 0.25, 0.45]), "2026-10-15", "MC-UNIT-SHARE").empty


def _executors(loads, idle=None):
    """loads: open cases per executor of KV01; idle: how many of each are idle > 180 days."""
    idle = idle or [0] * len(loads)
    cases, events, executors = [], [], []
    for e, (n, k) in enumerate(zip(loads, idle, strict=True)):
        executors.append({"executor_id": f"X{e}"})
        for i in range(n):
            cid = f"X{e}-{i}"
            cases.append(_case(case_id=cid, executor_id=f"X{e}", decision_date="2026-01-05"))
            events.append({"case_id": cid, "event_type": "notification",
                           "event_date": "2026-01-06" if i < k else "2026-09-01"})
    return make_records(cases=cases, events=events, executors=executors)


def test_caseload_twice_the_median(run):
    f = run(_executors([20, 20, 20, 41]), "2026-10-15", "WL-CASELOAD")
    assert f["entity_id"].tolist() == ["X3"]
    assert run(_executors([20, 20, 20, 40]), "2026-10-15", "WL-CASELOAD").empty


def test_stalled_share_outlier(run):
    f = run(_executors([20, 20, 20, 20], idle=[1, 0, 1, 12]), "2026-10-15", "WL-STALLED-SHARE")
    assert f["entity_id"].tolist() == ["X3"]
    assert run(_executors([20, 20, 20, 20], idle=[1, 0, 1, 2]), "2026-10-15", "WL-STALLED-SHARE").empty
