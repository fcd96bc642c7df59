"""Hand-made cases → expected findings for the deadline rules, boundary days included.

2026-02-13 is a Friday before Tết (16–20 Feb 2026 are days off), so five
working days after it end on Friday 27 February.
"""

from __future__ import annotations

import pytest
from _builders import make_records


def _case(**kw):
    return {"case_id": "C1", "received_date": "2026-02-13", **kw}


@pytest.mark.parametrize(("decision", "expected_days"), [
    ("2026-02-27", None),  # the deadline day itself, Tết inside the window
    ("2026-03-02", 1),     # the next working day (Monday)
    ("2026-03-06", 5),
])
def test_decision_deadline_boundary(run, decision, expected_days):
    f = run(make_records(cases=[_case(decision_date=decision)]), "2026-10-15", "DL-DECISION")
    if expected_days is None:
        assert f.empty
    else:
        assert f["days_over"].tolist() == [expected_days]
        assert f["severity"].tolist() == ["medium"]
        assert "2026-02-27" in f["evidence"].iloc[0] and "Art. 36" in f["legal_basis"].iloc[0]


def test_decision_taken_from_event_when_column_empty(run):
    records = make_records(cases=[_case()], events=[
        {"case_id": "C1", "event_date": "2026-03-03", "event_type": "decision"}])
    assert run(records, "2026-10-15", "DL-DECISION")["days_over"].tolist() == [2]


@pytest.mark.parametrize(("as_of", "fires"), [("2026-02-27", False), ("2026-02-28", True)])
def test_missing_decision_only_after_deadline(run, as_of, fires):
    f = run(make_records(cases=[_case()]), as_of, "DL-DECISION")
    assert len(f) == int(fires)
    if fires:
        assert f["severity"].iloc[0] == "high" and "none by" in f["evidence"].iloc[0]


def test_case_closed_before_deadline_needs_no_decision(run):
    records = make_records(cases=[_case(status="returned", closed_date="2026-02-20")])
    assert run(records, "2026-10-15", "DL-DECISION").empty


def test_pack_in_force_when_clock_started(run):
    old = run(make_records(cases=[_case(received_date="2026-06-26")]), "2026-10-15", "DL-DECISION")
    new = run(make_records(cases=[_case(received_date="2026-07-01")]), "2026-10-15", "DL-DECISION")
    assert old["rule_pack"].tolist() == ["lthads-2014"]
    assert new["rule_pack"].tolist() == ["lthads-2025"]
    assert "LTHADS 2025" in new["legal_basis"].iloc[0]


def _notified(extra_events=(), verifications=(), **case):
    events = [{"case_id": "C1", "event_date": "2026-03-03", "event_type": "notification"}, *extra_events]
    return make_records(cases=[_case(decision_date="2026-02-16", **case)], events=events,
                        verifications=list(verifications))


@pytest.mark.parametrize(("verified", "expected_days"), [
    ("2026-03-23", None),  # notification 3 Mar + 10 days voluntary + 10 days = 23 Mar
    ("2026-03-24", 1),
])
def test_first_verification_boundary(run, verified, expected_days):
    records = _notified(verifications=[{"case_id": "C1", "verification_date": verified}])
    f = run(records, "2026-10-15", "DL-VERIFY-FIRST")
    assert f["days_over"].tolist() == ([] if expected_days is None else [expected_days])


def test_first_verification_from_event(run):
    records = _notified(extra_events=[{"case_id": "C1", "event_date": "2026-03-25", "event_type": "verification"}])
    assert run(records, "2026-10-15", "DL-VERIFY-FIRST")["days_over"].tolist() == [2]


@pytest.mark.parametrize(("as_of", "fires"), [("2026-03-23", False), ("2026-03-24", True)])
def test_missing_first_verification(run, as_of, fires):
    f = run(_notified(), as_of, "DL-VERIFY-FIRST")
    assert len(f) == int(fires)


def test_paid_in_full_inside_voluntary_period_needs_no_verification(run):
    paid = {"case_id": "C1", "event_date": "2026-03-13", "event_type": "collection", "amount": 100_000_000}
    assert run(_notified(extra_events=[paid]), "2026-10-15", "DL-VERIFY-FIRST").empty
    late = dict(paid, event_date="2026-03-14")  # one day after the voluntary period
    assert len(run(_notified(extra_events=[late]), "2026-10-15", "DL-VERIFY-FIRST")) == 1
    part = dict(paid, amount=99_999_999)
    assert len(run(_notified(extra_events=[part]), "2026-10-15", "DL-VERIFY-FIRST")) == 1


