"""Was the earlier conclusion carried out? (kiểm tra việc thực hiện kết luận)

The next run of a unit looks up the unit's latest conclusion drawn before its
audit date and judges each recommendation against the records as they are now:

- **remedied**: the violation no longer holds (its finding is gone, or no longer
  ``ongoing``), or a reviewer marked it remedied with evidence;
- **not remedied** otherwise, and **overdue** when its remedy deadline has passed;
- **new findings**: findings of the unit no earlier run saw;
- **repeat violations**: violations of a rule the earlier conclusion named, that
  happened again after its audit date (or were not among its cases).

A past act the conclusion only drew lessons from (``remedy_required`` false)
is listed but counted in none of these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..dates import as_date

if TYPE_CHECKING:
    from .store import Register

__all__ = ["FollowUp", "follow_up", "judge_items", "STATUSES"]

STATUSES = ("remedied", "not_remedied", "lesson")


@dataclass
class FollowUp:
    """The follow-up of one unit's earlier conclusion, as of a later audit date."""

    unit_id: str
    as_of: dt.date
    earlier_as_of: dt.date | None
    items: pd.DataFrame
    new_findings: pd.DataFrame
    repeats: pd.DataFrame
    # The register's metrics for the unit (item 5), for the report.
    metrics: pd.DataFrame = field(default_factory=pd.DataFrame)
    register: str = ""

    @property
    def has_baseline(self) -> bool:
        """Whether an earlier conclusion was recorded to follow up."""
        return self.earlier_as_of is not None

    @property
    def counts(self) -> dict[str, int]:
        """recommendations (needing a remedy), remedied, not_remedied, overdue, new, repeat."""
        i = self.items
        due = i.loc[i["status"] != "lesson"] if len(i) else i
        return {"recommendations": int(len(due)),
                "remedied": int((due["status"] == "remedied").sum()) if len(due) else 0,
                "not_remedied": int((due["status"] == "not_remedied").sum()) if len(due) else 0,
                "overdue": int(due["overdue"].sum()) if len(due) else 0,
                "new": int(len(self.new_findings)), "repeat": int(len(self.repeats))}

    @property
    def open_items(self) -> pd.DataFrame:
        """The recommendations not remedied yet, overdue first."""
        i = self.items
        if i.empty:
            return i
        return i.loc[i["status"] == "not_remedied"].sort_values(["overdue", "remedy_deadline", "item_no"],
                                                                ascending=[False, True, True],
                                                                kind="stable").reset_index(drop=True)


def _ongoing(value: Any) -> bool:
    # An indicator (no ongoing flag) or an unknown one still holds while it is found.
    return True if value is None or value is pd.NA or (isinstance(value, float) and value != value) else bool(value)


def judge_items(items: pd.DataFrame, current: pd.DataFrame, marked_remedied: set[str], as_of: dt.date
                ) -> pd.DataFrame:
    """Each recommendation with its ``status``, ``how`` and ``overdue`` (the rules above).

    Parameters
    ----------
    items : DataFrame
        The earlier conclusion's recommendations (finding_id, rule_id, remedy_required,
        remedy_deadline, ...).
    current : DataFrame
        The unit's findings now (finding_id, rule_id, ongoing).
    marked_remedied : set of str
        Findings a reviewer marked remedied (with evidence).
    as_of : date
        The audit date now.
    """
    now = current.drop_duplicates("finding_id").set_index("finding_id")
    holding_rules = {str(r) for r, o in zip(current["rule_id"], current["ongoing"], strict=True) if _ongoing(o)}
    status, how, overdue = [], [], []
    for r in items.itertuples(index=False):
        fid = r.finding_id if isinstance(r.finding_id, str) and r.finding_id else None
        required = _ongoing(r.remedy_required)
        if not required:
            s, h = "lesson", ""
        elif fid is not None and fid in marked_remedied:
            s, h = "remedied", "marked"
        elif fid is not None and fid not in now.index:
            s, h = "remedied", "absent"
        elif fid is not None and not _ongoing(now.at[fid, "ongoing"]):
            s, h = "remedied", "no_longer_ongoing"
        elif fid is None and str(r.rule_id) not in holding_rules:
            s, h = "remedied", "absent"
        else:
            s, h = "not_remedied", ""
        deadline = r.remedy_deadline
        late = s == "not_remedied" and isinstance(deadline, dt.date) and deadline < as_of
        status.append(s)
        how.append(h)
        overdue.append(bool(late))
    return items.assign(status=status, how=how, overdue=overdue)


def follow_up(register: Register, unit_id: str, as_of: Any, current_findings: pd.DataFrame) -> FollowUp:
    """The follow-up of ``unit_id``'s latest conclusion recorded before ``as_of``.

    Parameters
    ----------
    register : Register
    unit_id : str
    as_of : date or ISO string
        The audit date of the run now.
    current_findings : DataFrame
        The run's findings (finding_id, rule_id, unit_id, finding_kind, ongoing, occurred_on).

    Returns
    -------
    FollowUp
        With ``has_baseline`` false (and empty tables) when no earlier conclusion exists.
    """
    day = as_date(as_of, "as_of")
    unit = str(unit_id)
    cur = current_findings.loc[(current_findings["unit_id"] == unit).fillna(False)] \
        if "unit_id" in current_findings else current_findings
    recs = register.recommendations(unit, before=day)
    metrics = register.metrics([unit], day)
    seen = register.observations(unit)
    earlier_seen = set(seen.loc[[d < day for d in seen["as_of"]], "finding_id"]) if len(seen) else set()
    new = cur.loc[~cur["finding_id"].isin(earlier_seen)].reset_index(drop=True)
    if recs.empty:
        empty = pd.DataFrame(columns=["item_no", "finding_id", "rule_id", "case_id", "text", "remedy_deadline",
                                      "remedy_required", "status", "how", "overdue"])
        return FollowUp(unit, day, None, empty, new if earlier_seen else new.iloc[0:0], cur.iloc[0:0], metrics,
                        register.description)
    earlier = max(recs["as_of"])
    items = recs.loc[recs["as_of"] == earlier].reset_index(drop=True)
    decisions = register.decisions(unit)
    latest = (decisions.sort_values(["recorded_at", "disposition_id"], kind="stable")
              .drop_duplicates("finding_id", keep="last") if len(decisions) else decisions)
    marked = set(latest.loc[latest["state"] == "remedied", "finding_id"]) if len(latest) else set()
    judged = judge_items(items, cur, marked, day)
    rules = set(items["rule_id"].dropna().astype("str"))
    told = set(items["finding_id"].dropna().astype("str"))
    violation = cur["finding_kind"] == "violation" if "finding_kind" in cur else pd.Series(True, index=cur.index)
    when = pd.to_datetime(cur["occurred_on"]) if "occurred_on" in cur else pd.Series(pd.NaT, index=cur.index)
    later = (when > pd.Timestamp(earlier)).fillna(False) | (when.isna() & ~cur["finding_id"].isin(told))
    repeats = cur.loc[violation & cur["rule_id"].isin(rules) & ~cur["finding_id"].isin(told) & later]
    cols = ["item_no", "finding_id", "rule_id", "case_id", "text", "remedy_deadline", "remedy_required",
            "status", "how", "overdue"]
    return FollowUp(unit, day, earlier, judged[cols], new, repeats.reset_index(drop=True), metrics,
                    register.description)
