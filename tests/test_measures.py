"""THADS statistics (RULES.md definitions), age profile and executor load on hand-made cases."""

from __future__ import annotations

import datetime as dt

from _builders import make_records

from audit import measures

P = (dt.date(2025, 10, 1), dt.date(2026, 9, 30))


def _records():
    cases = [
        # carried over, completed in P: resolved, with conditions
        {"case_id": "A", "received_date": "2025-03-01", "amount_due": 100, "status": "completed",
         "closed_date": "2025-12-01"},
        # closed before P: not on the books
        {"case_id": "B", "received_date": "2024-03-01", "amount_due": 70, "status": "completed",
         "closed_date": "2025-09-30"},
        # received in P, reclassified without conditions before period end
        {"case_id": "C", "received_date": "2025-11-01", "amount_due": 40, "condition": "with_conditions"},
        # entrusted within P: left out
        {"case_id": "D", "received_date": "2025-11-01", "amount_due": 500, "status": "entrusted",
         "closed_date": "2026-01-10"},
        # terminated within P with part collected before P
        {"case_id": "E", "received_date": "2024-05-01", "amount_due": 1000, "status": "terminated",
         "closed_date": "2026-02-01", "executor_id": "E2"},
        # received after P: not on the books
        {"case_id": "F", "received_date": "2026-10-02", "amount_due": 9},
    ]
    events = [
        {"case_id": "A", "event_date": "2025-09-01", "event_type": "collection", "amount": 30},
        {"case_id": "A", "event_date": "2025-11-01", "event_type": "collection", "amount": 70},
        {"case_id": "C", "event_date": "2026-05-01", "event_type": "classified_without"},
        {"case_id": "E", "event_date": "2025-01-01", "event_type": "collection", "amount": 200},
        {"case_id": "E", "event_date": "2026-01-01", "event_type": "collection", "amount": 300},
    ]
    return make_records(cases=cases, events=events,
                        executors=[{"executor_id": "E1"}, {"executor_id": "E2"}])


def test_thads_metrics_follow_the_definitions():
    m = measures.thads_metrics(_records(), *P).loc["KV01"]
    assert m["cases_total"] == 3  # A, C, E
    assert m["cases_resolved"] == 2  # A, E
    assert m["cases_with_conditions"] == 2  # resolved A, E; C is without conditions at period end
    assert m["money_total"] == (100 - 30) + 40 + (1000 - 200)
    assert m["money_with_conditions"] == 70 + 800
    # collections within P (70 + 300) plus what stayed uncollected on the terminated case (1000 - 500)
    assert m["money_resolved"] == 70 + 300 + 500


def test_unit_kpis_rates_and_workload():
    k = measures.unit_kpis(_records(), *P).set_index("unit_id").loc["KV01"]
    assert k["cases_rate"] == 1.0
    assert abs(k["money_rate"] - 870 / 870) < 1e-12
    assert k["cases_without_conditions"] == 1 and k["executors"] == 2
    assert k["cases_per_executor"] == 1.5
    assert k["median_days_to_completion"] == ((dt.date(2025, 12, 1) - dt.date(2025, 3, 1)).days
                                              + (dt.date(2026, 2, 1) - dt.date(2024, 5, 1)).days) / 2


def test_age_profile_counts_open_cases_by_bucket():
    ages = measures.age_profile(_records(), dt.date(2026, 10, 15)).set_index("bucket")
    assert ages.loc["0-90", "cases"] == 1  # F, received 13 days earlier
    assert ages.loc["181-365", "cases"] == 1  # C, received 2025-11-01
    assert ages["cases"].sum() == 2
    assert ages.loc["181-365", "money"] == 40


def test_executor_load():
    load = measures.executor_load(_records(), dt.date(2026, 10, 15), start=P[0]).set_index("executor_id")
    assert load.loc["E1", "open_cases"] == 2 and load.loc["E1", "resolved_in_period"] == 1
    assert load.loc["E2", "open_cases"] == 0 and load.loc["E2", "resolved_in_period"] == 1
