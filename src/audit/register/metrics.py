"""The register's figures for the supervising body (item 5), one row per unit.

Findings by state now; the open ones (pending or confirmed) by how long ago a
run first saw them; the remedies of the latest conclusion that are overdue;
and repeat violations: violations of a rule a conclusion named that a later
run found anew.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from .store import current_state

if TYPE_CHECKING:
    from .store import Register

__all__ = ["register_metrics", "METRIC_COLUMNS", "AGE_BUCKETS"]

# (column, lower bound in days, upper bound in days): the age of an open finding.
AGE_BUCKETS = (("open_under_3m", 0, 91), ("open_3_12m", 91, 366), ("open_over_12m", 366, None))
METRIC_COLUMNS = ("unit_id", "as_of", "findings", "pending", "confirmed", "dismissed", "remedied", "needs_review",
                  *(b[0] for b in AGE_BUCKETS), "recommendations", "overdue_remedies", "repeat_violations")


def _age_bucket(days: int) -> str:
    for name, low, high in AGE_BUCKETS:
        if days >= low and (high is None or days < high):
            return name
    return AGE_BUCKETS[0][0]  # seen after the date asked about: counted as new


def register_metrics(register: Register, unit_ids: Sequence[str] | None = None, as_of: Any = None
                     ) -> pd.DataFrame:
    """Per unit: findings by state and age, overdue remedies, repeat violations.

    Parameters
    ----------
    register : Register
    unit_ids : list of str, optional
        The units (default: every unit in the register).
    as_of : date, optional
        The day ages and deadlines are measured on (default: the unit's latest run).

    Returns
    -------
    DataFrame
        Columns :data:`METRIC_COLUMNS`; states are those of the latest decision (a dismissal
        whose evidence changed counts as pending and in ``needs_review``). Open findings are
        those pending or confirmed that the unit's latest run still saw.
    """
    from .followup import judge_items

    # One unit (a run's report) reads only its own rows; more read the whole register once.
    only = str(unit_ids[0]) if unit_ids is not None and len(unit_ids) == 1 else None
    obs = register.observations(only)
    dec = register.decisions(only)
    recs = register.recommendations(only)
    units = sorted(set(obs["unit_id"].dropna())) if unit_ids is None else [str(u) for u in unit_ids]
    if unit_ids is not None:
        obs = obs.loc[obs["unit_id"].isin(units)]
    # One pass over every finding, then a look per unit: a national register has hundreds.
    every = current_state(obs, dec.loc[dec["finding_id"].isin(set(obs["finding_id"]))])
    states = dict(tuple(every.groupby("unit_id", sort=False))) if len(every) else {}
    sightings = dict(tuple(obs.groupby("unit_id", sort=False))) if len(obs) else {}
    latest_days = obs.groupby("unit_id")["as_of"].last().to_dict() if len(obs) else {}  # sorted by date
    recs_by_unit = dict(tuple(recs.groupby("unit_id", sort=False))) if len(recs) else {}
    rows = []
    for unit in units:
        o = sightings.get(unit, obs.iloc[0:0])
        state = states.get(unit, every.iloc[0:0])
        latest_day = latest_days.get(unit)
        day: dt.date | None = as_of if as_of is not None else latest_day
        row: dict[str, Any] = {"unit_id": unit, "as_of": day, "findings": len(state)}
        for s in ("pending", "confirmed", "dismissed", "remedied"):
            row[s] = int((state["state"] == s).sum())
        row["needs_review"] = int(state["needs_review"].sum()) if len(state) else 0
        for name, _, _ in AGE_BUCKETS:
            row[name] = 0
        if len(state) and day is not None:
            still = state.loc[state["state"].isin(("pending", "confirmed")) & (state["last_seen"] == latest_day)]
            for first in still["first_seen"]:
                row[_age_bucket((day - first).days)] += 1
        r = recs_by_unit.get(unit, recs.iloc[0:0])
        row["recommendations"] = row["overdue_remedies"] = row["repeat_violations"] = 0
        if len(r) and day is not None and latest_day is not None:
            earlier = [d for d in r["as_of"] if d < latest_day]
            if earlier:
                items = r.loc[r["as_of"] == max(earlier)]
                now = o.loc[o["as_of"] == latest_day]
                marked = set(state.loc[state["state"] == "remedied", "finding_id"])
                judged = judge_items(items, now, marked, day)
                row["recommendations"] = int((judged["status"] != "lesson").sum())
                row["overdue_remedies"] = int(judged["overdue"].sum())
            # Repeat violations: a violation of a rule named in a conclusion, first seen after it.
            named = r.groupby("rule_id")["as_of"].min()
            told = set(r["finding_id"].dropna())
            v = state.loc[(state["finding_kind"] == "violation") & state["rule_id"].isin(set(named.index))
                          & ~state["finding_id"].isin(told)]
            row["repeat_violations"] = int(sum(first > named[rule] for rule, first in zip(v["rule_id"],
                                                                                           v["first_seen"],
                                                                                           strict=True)))
        rows.append(row)
    return pd.DataFrame(rows, columns=list(METRIC_COLUMNS))
