"""Procedural deadlines of a case (category ``deadline``), docs/rules.md § Deadlines.

Each check takes its limit from the rule pack in force on the day its clock
started. Working-day limits use the Vietnamese calendar. Where a detail column
is empty the event log is the evidence (a ``decision`` event dates a decision
whose column is empty), and a deadline is never reported missed when either
record shows the action in time.
"""

from __future__ import annotations

import pandas as pd

from .._frames import lookup
from ..measures import money_sum
from ..records import CaseRecords
from ._common import case_classification, case_frame, first_event, open_cases, verification_dates
from .context import RuleContext
from .registry import Param, Params, rule

_MISSING_SEVERITY = {True: "high", False: "medium"}


def _late_or_missing(deadline: pd.Series, done: pd.Series, as_of: pd.Timestamp,
                     closed: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Late: done after the deadline. Missing: not done, the deadline has passed on
    ``as_of``, and the case had not left the books by the deadline."""
    late = done.notna() & (done > deadline)
    missing = done.isna() & deadline.notna() & (as_of > deadline) & ~(closed <= deadline)
    return late, missing


def decided_on(records: CaseRecords) -> pd.Series:
    """Each case's enforcement decision (aligned with ``records.cases``): the earlier of the
    ``decision_date`` column and the first ``decision`` event."""
    cases = records.cases
    event = lookup(cases["case_id"], first_event(records.events, "decision"))
    return pd.concat([cases["decision_date"], event], axis=1).min(axis=1).astype("datetime64[s]")


@rule("DL-DECISION", kind="violation", category="deadline", severity="medium",
      params=(Param("working_days", int, 5, "working days from receipt to the enforcement decision",
                    minimum=1, legal=True, unit="working_days"),),
      title=("Ra quyết định thi hành án chậm", "Late enforcement decision"),
      checked=("Quyết định thi hành án phải được ban hành trong {working_days} ngày làm việc kể từ ngày thụ lý.",
               "The enforcement decision must be issued within {working_days} working days of receipt."),
      evidence={
          "": ("Thụ lý {received}, ra quyết định {decision}, hạn {deadline} ({limit} ngày làm việc): "
               "chậm {days} ngày làm việc",
               "Received {received}, decision {decision}, deadline {deadline} ({limit} working days): "
               "{days} working day(s) late"),
          "missing": ("Thụ lý {received}, hạn ra quyết định {deadline} ({limit} ngày làm việc): đến {as_of} "
                      "chưa có quyết định, quá {days} ngày làm việc",
                      "Received {received}, decision due {deadline} ({limit} working days): none by {as_of}, "
                      "{days} working day(s) over")})
def decision_deadline(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Enforcement decision later than receipt + 5 working days, or still missing."""
    cases = case_frame(records, ("received_date", "closed_date"))
    decided = decided_on(records)
    cal, as_of = ctx.calendar, ctx.as_of_ts
    limit = p.working_days.at(cases["received_date"])
    deadline = cal.add_working_days(cases["received_date"], limit)
    late, missing = _late_or_missing(deadline, decided, as_of, cases["closed_date"])
    hit = late | missing
    c = cases.loc[hit]
    days = cal.working_days_late(deadline.loc[hit], decided.loc[hit].fillna(as_of))
    return pd.DataFrame({
        "entity_id": c["case_id"], "case_id": c["case_id"], "unit_id": c["unit_id"],
        "executor_id": c["executor_id"], "event_date": c["received_date"],
        "occurred_on": deadline.loc[hit], "days_over": days,
        "pack": ctx.pack_index(c["received_date"]),
        "severity": missing.loc[hit].map(_MISSING_SEVERITY),
        "variant": missing.loc[hit].map({True: "missing", False: ""}),
        "ev_received": c["received_date"], "ev_decision": decided.loc[hit],
        "ev_deadline": deadline.loc[hit], "ev_limit": limit.loc[hit], "ev_days": days, "ev_as_of": as_of,
    })


@rule("DL-NOTIFY", kind="violation", category="deadline", severity="medium", requires=("cases", "events"),
      params=(Param("working_days", int, 3, "working days from the decision to its first notification",
                    minimum=1, legal=True, unit="working_days"),),
      title=("Thông báo thi hành án chậm", "Late notification"),
      checked=("Quyết định thi hành án phải được thông báo trong {working_days} ngày làm việc kể từ ngày ra "
               "quyết định.",
               "The enforcement decision must be notified within {working_days} working days of being issued."),
      evidence={
          "": ("Quyết định {decision}, hạn thông báo {deadline} ({limit} ngày làm việc), thông báo {notified}: "
               "chậm {days} ngày làm việc",
               "Decision {decision}, notification due {deadline} ({limit} working days), notified {notified}: "
               "{days} working day(s) late"),
          "missing": ("Quyết định {decision}, hạn thông báo {deadline} ({limit} ngày làm việc): đến {as_of} chưa "
                      "thông báo, quá {days} ngày làm việc",
                      "Decision {decision}, notification due {deadline} ({limit} working days): none by {as_of}, "
                      "{days} working day(s) over")})
def notification_deadline(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """First notification later than the enforcement decision + 3 working days, or missing."""
    cases = case_frame(records, ("closed_date",))
    decided = decided_on(records)
    cases, decided = cases.loc[decided.notna()], decided.loc[decided.notna()]
    cal, as_of = ctx.calendar, ctx.as_of_ts
    limit = p.working_days.at(decided)
    deadline = cal.add_working_days(decided, limit)
    notified = lookup(cases["case_id"], first_event(records.events, "notification"))
    late, missing = _late_or_missing(deadline, notified, as_of, cases["closed_date"])
    hit = late | missing
    c = cases.loc[hit]
    days = cal.working_days_late(deadline.loc[hit], notified.loc[hit].fillna(as_of))
    return pd.DataFrame({
        "entity_id": c["case_id"], "case_id": c["case_id"], "unit_id": c["unit_id"],
        "executor_id": c["executor_id"], "event_date": decided.loc[hit], "days_over": days,
        "occurred_on": deadline.loc[hit], "pack": ctx.pack_index(decided.loc[hit]),
        "variant": missing.loc[hit].map({True: "missing", False: ""}),
        "ev_decision": decided.loc[hit], "ev_deadline": deadline.loc[hit], "ev_limit": limit.loc[hit],
        "ev_notified": notified.loc[hit], "ev_days": days, "ev_as_of": as_of,
    })


@rule("DL-VERIFY-FIRST", kind="violation", category="deadline", severity="medium",
      requires=("cases", "events", "verifications"),
      params=(Param("voluntary_days", int, 10, "days of the voluntary period after the first notification",
                    legal=True, unit="days"),
              Param("verify_days", int, 10, "days after the voluntary period for the first verification",
                    legal=True, unit="days")),
      title=("Xác minh điều kiện thi hành án lần đầu chậm", "Late first verification"),
      checked=("Hết thời hạn tự nguyện ({voluntary_days} ngày kể từ ngày thông báo) mà người phải thi hành không "
               "tự nguyện thi hành thì phải xác minh trong {verify_days} ngày.",
               "When the voluntary period ({voluntary_days} days from notification) ends unpaid, the debtor's "
               "assets must be verified within {verify_days} days."),
      evidence={
          "": ("Thông báo {notified}, hết hạn tự nguyện {voluntary_end}, hạn xác minh {deadline}, xác minh lần đầu "
               "{verified}: chậm {days} ngày",
               "Notified {notified}, voluntary period ended {voluntary_end}, verification due {deadline}, first "
               "verified {verified}: {days} days late"),
          "missing": ("Thông báo {notified}, hết hạn tự nguyện {voluntary_end}, hạn xác minh {deadline}: đến "
                      "{as_of} chưa xác minh, quá {days} ngày",
                      "Notified {notified}, voluntary period ended {voluntary_end}, verification due {deadline}: "
                      "none by {as_of}, {days} days over")})
def first_verification_deadline(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """First verification later than the end of the voluntary period + 10 days, or missing.

    The voluntary period ends 10 days after the first notification; a debtor who
    paid the whole amount due inside it needs no verification.
    """
    cases = case_frame(records, ("amount_due", "closed_date"))
    notified = lookup(cases["case_id"], first_event(records.events, "notification"))
    cases, notified = cases.loc[notified.notna()], notified.loc[notified.notna()]
    as_of = ctx.as_of_ts
    voluntary = p.voluntary_days.at(notified)
    verify = p.verify_days.at(notified)
    voluntary_end = notified + pd.to_timedelta(voluntary, unit="D")
    deadline = voluntary_end + pd.to_timedelta(verify, unit="D")

    col = records.events.loc[records.events["event_type"] == "collection", ["case_id", "event_date", "amount"]]
    col = col.assign(voluntary_end=lookup(col["case_id"], pd.Series(voluntary_end.values, index=cases["case_id"])))
    inside = col.loc[col["event_date"] <= col["voluntary_end"]]
    paid = money_sum(inside["amount"], inside["case_id"], what="collections of a case")
    paid_in_full = (cases["amount_due"] > 0) & (lookup(cases["case_id"], paid).fillna(0) >= cases["amount_due"])

    first = verification_dates(records).groupby("case_id")["verification_date"].min()
    verified = lookup(cases["case_id"], first)
    late, missing = _late_or_missing(deadline, verified, as_of, cases["closed_date"])
    hit = (late | missing) & ~paid_in_full.fillna(False)
    c = cases.loc[hit]
    days = (verified.loc[hit].fillna(as_of) - deadline.loc[hit]).dt.days
    return pd.DataFrame({
        "entity_id": c["case_id"], "case_id": c["case_id"], "unit_id": c["unit_id"],
        "executor_id": c["executor_id"], "event_date": notified.loc[hit], "days_over": days,
        "occurred_on": deadline.loc[hit], "pack": ctx.pack_index(notified.loc[hit]),
        "severity": missing.loc[hit].map(_MISSING_SEVERITY),
        "variant": missing.loc[hit].map({True: "missing", False: ""}),
        "ev_notified": notified.loc[hit], "ev_voluntary_end": voluntary_end.loc[hit],
        "ev_deadline": deadline.loc[hit], "ev_verified": verified.loc[hit],
        "ev_days": days, "ev_as_of": as_of,
    })


@rule("DL-REVERIFY", kind="violation", category="deadline", severity="medium",
      requires=("cases", "events", "verifications"),
      params=(Param("months", int, 6, "months between verifications of a case without conditions",
                    minimum=1, legal=True, unit="months"),
              Param("long_prison_months", int, 12, "the same when the debtor serves a long prison term",
                    minimum=1, legal=True, unit="months")),
      title=("Không xác minh lại việc chưa có điều kiện thi hành", "Overdue re-verification"),
      checked=("Việc chưa có điều kiện thi hành phải được xác minh lại ít nhất {months} tháng một lần "
               "({long_prison_months} tháng nếu người phải thi hành đang chấp hành hình phạt tù dài hạn).",
               "Cases without conditions must be re-verified at least every {months} months "
               "({long_prison_months} months when the debtor serves a long prison term)."),
      evidence={"": ("Xác minh gần nhất {verified}, chu kỳ {months} tháng, hạn xác minh lại {deadline}: đến "
                     "{as_of} quá {days} ngày",
                     "Latest verification {verified}, {months}-month cycle, re-verification due {deadline}: "
                     "{days} days over at {as_of}")})
def reverification_deadline(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
    """Open case without conditions whose latest verification is older than 6 months
    (12 for a debtor serving a long prison term)."""
    cases = case_frame(records, ("status", "closed_date", "condition", "long_prison_term"))
    as_of = ctx.as_of_ts
    without = case_classification(records, ctx.as_of) == "without_conditions"
    latest = lookup(cases["case_id"], verification_dates(records).groupby("case_id")["verification_date"].max())
    keep = open_cases(cases) & without & latest.notna()
    cases, latest = cases.loc[keep], latest.loc[keep]
    months = p.months.at(latest)
    long_months = p.long_prison_months.at(latest)
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
        "occurred_on": deadline.loc[hit], "pack": ctx.pack_index(latest.loc[hit]),
        "ev_verified": latest.loc[hit], "ev_months": limit.loc[hit], "ev_deadline": deadline.loc[hit],
        "ev_as_of": as_of, "ev_days": days,
    })


@rule("DL-POSTPONE", kind="violation", category="deadline", severity="medium", requires=("cases", "events"),
      params=(Param("days", int, 90, "days a postponement may last without a resumption", minimum=1,
                    legal=True, unit="days"),),
      title=("Hoãn thi hành án quá thời hạn", "Postponement beyond the allowed period"),
      checked=("Việc hoãn thi hành án không được kéo dài quá {days} ngày mà không tiếp tục thi hành.",
               "A postponed case must be resumed within {days} days."),
      evidence={
          "": ("Hoãn ngày {postponed}, thời hạn {limit} ngày (đến {deadline}), tiếp tục thi hành {resumed}: "
               "quá {days} ngày",
               "Postponed {postponed}, allowed {limit} days (until {deadline}), resumed {resumed}: {days} days over"),
          "missing": ("Hoãn ngày {postponed}, thời hạn {limit} ngày (đến {deadline}): đến {as_of} chưa tiếp tục "
                      "thi hành, quá {days} ngày",
                      "Postponed {postponed}, allowed {limit} days (until {deadline}): not resumed by {as_of}, "
                      "{days} days over")})
def postponement_too_long(records: CaseRecords, ctx: RuleContext, p: Params) -> pd.DataFrame:
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
    limit = p.days.at(m["event_date"])
    deadline = (m["event_date"] + pd.to_timedelta(limit, unit="D")).astype("datetime64[s]")
    as_of = ctx.as_of_ts
    late = m["resumed"].notna() & (m["resumed"] > deadline)
    still = m["resumed"].isna() & (as_of > deadline) & ~(closed <= deadline)
    hit = late | still
    h = m.loc[hit]
    days = (h["resumed"].fillna(as_of) - deadline.loc[hit]).dt.days
    return pd.DataFrame({
        "entity_id": h["case_id"], "case_id": h["case_id"], "unit_id": lookup(h["case_id"], cases["unit_id"]),
        "executor_id": lookup(h["case_id"], cases["executor_id"]), "event_date": h["event_date"],
        "days_over": days, "pack": ctx.pack_index(h["event_date"]), "occurred_on": deadline.loc[hit],
        "key": h["event_date"].dt.strftime("%Y-%m-%d"),
        "variant": still.loc[hit].map({True: "missing", False: ""}),
        "ev_postponed": h["event_date"], "ev_limit": limit.loc[hit], "ev_deadline": deadline.loc[hit],
        "ev_resumed": h["resumed"], "ev_days": days, "ev_as_of": as_of,
    })
