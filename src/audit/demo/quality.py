"""Data-quality anomalies: a handful of bad rows that survive typed storage.

The bad cases are new cases received two days before the as-of date, after
every reported statistical year, so that the reported statistics of their
units stay right whatever validation does with them, and no deadline has run
out on them yet. A row that validation rejects has no events (they would be
orphans: a second finding).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def _case(template: pd.Series, case_id: str, received: pd.Timestamp, **changes: object) -> dict:
    row = template.to_dict()
    row.update(case_id=case_id, received_date=received, decision_date=received, amount_due=10_000_000,
               status="open", condition="unclassified", closed_date=pd.NaT, case_type="civil",
               initiation="on_request", debtor_kind="person", debtor_id=f"NPT-{case_id}",
               creditor_kind="person", judgment_ref=None, long_prison_term=pd.NA)
    row.update(changes)
    return row


def plant_quality(frames: dict[str, pd.DataFrame], units: list[str], received: dt.date, province: str
                  ) -> pd.DataFrame:
    """Append the bad rows to ``frames`` (in place) and return their truth rows
    (rule_id, entity_type, entity_id, unit_id, case_id, note)."""
    cases, events = frames["cases"], frames["events"]
    day = pd.Timestamp(received)
    pick = [units[i % len(units)] for i in range(8)]
    template = cases.iloc[0]
    new_cases, new_events, truth = [], [], []

    def add_case(i: int, history: bool = True, **changes: object) -> str:
        unit = pick[i]
        executor = cases.loc[cases["unit_id"] == unit, "executor_id"].iloc[0]
        case_id = f"{unit}-DQ{i + 1:04d}"
        new_cases.append(_case(template, case_id, day, unit_id=unit, executor_id=executor, **changes))
        if history:
            decided = changes.get("decision_date", day)
            new_events.extend([{"case_id": case_id, "event_date": day, "event_type": "received"},
                               {"case_id": case_id, "event_date": day, "event_type": "notification"}])
            if decided >= day:  # a decision event before receipt would be a second finding
                new_events.append({"case_id": case_id, "event_date": decided, "event_type": "decision"})
        return case_id

    def note(rule: str, entity_type: str, entity_id: str, unit: str, case_id: str | None, text: str) -> None:
        truth.append({"rule_id": rule, "entity_type": entity_type, "entity_id": entity_id, "unit_id": unit,
                      "case_id": case_id, "note": text})

    # A row validation rejects has no events: they would become orphans (a second finding).
    c = add_case(0, history=False, amount_due=-5_000_000)
    note("DQ-SCHEMA", "case", c, pick[0], c, "cases.amount_due negative")
    c = add_case(1, history=False, debtor_id="")
    note("DQ-SCHEMA", "case", c, pick[1], c, "cases.debtor_id empty")
    c = add_case(2, decision_date=day - pd.Timedelta(days=3))
    note("DQ-DATE-ORDER", "case", c, pick[2], c, "cases.decision_date before received_date")
    c = add_case(3)
    new_events.append({"case_id": c, "event_date": day - pd.Timedelta(days=5), "event_type": "notification"})
    note("DQ-DATE-ORDER", "case", c, pick[3], c, "events.event_date (notification) before received_date")
    c = add_case(4, history=False, status="closed")
    note("DQ-UNKNOWN-CODE", "case", c, pick[4], c, "cases.status 'closed'")
    c = add_case(5)
    new_events.append({"case_id": c, "event_date": day, "event_type": "appeal"})
    note("DQ-UNKNOWN-CODE", "case", c, pick[5], c, "events.event_type 'appeal'")
    c = add_case(6)
    new_cases.append(dict(new_cases[-1]))
    note("DQ-DUPLICATE", "case", c, pick[6], c, "cases.case_id repeated (identical row)")
    c = add_case(7)
    new_events.append(dict(new_events[-3]))  # the received event again
    note("DQ-DUPLICATE", "case", c, pick[7], c, "events: identical row repeated (received)")

    missing = f"{pick[0]}-999999"
    new_events.append({"case_id": missing, "event_date": day, "event_type": "notification"})
    note("DQ-ORPHAN", "case", missing, pick[0], missing, "events.case_id not in cases")
    orphan_asset = f"TS-{pick[1]}-999999"
    frames["assets"] = _append(frames["assets"], [{
        "asset_id": orphan_asset, "case_id": f"{pick[1]}-999999", "asset_type": "vehicle",
        "district": None, "area_m2": np.nan, "seizure_date": day}])
    note("DQ-ORPHAN", "asset", orphan_asset, pick[1], None, "assets.case_id not in cases")

    # In the province unit, which has no cases: an executor without a name changes no workload.
    blank = f"{province}-CHV99"
    frames["executors"] = _append(frames["executors"], [{"executor_id": blank, "unit_id": province, "name": ""}])
    note("DQ-SCHEMA", "executor", blank, province, None, "executors.name empty")

    frames["cases"] = _append(cases, new_cases)
    frames["events"] = _append(events, [{"amount": pd.NA, "ref": None, **e} for e in new_events])
    return pd.DataFrame(truth)


def _append(frame: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    extra = pd.DataFrame(rows, columns=frame.columns).astype(frame.dtypes.to_dict())
    return pd.concat([frame, extra], ignore_index=True)
