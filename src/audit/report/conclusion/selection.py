"""Which findings the conclusion states, and where.

- A *violation* is stated as a fact when it is the audited unit's own, was not
  dismissed (and, when the team recorded dispositions, was confirmed), and:
  occurred in the period; or occurred before it and still holds on the audit
  date (``ongoing``: the step is still missing, the money still held...); or
  occurred after the period's end up to the records date.
- An *indicator* leads the team to verify something: the unit's own ones (and
  those of no unit, as data-quality rows of shared tables) that are not already
  part of a stated violation's problem (:mod:`audit.problems`).

Counts are of cases (or, for findings not about a case, of entities), never of
rows: one case late twice is one case with a violation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

__all__ = ["Selection", "select", "RULE_AREA", "AREAS", "subject_of"]

AREAS = ("results", "classification", "decisions", "verification", "progress", "assets", "money",
         "suspension", "complaints", "followup", "statistics")
RULE_AREA = {
    "DL-DECISION": "decisions", "DL-NOTIFY": "decisions",
    "DL-VERIFY-FIRST": "verification", "DL-REVERIFY": "verification",
    "MC-ASSETS-FOUND": "verification", "MC-NO-VERIFICATION": "verification",
    "MC-PERIOD-END": "classification", "MC-MODEL": "classification", "MC-UNIT-SHARE": "classification",
    "ST-NO-ACTION": "progress", "ST-BACKLOG": "progress", "WL-CASELOAD": "progress",
    "WL-STALLED-SHARE": "progress",
    "DL-AUCTION-CONTRACT": "assets", "DL-AUCTION-HELD": "assets", "DL-PRICE-REDUCTION": "assets",
    "DI-LATE": "money", "DL-POSTPONE": "suspension", "DL-COMPLAINT": "complaints",
    "RC-REPORTED": "statistics",
}


def area_of(rule_id: str, category: str) -> str:
    """The area of the conclusion a rule's findings belong to."""
    if rule_id in RULE_AREA:
        return RULE_AREA[rule_id]
    if category in ("valuation", "auction"):
        return "assets"
    return "statistics"  # data quality and anything else about the records


def subject_of(findings: pd.DataFrame) -> pd.Series:
    """What a finding is about, for counting: its case, else its entity."""
    return findings["case_id"].fillna(findings["entity_type"] + ":" + findings["entity_id"])


@dataclass
class Selection:
    """The findings of a conclusion, split by where they are stated."""

    within: pd.DataFrame
    before: pd.DataFrame
    after: pd.DataFrame
    before_left_out: pd.DataFrame
    indicators: pd.DataFrame
    unreviewed: int
    confirmed: int
    dismissed: int
    reviewed: bool

    @property
    def violations(self) -> pd.DataFrame:
        """Every violation stated, in any part."""
        return pd.concat([self.within, self.before, self.after], ignore_index=True)


def _with_area(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(area=[area_of(r, c) for r, c in zip(frame["rule_id"], frame["category"], strict=True)],
                        subject=subject_of(frame))


def select(findings: pd.DataFrame, unit_id: str, start: dt.date, end: dt.date,
           disposition: pd.Series | None = None) -> Selection:
    """Split a run's findings into the parts of the conclusion.

    Parameters
    ----------
    findings : DataFrame
        The run's findings (with ``finding_kind``, ``occurred_on``, ``ongoing``, ``problem_id``).
    unit_id : str
        The audited unit: only its own findings are stated.
    start, end : date
        The period.
    disposition : Series, optional
        Each finding's disposition ("confirmed", "dismissed", "remedied", "pending" or ""),
        aligned with ``findings``. When any is given, only confirmed (or remedied) violations
        are stated.
    """
    f = findings.copy()
    disp = (disposition if disposition is not None else pd.Series("", index=f.index)).reindex(f.index).fillna("")
    # A remedied violation was confirmed and has since been put right: it is still stated.
    # A pending one is waiting for review, as one nobody looked at.
    disp = disp.replace({"remedied": "confirmed", "pending": ""})
    reviewed = bool((disp != "").any())
    dismissed = int((disp == "dismissed").sum())
    own = (f["unit_id"] == unit_id).fillna(False)
    violation = (f["finding_kind"] == "violation") & own & (disp != "dismissed")
    unreviewed = int((violation & (disp == "")).sum()) if reviewed else 0
    confirmed = int((violation & (disp == "confirmed")).sum())
    if reviewed:
        violation &= disp == "confirmed"
    v = _with_area(f.loc[violation])
    when = v["occurred_on"]
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    ongoing = v["ongoing"].fillna(False).astype("bool")
    before = when < s
    after = when > e
    within = ~before & ~after  # an undated violation is a state on the audit date: in the period
    # An indicator already told as part of a stated violation's problem is one of its reasons.
    told = set(v["problem_id"])
    lead_is_told = f["problem_id"].isin(told)
    ind_mask = ((f["finding_kind"] == "indicator") & (own | f["unit_id"].isna())
                & (disp != "dismissed") & ~lead_is_told)
    return Selection(
        within=v.loc[within].reset_index(drop=True),
        before=v.loc[before & ongoing].reset_index(drop=True),
        after=v.loc[after].reset_index(drop=True),
        before_left_out=v.loc[before & ~ongoing].reset_index(drop=True),
        indicators=_with_area(f.loc[ind_mask]).reset_index(drop=True),
        unreviewed=unreviewed, confirmed=confirmed, dismissed=dismissed, reviewed=reviewed,
    )
