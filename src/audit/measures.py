"""THADS statistics per unit and period, exactly as docs/rules.md defines them,
plus the age profile of open cases, each executor's load and the complaints.

Every function is vectorised over all units at once, so the per-unit
notebook and the all-units scan share one implementation. Money is summed
with :func:`money_sum`, which refuses a total that does not fit a 64-bit
integer (contract 1.1) instead of wrapping it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from ._frames import lookup, member, positions
from .errors import ValidationError
from .records import CaseRecords

__all__ = [
    "AGE_BUCKETS", "RESOLVED", "LEFT_BOOKS", "classification_at", "classification_events",
    "case_classification", "collections", "collections_of",
    "thads_metrics", "unit_kpis", "kpi_frame", "month_ends", "with_rates", "monthly_rates", "age_profile", "executor_load", "open_cases", "money_sum",
    "complaint_counts", "COMPLAINT_COLUMNS",
]

RESOLVED = ("completed", "terminated")
LEFT_BOOKS = ("entrusted", "returned")
AGE_BUCKETS = ("0-90", "91-180", "181-365", "1-2y", ">2y")
_AGE_EDGES = [-1, 90, 180, 365, 730, np.inf]
METRIC_COLUMNS = (
    "cases_total", "cases_with_conditions", "cases_resolved",
    "money_total", "money_with_conditions", "money_resolved",
)


_INT64_MAX = int(np.iinfo(np.int64).max)
# Float sums are exact to about 1e-16 relative per term: a float total below 2**62 is far
# from the int64 edge, so only totals above it are re-added exactly.
_NEAR_EDGE = float(2**62)


def _ts(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def money_sum(values: pd.Series, by: pd.Series | list[pd.Series] | None = None, *,
              what: str = "money") -> pd.Series:
    """Sums of whole VND (per group of ``by``, or one total) that never wrap around.

    Parameters
    ----------
    values : Series
        Integer amounts (missing ones count as 0).
    by : Series or list of Series, optional
        Group keys aligned with ``values``; without them, one total indexed ``[0]``.
    what : str
        What is summed, for the error message.

    Returns
    -------
    Series of Int64

    Raises
    ------
    ValidationError
        When a total does not fit a 64-bit integer (contract 1.1: reported, never wrapped).
    """
    v = values.astype("Int64").fillna(0)
    keys = by if by is not None else pd.Series(0, index=values.index)
    approx = v.astype("float64").groupby(keys, sort=True).sum()
    near = approx.abs() >= _NEAR_EDGE
    if near.any():
        exact = v.astype(object).groupby(keys, sort=True).sum()
        for key, total in exact.loc[near].items():
            if abs(int(total)) > _INT64_MAX:
                place = "" if by is None else f" for {key}"
                raise ValidationError(f"the total of {what}{place} ({int(total):,} VND) does not fit a "
                                      "64-bit integer: check the amounts in the source")
    return v.groupby(keys, sort=True).sum().astype("Int64")


def collections(events: pd.DataFrame) -> pd.DataFrame:
    """Collection events only: case_id, event_date, amount (missing amounts count as 0)."""
    c = events.loc[events["event_type"] == "collection", ["case_id", "event_date", "amount"]]
    return c.assign(amount=c["amount"].fillna(0).astype("Int64"))


def _sum_by_case(frame: pd.DataFrame, pos: np.ndarray, mask: np.ndarray, rows: np.ndarray) -> pd.Series:
    """Collections of ``frame`` under ``mask`` summed per case, for the cases at ``rows`` of
    ``records.cases`` (``pos``: each collection's case position there, -1 for none)."""
    keep = mask & (pos >= 0)
    amounts = frame["amount"].loc[keep]
    s = money_sum(amounts, pd.Series(pos[keep], index=amounts.index), what="collections of a case")
    return pd.Series(s.reindex(rows, fill_value=0).to_numpy(), dtype="Int64")


def _collection_positions(records: CaseRecords) -> np.ndarray:
    """Each collection's case position in ``records.cases`` (-1 for none), computed once:
    integer keys make the per-case sums cheap where grouping by string ids is not."""
    return records.cached("collection_positions", lambda: positions(collections_of(records)["case_id"],
                                                                    records.cases["case_id"]))


def collections_of(records: CaseRecords) -> pd.DataFrame:
    """:func:`collections` of ``records.events``, computed once per records."""
    return records.cached("collections", lambda: collections(records.events))


def classification_events(events: pd.DataFrame) -> pd.DataFrame:
    """The ``classified_*`` events in date order: case_id, event_date, event_type."""
    cls = events.loc[member(events["event_type"], ["classified_with", "classified_without"]),
                     ["case_id", "event_date", "event_type"]]
    return cls.sort_values("event_date", kind="stable")


def classification_at(cases: pd.DataFrame, events: pd.DataFrame, day: dt.date, *,
                      classified: pd.DataFrame | None = None) -> pd.Series:
    """Each case's classification on ``day``: its latest ``classified_*`` event on or
    before that day, else the ``condition`` column. Indexed like ``cases``.

    ``classified`` is :func:`classification_events` of ``events`` when the caller
    already has it (several days over the same records)."""
    cls = classification_events(events) if classified is None else classified
    latest = cls.loc[cls["event_date"] <= _ts(day)].drop_duplicates("case_id", keep="last")
    by_case = latest.set_index("case_id")["event_type"].map(
        {"classified_with": "with_conditions", "classified_without": "without_conditions"})
    at = lookup(cases["case_id"], by_case)
    return at.fillna(cases["condition"]).astype("str")


def case_classification(records: CaseRecords, day: dt.date) -> pd.Series:
    """:func:`classification_at` for all of ``records.cases``, computed once per day."""
    return records.cached(("classification", day), lambda: _classification_on(records, day))


def _classification_on(records: CaseRecords, day: dt.date) -> pd.Series:
    """:func:`classification_at` by the cases' positions: the last classified_* event on or
    before ``day`` of each case, in the date-sorted events (integer keys, not string ids)."""
    cases = records.cases
    cls = _classified(records)
    pos = records.cached("classification_positions", lambda: positions(cls["case_id"], cases["case_id"]))
    upto = ((cls["event_date"] <= _ts(day)).to_numpy(dtype=bool)) & (pos >= 0)
    where, kinds = pos[upto], cls["event_type"].to_numpy()[upto]
    # The last occurrence of each position: the first in the reversed order.
    _, first = np.unique(where[::-1], return_index=True)
    last = len(where) - 1 - first
    values = np.full(len(cases), None, dtype=object)
    values[where[last]] = np.where(kinds[last] == "classified_with", "with_conditions", "without_conditions")
    at = pd.Series(values, index=cases.index, dtype="str")
    return at.fillna(cases["condition"]).astype("str")


def _classified(records: CaseRecords) -> pd.DataFrame:
    return records.cached("classification_events", lambda: classification_events(records.events))


def thads_metrics(records: CaseRecords, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The six reported metrics per unit for the period [start, end] (docs/rules.md).

    Returns one row per unit that has cases on the books, indexed by unit_id,
    with integer columns ``METRIC_COLUMNS`` and ``money_resolved_with_conditions``:
    the money resolved on cases with conditions only, the numerator of the money
    completion rate (money collected on a case classified without conditions is
    resolved money, but the rate's denominator does not hold that case).
    """
    cases = records.cases
    s, e = _ts(start), _ts(end)
    closed = cases["closed_date"]
    on_books = (cases["received_date"] <= e) & ~(closed < s)
    left_in_p = member(cases["status"], LEFT_BOOKS) & closed.between(s, e)
    rows = np.flatnonzero((on_books & ~left_in_p.fillna(False)).to_numpy(dtype=bool))
    books = cases.iloc[rows].reset_index(drop=True)

    col = collections_of(records)
    pos = _collection_positions(records)
    day = col["event_date"]
    before = _sum_by_case(col, pos, (day < s).to_numpy(dtype=bool), rows)
    within = _sum_by_case(col, pos, day.between(s, e).to_numpy(dtype=bool), rows)
    upto_end = _sum_by_case(col, pos, (day <= e).to_numpy(dtype=bool), rows)

    resolved = member(books["status"], RESOLVED) & books["closed_date"].between(s, e)
    # A case's classification depends on its own events only: that of every case, once per day.
    cls = pd.Series(case_classification(records, end).to_numpy()[rows])
    with_cond = resolved | (cls == "with_conditions")
    money_total = books["amount_due"].astype("Int64") - before
    terminated = (books["status"] == "terminated") & resolved
    remaining = (books["amount_due"].astype("Int64") - upto_end).clip(lower=0)
    money_resolved = within + remaining.where(terminated, 0)

    frame = pd.DataFrame({
        "cases_total": 1,
        "cases_with_conditions": with_cond.astype("int64"),
        "cases_resolved": resolved.astype("int64"),
        "money_total": money_total,
        "money_with_conditions": money_total.where(with_cond, 0),
        "money_resolved": money_resolved,
        "money_resolved_with_conditions": money_resolved.where(with_cond, 0),
    }, index=books.index)
    # Grouped by the units' codes (one factorisation, not one per column), named back after.
    codes, names = pd.factorize(books["unit_id"], sort=True)
    keys = pd.Series(codes, index=books.index)
    known = codes >= 0
    out = pd.DataFrame({c: money_sum(frame.loc[known, c], keys.loc[known], what=f"{c} of a unit")
                        for c in (*METRIC_COLUMNS, "money_resolved_with_conditions")})
    out.index = pd.Index(np.asarray(names)[out.index.to_numpy(dtype="int64")], dtype=books["unit_id"].dtype,
                         name="unit_id")
    return out.astype("Int64")


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    den_f = den.astype("float64")
    return (num.astype("float64") / den_f).where(den_f > 0)


def open_cases(cases: pd.DataFrame) -> pd.Series:
    """Cases still on the unit's books (not closed) — a boolean mask."""
    return cases["closed_date"].isna() & ~member(cases["status"], RESOLVED + LEFT_BOOKS)


def unit_kpis(records: CaseRecords, start: dt.date, end: dt.date) -> pd.DataFrame:
    """One row per unit with cases: the THADS metrics for the period, completion rates
    by cases and by money, and workload figures."""
    m = thads_metrics(records, start, end)
    cases = records.cases
    books_cls = case_classification(records, end)
    e = _ts(end)
    on_books_open = (cases["received_date"] <= e) & ~(cases["closed_date"] <= e)
    without = cases.loc[on_books_open & (books_cls == "without_conditions")].groupby("unit_id").size()
    still_open = cases.loc[open_cases(cases)].groupby("unit_id").size()
    resolved = cases.loc[member(cases["status"], RESOLVED) & cases["closed_date"].between(_ts(start), e)]
    days = (resolved["closed_date"] - resolved["received_date"]).dt.days
    median_days = days.groupby(resolved["unit_id"]).median()
    n_exec = records.executors.groupby("unit_id")["executor_id"].nunique()
    return kpi_frame(m, records.units, start, end, without=without, still_open=still_open,
                     executors=n_exec, median_days=median_days)


def kpi_frame(m: pd.DataFrame, units: pd.DataFrame, start: dt.date, end: dt.date, *, without: pd.Series,
              still_open: pd.Series, executors: pd.Series, median_days: pd.Series) -> pd.DataFrame:
    """The frame :func:`unit_kpis` returns, from :func:`thads_metrics`' ``m`` and per-unit
    counts (indexed by unit_id): cases on the books without conditions at the period's
    end, cases still open, executors, and the median days to completion. Shared with the
    province's figures computed in SQL (:mod:`audit.province`)."""
    idx = m.index
    out = pd.DataFrame(index=idx)
    out["unit_name"] = units[["unit_id", "name"]].set_index("unit_id")["name"].reindex(idx)
    out["period_start"] = _ts(start)
    out["period_end"] = _ts(end)
    for c in (*METRIC_COLUMNS, "money_resolved_with_conditions"):
        out[c] = m[c]
    out["cases_rate"] = _rate(m["cases_resolved"], m["cases_with_conditions"])
    out["money_rate"] = _rate(m["money_resolved_with_conditions"], m["money_with_conditions"])
    out["cases_without_conditions"] = without.reindex(idx, fill_value=0).astype("Int64")
    out["open_cases"] = still_open.reindex(idx, fill_value=0).astype("Int64")
    out["executors"] = executors.reindex(idx, fill_value=0).astype("Int64")
    out["cases_per_executor"] = _rate(m["cases_total"], out["executors"])
    out["median_days_to_completion"] = median_days.reindex(idx).astype("float64")
    out = out.reset_index(names="unit_id")
    out["period_start"] = out["period_start"].astype("datetime64[s]")
    out["period_end"] = out["period_end"].astype("datetime64[s]")
    return out


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """Each month's last day within [start, end], and ``end`` itself."""
    ends = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="ME").date.tolist()
    if not ends or ends[-1] != end:
        ends.append(end)
    return ends


def with_rates(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` (summed metrics) with its completion rates by cases and by money (None without a
    denominator)."""
    # The money rate counts only what was resolved on cases with conditions (measures.thads_metrics).
    for prefix, numerator in (("cases", "cases_resolved"), ("money", "money_resolved_with_conditions")):
        den = row.get(f"{prefix}_with_conditions")
        num = row.get(numerator)
        if num is None or not den or pd.isna(den):
            row[f"{prefix}_rate"] = None
        else:
            row[f"{prefix}_rate"] = float(num) / float(den)
    return row


def monthly_rates(records: CaseRecords, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The cumulative completion rate by cases and by money at each month's end of the
    period (all units of ``records`` together): month_end, cases_rate, money_rate."""
    rows = []
    for month_end in month_ends(start, end):
        m = thads_metrics(records, start, month_end)
        rows.append(with_rates({"month_end": month_end} | {c: int(m[c].sum()) for c in m.columns}))
    return pd.DataFrame(rows, columns=["month_end", "cases_rate", "money_rate"])


def age_profile(records: CaseRecords, as_of: dt.date) -> pd.DataFrame:
    """Open cases by age since receipt on ``as_of``: unit_id, bucket, cases, money."""
    cases = records.cases.loc[open_cases(records.cases)]
    age = (_ts(as_of) - cases["received_date"]).dt.days
    bucket = pd.cut(age, _AGE_EDGES, labels=list(AGE_BUCKETS))
    col = collections_of(records)
    paid = money_sum(col["amount"], col["case_id"], what="collections of a case")
    money = (cases["amount_due"] - lookup(cases["case_id"], paid).fillna(0).astype("Int64")).clip(lower=0)
    frame = pd.DataFrame({"unit_id": cases["unit_id"], "bucket": bucket, "money": money})
    money_sum(frame["money"], frame["unit_id"], what="money owed in a unit")  # refuses an overflow
    out = (frame.groupby(["unit_id", "bucket"], observed=False)
           .agg(cases=("money", "size"), money=("money", "sum")).reset_index())
    out["bucket"] = out["bucket"].astype("str")
    out["cases"] = out["cases"].astype("Int64")
    out["money"] = out["money"].astype("Int64")
    return out


def executor_load(records: CaseRecords, as_of: dt.date, start: dt.date | None = None) -> pd.DataFrame:
    """Per executor: open cases, open with conditions, money still owed, and cases resolved
    since ``start`` (default: the start of the statistical year of ``as_of``)."""
    if start is None:
        start = dt.date(as_of.year if as_of.month >= 10 else as_of.year - 1, 10, 1)
    cases = records.cases
    is_open = open_cases(cases)
    col = collections_of(records)
    paid = money_sum(col["amount"], col["case_id"], what="collections of a case")
    owed = (cases["amount_due"] - lookup(cases["case_id"], paid).fillna(0).astype("Int64")).clip(lower=0)
    resolved = member(cases["status"], RESOLVED) & cases["closed_date"].between(_ts(start), _ts(as_of))
    frame = pd.DataFrame({
        "executor_id": cases["executor_id"],
        "open_cases": is_open.astype("int64"),
        "open_with_conditions": (is_open & (cases["condition"] == "with_conditions")).astype("int64"),
        "money_open": owed.where(is_open, 0),
        "resolved_in_period": resolved.astype("int64"),
    })
    frame = frame.dropna(subset=["executor_id"])
    money_sum(frame["money_open"], frame["executor_id"], what="money owed of an executor")
    agg = frame.groupby("executor_id").sum()
    ex = records.executors[["executor_id", "unit_id", "name"]].drop_duplicates("executor_id")
    ex = ex[member(ex["executor_id"], agg.index) | member(ex["unit_id"], cases["unit_id"])]
    out = ex.merge(agg, left_on="executor_id", right_index=True, how="left")
    for c in ("open_cases", "open_with_conditions", "money_open", "resolved_in_period"):
        out[c] = out[c].fillna(0).astype("Int64")
    return out[["unit_id", "executor_id", "name", "open_cases", "open_with_conditions",
                "money_open", "resolved_in_period"]].reset_index(drop=True)


COMPLAINT_COLUMNS = ("unit_id", "received", "first_round", "second_round", "resolved", "upheld",
                     "pending")


def complaint_counts(records: CaseRecords, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Complaints (contract 1.1 ``complaints``) per unit for the period [start, end].

    Columns ``COMPLAINT_COLUMNS``: complaints received in the period (and of them
    first-time and second-time ones), complaints resolved in the period (and of them
    upheld in whole or in part), and complaints pending at the period's end (received
    on or before it, not resolved by it). Whether a resolution was late is the
    DL-COMPLAINT rule's business (its findings carry the deadline). Units without
    complaints are left out; without a complaints table the frame is empty.
    """
    c = records.complaints
    if c.empty:
        return pd.DataFrame({k: pd.Series(dtype="str" if k == "unit_id" else "Int64") for k in COMPLAINT_COLUMNS})
    s, e = _ts(start), _ts(end)
    c = c.assign(unit_id=lookup(c["case_id"], records.cases.set_index("case_id")["unit_id"]))
    c = c.loc[c["unit_id"].notna()]
    received = c["received_date"].between(s, e)
    resolved = c["resolved_date"].between(s, e)
    frame = pd.DataFrame({
        "unit_id": c["unit_id"],
        "received": received,
        "first_round": received & (c["round"] == 1),
        "second_round": received & (c["round"] >= 2),
        "resolved": resolved,
        "upheld": resolved & c["outcome"].isin(["upheld", "partly_upheld"]),
        "pending": (c["received_date"] <= e) & ~(c["resolved_date"] <= e),
    }).fillna(False)
    out = frame.groupby("unit_id", sort=True)[list(COMPLAINT_COLUMNS[1:])].sum().astype("Int64")
    return out.reset_index()
