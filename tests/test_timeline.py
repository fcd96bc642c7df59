"""A case's timeline picture: every dated record in its lane, each missed deadline drawn
where the rule put it, and the report's section for the most serious cases."""

from __future__ import annotations

import base64
import datetime as dt

import matplotlib.dates as mdates
import pandas as pd
from _builders import make_records

from audit.report.timeline import case_marks, timeline_figure, timeline_png, top_cases

AS_OF = "2026-10-15"


def _records():
    # Received on Friday 13 Feb 2026 (Tết follows): the decision was due on 27 Feb and came
    # on 6 Mar; notified two days later; verified once; one complaint.
    return make_records(
        cases=[{"case_id": "C1", "received_date": "2026-02-13", "decision_date": "2026-03-06"},
               {"case_id": "C2", "received_date": "2026-01-05", "decision_date": "2026-01-06"}],
        events=[{"case_id": "C1", "event_date": "2026-03-06", "event_type": "decision"},
                {"case_id": "C1", "event_date": "2026-03-10", "event_type": "notification"},
                {"case_id": "C2", "event_date": "2026-01-07", "event_type": "notification"}],
        verifications=[{"case_id": "C1", "verification_date": "2026-04-01"}],
        complaints=[{"complaint_id": "K1", "case_id": "C1", "received_date": "2026-05-02", "round": 1,
                     "subject": "executor", "resolved_date": None, "outcome": None}])


def _day(x) -> dt.date:
    """A date from matplotlib's x data (a number of days or the Timestamp given)."""
    return x.date() if isinstance(x, pd.Timestamp) else mdates.num2date(x).date()


def test_every_dated_record_of_the_case_is_in_its_lane():
    marks = case_marks(_records(), "C1")
    assert marks["date"].is_monotonic_increasing
    got = set(zip(marks["lane"], marks["mark"], marks["date"].dt.strftime("%Y-%m-%d"), strict=True))
    assert got == {("case", "received", "2026-02-13"), ("case", "decision", "2026-03-06"),
                   ("events", "decision", "2026-03-06"), ("events", "notification", "2026-03-10"),
                   ("verifications", "verification", "2026-04-01"), ("complaints", "complaint", "2026-05-02")}
    assert case_marks(_records(), "nobody").empty


def test_the_missed_deadline_is_drawn_on_the_day_the_rule_found(run):
    records = _records()
    findings = run(records, AS_OF, "DL-DECISION")
    assert findings["case_id"].tolist() == ["C1"]
    fig = timeline_figure(records, "C1", findings, as_of=dt.date(2026, 10, 15), lang="en")
    ax = fig.axes[0]
    vertical = {_day(line.get_xdata()[0]) for line in ax.lines}
    assert vertical == {dt.date(2026, 2, 27), dt.date(2026, 10, 15)}  # the deadline and the audit date
    texts = {x.get_text() for x in ax.texts}
    assert "DL-DECISION due" in texts and "Audit date" in texts
    # the span the law allowed runs from the receipt to the deadline
    span = ax.patches[0].get_x(), ax.patches[0].get_x() + ax.patches[0].get_width()
    assert [_day(x) for x in span] == [dt.date(2026, 2, 13), dt.date(2026, 2, 27)]
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["Case file", "Events", "Verification", "Complaint"]
    uri = timeline_png(records, "C1", findings, as_of=dt.date(2026, 10, 15), lang="vi")
    assert base64.b64decode(uri.split(",", 1)[1]).startswith(b"\x89PNG")


def test_top_cases_put_violations_and_severity_first():
    findings = pd.DataFrame({
        "case_id": ["A", "B", "B", "C", "D", None],
        "finding_kind": ["indicator", "violation", "violation", "violation", "violation", "violation"],
        "severity": ["high", "medium", "low", "medium", "high", "high"]})
    assert top_cases(findings, 10) == ["D", "B", "C", "A"]
    assert top_cases(findings, 2) == ["D", "B"]
    assert top_cases(findings.iloc[:0]) == []
