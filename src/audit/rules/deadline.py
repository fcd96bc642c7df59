"""Procedural deadlines (category ``deadline``), RULES.md § Deadlines.

Each check takes its limit from the rule pack in force on the day its clock
started. Working-day limits use the Vietnamese calendar.
"""

from __future__ import annotations

import pandas as pd

from .._frames import lookup
from ..records import CaseRecords
from ._common import case_classification, case_frame, first_event, open_cases, verification_dates
from .registry import Param, RuleContext, rule


def _late_or_missing(base: pd.DataFrame, deadline: pd.Series, done: pd.Series, as_of: pd.Timestamp,
                     closed: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Late: done after the deadline. Missing: not done, the deadline has passed on
    ``as_of``, and the case had not left the books by the deadline."""
    late = done.notna() & (done > deadline)
    missing = done.isna() & deadline.notna() & (as_of > deadline) & ~(closed <= deadline)
    return late, missing


@rule("DL-DECISION", kind="violation", category="deadline", severity="medium",
      params=(Param("working_days", int, 5, minimum=1, legal=True),))
def decision_deadline(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Enforcement decision later than receipt + 5 working days, or still missing."""
    cases = case_frame(records, ("received_date", "decision_date", "closed_date"))
    decided = cases["decision_date"].fillna(lookup(cases["case_id"], first_event(records.events, "decision")))
    cal, as_of = ctx.settings.calendar, ctx.as_of_ts
    limit = ctx.settings.pack_param("DL-DECISION", "working_days", cases["received_date"]).astype("int64")
    deadline = cal.add_working_days(cases["received_date"], limit)
    late, missing = _late_or_missing(cases, deadline, decided, as_of, cases["closed_date"])
    hit = late | missing
    c = cases.loc[hit]
    end = decided.loc[hit].fillna(as_of)
    return pd.DataFrame({
        "entity_id": c["case_id"], "case_id": c["case_id"], "unit_id": c["unit_id"],
        "executor_id": c["executor_id"], "event_date": c["received_date"],
        "occurred_on": deadline.loc[hit],
        "days_over": cal.working_days_late(deadline.loc[hit], end),
        "pack": ctx.settings.pack_index(c["received_date"]),
        "severity": missing.loc[hit].map({True: "high", False: "medium"}),
        "variant": missing.loc[hit].map({True: "missing", False: ""}),
        "ev_received": c["received_date"], "ev_decision": decided.loc[hit],
        "ev_deadline": deadline.loc[hit], "ev_limit": limit.loc[hit],
        "ev_days": cal.working_days_late(deadline.loc[hit], end), "ev_as_of": as_of,
    })


@rule("DL-VERIFY-FIRST", kind="violation", category="deadline", severity="medium",
      requires=("cases", "events", "verifications"),
      params=(Param("voluntary_days", int, 10, legal=True), Param("verify_days", int, 10, legal=True)))
def first_verification_deadline(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """First verification later than the end of the voluntary period + 10 days, or missing.

    The voluntary period ends 10 days after the first notification; a debtor who
    paid the whole amount due inside it needs no verification.
    """
    cases = case_frame(records, ("amount_due", "closed_date"))
    notified = lookup(cases["case_id"], first_event(records.events, "notification"))
    cases, notified = cases.loc[notified.notna()], notified.loc[notified.notna()]
    settings, as_of = ctx.settings, ctx.as_of_ts
    voluntary = settings.pack_param("DL-VERIFY-FIRST", "voluntary_days", notified).astype("int64")
    verify = settings.pack_param("DL-VERIFY-FIRST", "verify_days", notified).astype("int64")
    voluntary_end = notified + pd.to_timedelta(voluntary, unit="D")
    deadline = voluntary_end + pd.to_timedelta(verify, unit="D")

    col = records.events.loc[records.events["event_type"] == "collection", ["case_id", "event_date", "amount"]]
    col = col.assign(voluntary_end=lookup(col["case_id"], pd.Series(voluntary_end.values, index=cases["case_id"])))
    paid = col.loc[col["event_date"] <= col["voluntary_end"]].groupby("case_id")["amount"].sum()
    paid_in_full = (cases["amount_due"] > 0) & (lookup(cases["case_id"], paid).fillna(0) >= cases["amount_due"])

    first = verification_dates(records).groupby("case_id")["verification_date"].min()
    verified = lookup(cases["case_id"], first)
    late, missing = _late_or_missing(cases, deadline, verified, as_of, cases["closed_date"])
    hit = (late | missing) & ~paid_in_full.fillna(False)
    c = cases.loc[hit]
    end = verified.loc[hit].fillna(as_of)
    days = (end - deadline.loc[hit]).dt.days
    return pd.DataFrame({
        "entity_id": c["case_id"], "case_id": c["case_id"], "unit_id": c["unit_id"],
        "executor_id": c["executor_id"], "event_date": notified.loc[hit], "days_over": days,
        "occurred_on": deadline.loc[hit],
        "pack": settings.pack_index(notified.loc[hit]),
        "severity": missing.loc[hit].map({True: "high", False: "medium"}),
        "variant": missing.loc[hit].map({True: "missing", False: ""}),
        "ev_notified": notified.loc[hit], "ev_voluntary_end": voluntary_end.loc[hit],
        "ev_deadline": deadline.loc[hit], "ev_verified": verified.loc[hit],
        "ev_days": days, "ev_as_of": as_of,
    })


@rule("DL-REVERIFY", kind="violation", category="deadline", severity="medium",
      requires=("cases", "events", "verifications"),
      params=(Param("months", int, 6, minimum=1, legal=True),
              Param("long_prison_months", int, 12, minimum=1, legal=True)))
def reverification_deadline(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Open case without conditions whose latest verification is older than 6 months
    (12 for a debtor serving a long prison term)."""
    cases = case_frame(records, ("status", "closed_date", "condition", "long_prison_term"))
    as_of = ctx.as_of_ts
    without = case_classification(records, ctx.as_of) == "without_conditions"
    latest = lookup(cases["case_id"], verification_dates(records).groupby("case_id")["verification_date"].max())
    keep = open_cases(cases) & without & latest.notna()
    cases, latest = cases.loc[keep], latest.loc[keep]
    settings = ctx.settings
    months = settings.pack_param("DL-REVERIFY", "months", latest).astype("int64")
    long_months = settings.pack_param("DL-REVERIFY", "long_prison_months", latest).astype("int64")
    prison = cases["long_prison_term"].fillna(False).astype("bool")
    limit = months.where(~prison, long_months)
    deadline = pd.Series(pd.NaT, index=latest.index, dtype="datetime64[s]")
    for m in limit.unique():  # one vectorised offset per distinct limit (two at most)
        sel = limit == m
        deadline.loc[sel] = latest.loc[sel] + pd.DateOffset(months=int(m))
    hit = as_of > deadline
    c = cases.loc[hit]
    days = (as_of - deadline.loc[hit]).dt.days
    return pd.DataFrame({
        "entity_id": c["case_id"], "case_id": c["case_id"], "unit_id": c["unit_id"],
        "executor_id": c["executor_id"], "event_date": latest.loc[hit], "days_over": days,
        "occurred_on": deadline.loc[hit],
        "pack": settings.pack_index(latest.loc[hit]),
        "ev_verified": latest.loc[hit], "ev_months": limit.loc[hit], "ev_deadline": deadline.loc[hit],
        "ev_as_of": as_of, "ev_days": days,
    })


@rule("DL-NOTIFY", kind="violation", category="deadline", severity="medium", requires=("cases", "events"),
      params=(Param("working_days", int, 3, minimum=1, legal=True),))
def notification_deadline(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """First notification later than the enforcement decision + 3 working days, or missing."""
    cases = case_frame(records, ("decision_date", "closed_date"))
    decided = cases["decision_date"].fillna(lookup(cases["case_id"], first_event(records.events, "decision")))
    cases, decided = cases.loc[decided.notna()], decided.loc[decided.notna()]
    cal, as_of = ctx.settings.calendar, ctx.as_of_ts
    limit = ctx.settings.pack_param("DL-NOTIFY", "working_days", decided).astype("int64")
    deadline = cal.add_working_days(decided, limit)
    notified = lookup(cases["case_id"], first_event(records.events, "notification"))
    late, missing = _late_or_missing(cases, deadline, notified, as_of, cases["closed_date"])
    hit = late | missing
    c = cases.loc[hit]
    days = cal.working_days_late(deadline.loc[hit], notified.loc[hit].fillna(as_of))
    return pd.DataFrame({
        "entity_id": c["case_id"], "case_id": c["case_id"], "unit_id": c["unit_id"],
        "executor_id": c["executor_id"], "event_date": decided.loc[hit], "days_over": days,
        "occurred_on": deadline.loc[hit],
        "pack": ctx.settings.pack_index(decided.loc[hit]),
        "variant": missing.loc[hit].map({True: "missing", False: ""}),
        "ev_decision": decided.loc[hit], "ev_deadline": deadline.loc[hit], "ev_limit": limit.loc[hit],
        "ev_notified": notified.loc[hit], "ev_days": days, "ev_as_of": as_of,
    })


@rule("DL-POSTPONE", kind="violation", category="deadline", severity="medium", requires=("cases", "events"),
      params=(Param("days", int, 90, minimum=1, legal=True),))
def postponement_too_long(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """Case postponed for longer than the allowed period without being resumed."""
    ev = records.events
    post = ev.loc[ev["event_type"] == "postponed", ["case_id", "event_date"]].sort_values("event_date")
    if post.empty:
        return pd.DataFrame()
    resumed = (ev.loc[ev["event_type"] == "resumed", ["case_id", "event_date"]]
               .rename(columns={"event_date": "resumed"}).sort_values("resumed"))
    # The first resumption on or after each postponement.
    m = pd.merge_asof(post.reset_index(drop=True), resumed, left_on="event_date", right_on="resumed",
                      by="case_id", direction="forward")
    cases = records.cases.set_index("case_id")
    closed = lookup(m["case_id"], cases["closed_date"])
    limit = ctx.settings.pack_param("DL-POSTPONE", "days", m["event_date"]).astype("int64")
    deadline = (m["event_date"] + pd.to_timedelta(limit, unit="D")).astype("datetime64[s]")
    as_of = ctx.as_of_ts
    late = m["resumed"].notna() & (m["resumed"] > deadline)
    still = m["resumed"].isna() & (as_of > deadline) & ~(closed <= deadline)
    hit = late | still
    h = m.loc[hit]
    end = h["resumed"].fillna(as_of)
    days = (end - deadline.loc[hit]).dt.days
    return pd.DataFrame({
        "entity_id": h["case_id"], "case_id": h["case_id"], "unit_id": lookup(h["case_id"], cases["unit_id"]),
        "executor_id": lookup(h["case_id"], cases["executor_id"]), "event_date": h["event_date"],
        "days_over": days, "pack": ctx.settings.pack_index(h["event_date"]),
        "occurred_on": deadline.loc[hit],
        "key": h["event_date"].dt.strftime("%Y-%m-%d"),
        "variant": still.loc[hit].map({True: "missing", False: ""}),
        "ev_postponed": h["event_date"], "ev_limit": limit.loc[hit], "ev_deadline": deadline.loc[hit],
        "ev_resumed": h["resumed"], "ev_days": days, "ev_as_of": as_of,
    })