def _without(verified, long_prison=None):
    return make_records(
        cases=[_case(condition="without_conditions", long_prison_term=long_prison)],
        verifications=[{"case_id": "C1", "verification_date": verified}])


@pytest.mark.parametrize(("as_of", "expected_days"), [("2026-10-15", None), ("2026-10-16", 1)])
def test_reverify_boundary(run, as_of, expected_days):
    f = run(_without("2026-04-15"), as_of, "DL-REVERIFY")
    assert f["days_over"].tolist() == ([] if expected_days is None else [expected_days])


def test_reverify_long_prison_term_has_twelve_months(run):
    assert run(_without("2026-01-10", long_prison=True), "2026-10-16", "DL-REVERIFY").empty
    assert len(run(_without("2025-10-10", long_prison=True), "2026-10-16", "DL-REVERIFY")) == 1


def test_reverify_ignores_cases_with_conditions_or_closed(run):
    records = make_records(
        cases=[_case(case_id="C1"), _case(case_id="C2", condition="without_conditions", status="completed",
                                          closed_date="2026-05-01")],
        verifications=[{"case_id": "C1", "verification_date": "2025-01-01"},
                       {"case_id": "C2", "verification_date": "2025-01-01"}])
    assert run(records, "2026-10-16", "DL-REVERIFY").empty


def test_reverify_uses_latest_classification_event(run):
    records = make_records(
        cases=[_case(condition="with_conditions")],
        events=[{"case_id": "C1", "event_date": "2026-03-01", "event_type": "classified_without"}],
        verifications=[{"case_id": "C1", "verification_date": "2026-02-20"}])
    assert len(run(records, "2026-10-16", "DL-REVERIFY")) == 1


@pytest.mark.parametrize(("notified", "expected_days"), [("2026-02-26", None), ("2026-02-27", 1)])
def test_notification_deadline_boundary(run, notified, expected_days):
    records = make_records(cases=[_case(decision_date="2026-02-23")], events=[
        {"case_id": "C1", "event_date": notified, "event_type": "notification"}])
    f = run(records, "2026-10-15", "DL-NOTIFY")
    assert f["days_over"].tolist() == ([] if expected_days is None else [expected_days])


def test_notification_across_tet(run):
    # Decision on Fri 13 Feb 2026: three working days end on Wed 25 Feb, after Tết.
    on_time = make_records(cases=[_case(decision_date="2026-02-13")], events=[
        {"case_id": "C1", "event_date": "2026-02-25", "event_type": "notification"}])
    assert run(on_time, "2026-10-15", "DL-NOTIFY").empty
    assert len(run(make_records(cases=[_case(decision_date="2026-02-13")]), "2026-02-26", "DL-NOTIFY")) == 1
    assert run(make_records(cases=[_case(decision_date="2026-02-13")]), "2026-02-25", "DL-NOTIFY").empty


def _postponed(*events, **case):
    rows = [{"case_id": "C1", "event_date": d, "event_type": t} for d, t in events]
    return make_records(cases=[_case(decision_date="2026-02-16", **case)], events=rows)


@pytest.mark.parametrize(("resumed", "expected_days"), [("2026-06-01", None), ("2026-06-02", 1)])
def test_postponement_boundary(run, resumed, expected_days):
    # postponed 3 March + 90 days = 1 June
    f = run(_postponed(("2026-03-03", "postponed"), (resumed, "resumed")), "2026-10-15", "DL-POSTPONE")
    assert f["days_over"].tolist() == ([] if expected_days is None else [expected_days])


def test_postponement_not_resumed(run):
    records = _postponed(("2026-03-03", "postponed"), status="postponed")
    assert run(records, "2026-06-01", "DL-POSTPONE").empty
    f = run(records, "2026-06-03", "DL-POSTPONE")
    assert f["days_over"].tolist() == [2] and "not resumed" in f["evidence"].iloc[0]


def test_each_postponement_is_judged_on_its_own(run):
    records = _postponed(("2026-01-05", "postponed"), ("2026-02-01", "resumed"),
                         ("2026-03-03", "postponed"), ("2026-07-01", "resumed"))
    f = run(records, "2026-10-15", "DL-POSTPONE")
    assert f["event_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-03-03"]


def test_decision_on_a_day_off_after_the_deadline_is_one_working_day_late(run):
    # deadline Friday 27 Feb 2026; a decision dated Saturday 28 Feb
    f = run(make_records(cases=[_case(decision_date="2026-02-28")]), "2026-10-15", "DL-DECISION")
    assert f["days_over"].tolist() == [1] and "1 working day(s) late" in f["evidence"].iloc[0]
