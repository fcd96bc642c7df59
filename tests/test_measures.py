"""THADS statistics (docs/rules.md definitions), age profile and executor load on hand-made cases."""

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


def test_money_sums_refuse_to_wrap_around():
    import pandas as pd
    import pytest

    from audit.errors import ValidationError

    big = pd.Series([9_000_000_000_000_000_000, 400_000_000_000_000_000], dtype="Int64")
    with pytest.raises(ValidationError, match="does not fit a 64-bit integer"):
        measures.money_sum(big, pd.Series(["KV01", "KV01"]), what="money_total of a unit")
    fits = measures.money_sum(big, pd.Series(["KV01", "KV02"]))
    assert fits.tolist() == [9_000_000_000_000_000_000, 400_000_000_000_000_000]
    # near the edge but inside it: exact, not rounded through floats
    edge = pd.Series([2**62, 2**62 - 2, 1], dtype="Int64")
    assert int(measures.money_sum(edge).iloc[0]) == 2**63 - 1


def test_a_unit_total_beyond_64_bits_is_an_error_not_a_wrapped_number():
    import pytest

    from audit.errors import ValidationError

    cases = [{"case_id": f"X{i}", "received_date": "2025-11-01", "amount_due": 5_000_000_000_000_000_000}
             for i in range(2)]
    with pytest.raises(ValidationError, match="money_total"):
        measures.thads_metrics(make_records(cases=cases), *P)


def test_complaint_counts():
    cases = [{"case_id": "A", "received_date": "2025-03-01"}, {"case_id": "B", "received_date": "2025-03-01",
                                                             "unit_id": "KV02"}]
    complaints = [
        {"complaint_id": "K1", "case_id": "A", "received_date": "2025-11-03", "round": 1, "subject": "executor",
         "resolved_date": "2025-11-10", "outcome": "upheld"},
        {"complaint_id": "K2", "case_id": "A", "received_date": "2026-09-20", "round": 2, "subject": "unit_head"},
        {"complaint_id": "K3", "case_id": "A", "received_date": "2025-09-20", "round": 1, "subject": "other",
         "resolved_date": "2025-10-02", "outcome": "rejected"},
        {"complaint_id": "K4", "case_id": "B", "received_date": "2026-10-20", "round": 1, "subject": "other"},
    ]
    out = measures.complaint_counts(make_records(cases=cases, complaints=complaints,
                                                 units=[{"unit_id": "KV01"}, {"unit_id": "KV02"}]), *P)
    assert out.to_dict("records") == [
        {"unit_id": "KV01", "received": 2, "first_round": 1, "second_round": 1, "resolved": 2, "upheld": 1,
         "pending": 1},
        {"unit_id": "KV02", "received": 0, "first_round": 0, "second_round": 0, "resolved": 0, "upheld": 0,
         "pending": 0}]
    assert measures.complaint_counts(make_records(cases=cases), *P).empty
