"""The six THADS metrics recomputed from case records (docs/rules.md, "Recomputed metrics"),
and the reported statistics of the demo units.

For period P = [period_start, period_end]:

* on the books: received on or before period_end and not closed before
  period_start, leaving out cases entrusted or returned within P;
* cases_total: on the books; cases_resolved: on the books, completed or
  terminated, closed within P;
* cases_with_conditions: resolved ones, plus the others whose classification
  at period_end (the latest ``classified_*`` event on or before it, else the
  ``condition`` column) is with conditions;
* money_total: Σ (amount_due − collections before period_start) on the books;
  money_resolved: Σ collections within P (of cases on the books), plus for
  cases terminated within P what remained uncollected at period_end;
  money_with_conditions: the money_total of the cases with conditions.

Normal units report exactly these numbers; RC-REPORTED units report one of
them altered.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..contract import METRICS

RESOLVED_STATUS = ("completed", "terminated")
LEFT_STATUS = ("entrusted", "returned")


def statistical_years(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Every complete statistical year (1 October – 30 September) inside [start, end]."""
    first = start.year if start <= dt.date(start.year, 10, 1) else start.year + 1
    return [(dt.date(y, 10, 1), dt.date(y + 1, 9, 30)) for y in range(first, end.year + 1)
            if dt.date(y + 1, 9, 30) <= end]


def _sum_by(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, "int64")
    np.add.at(out, keys, values)
    return out


class _Records:
    """The columns the metrics need, as numpy arrays, computed once for all periods."""

    def __init__(self, cases: pd.DataFrame, events: pd.DataFrame) -> None:
        self.unit = cases["unit_id"].to_numpy(dtype=object)
        self.received = cases["received_date"].to_numpy("datetime64[s]")
        self.closed = cases["closed_date"].to_numpy("datetime64[s]")
        self.resolved_status = cases["status"].isin(RESOLVED_STATUS).to_numpy()
        self.terminated = (cases["status"] == "terminated").to_numpy()
        self.left_status = cases["status"].isin(LEFT_STATUS).to_numpy()
        self.with_now = (cases["condition"] == "with_conditions").to_numpy()
        self.due = cases["amount_due"].to_numpy(dtype="float64", na_value=0).astype("int64")
        code = pd.Index(cases["case_id"]).get_indexer(events["case_id"])
        etype = events["event_type"]
        day = events["event_date"].to_numpy("datetime64[s]")
        cls = (etype.isin(("classified_with", "classified_without")).to_numpy()) & (code >= 0)
        order = np.lexsort((day[cls], code[cls]))
        self.cls_code, self.cls_day = code[cls][order], day[cls][order]
        self.cls_with = (etype[cls] == "classified_with").to_numpy()[order]
        col = (etype == "collection").to_numpy() & (code >= 0)
        self.col_code, self.col_day = code[col], day[col]
        self.col_amount = events["amount"].to_numpy(dtype="float64", na_value=0)[col].astype("int64")

    def metrics(self, period_start: dt.date, period_end: dt.date) -> pd.DataFrame:
        ps, pe = np.datetime64(period_start, "s"), np.datetime64(period_end, "s")
        closed = self.closed  # NaT compares False
        books = (self.received <= pe) & ~(closed < ps) & ~(self.left_status & (closed >= ps) & (closed <= pe))
        resolved = books & self.resolved_status & (closed >= ps) & (closed <= pe)
        # Classification at period_end: the latest classified_* event on or before it, else `condition`.
        upto = self.cls_day <= pe
        c_code, c_with = self.cls_code[upto], self.cls_with[upto]
        last = np.r_[c_code[1:] != c_code[:-1], True] if len(c_code) else np.array([], bool)
        with_at = self.with_now.copy()
        with_at[c_code[last]] = c_with[last]
        with_cond = books & (resolved | with_at)
        n = len(self.unit)
        before = _sum_by(self.col_code[self.col_day < ps], self.col_amount[self.col_day < ps], n)
        inside = (self.col_day >= ps) & (self.col_day <= pe)
        within = _sum_by(self.col_code[inside], self.col_amount[inside], n)
        upto_end = _sum_by(self.col_code[self.col_day <= pe], self.col_amount[self.col_day <= pe], n)
        money_total = self.due - before
        money_resolved = within + np.where(resolved & self.terminated, np.maximum(self.due - upto_end, 0), 0)
        frame = pd.DataFrame({
            "unit_id": self.unit[books],
            "cases_total": np.ones(int(books.sum()), "int64"),
            "cases_with_conditions": with_cond[books].astype("int64"),
            "cases_resolved": resolved[books].astype("int64"),
            "money_total": money_total[books],
            "money_with_conditions": np.where(with_cond, money_total, 0)[books],
            "money_resolved": money_resolved[books],
        })
        return frame.groupby("unit_id", sort=True)[list(METRICS)].sum().astype("int64")


def recompute_metrics(cases: pd.DataFrame, events: pd.DataFrame, period_start: dt.date,
                      period_end: dt.date) -> pd.DataFrame:
    """The six metrics per unit for one period, from contract-shaped frames.

    Parameters
    ----------
    cases, events : DataFrame
        Contract tables (``cases`` needs case_id, unit_id, received_date, closed_date, status,
        condition, amount_due; ``events`` needs case_id, event_date, event_type, amount).
    period_start, period_end : date

    Returns
    -------
    DataFrame
        Indexed by unit_id (units with cases on the books), one int64 column per metric.
    """
    return _Records(cases, events).metrics(period_start, period_end)


def reported_stats(cases: pd.DataFrame, events: pd.DataFrame, periods: list[tuple[dt.date, dt.date]]
                   ) -> pd.DataFrame:
    """What each unit reported: the recomputed metrics, one row per unit, period and metric."""
    parts = []
    records = _Records(cases, events)
    for ps, pe in periods:
        m = records.metrics(ps, pe).reset_index()
        long = m.melt(id_vars="unit_id", var_name="metric", value_name="value")
        parts.append(long.assign(period_start=pd.Timestamp(ps), period_end=pd.Timestamp(pe)))
    cols = ["unit_id", "period_start", "period_end", "metric", "value"]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            cols, ("str", "datetime64[s]", "datetime64[s]", "str", "int64"), strict=True)})
    out = pd.concat(parts, ignore_index=True)[cols]
    out["metric"] = pd.Categorical(out["metric"], categories=list(METRICS))
    out = out.sort_values(["unit_id", "period_start", "metric"], kind="stable").reset_index(drop=True)
    out["metric"] = out["metric"].astype("str")
    out["value"] = out["value"].astype("Int64")
    out["period_start"] = out["period_start"].astype("datetime64[s]")
    out["period_end"] = out["period_end"].astype("datetime64[s]")
    return out


_ALTER = (("cases_resolved", 1, 0.05, 3), ("money_resolved", 1, 0.08, 1_000_000),
          ("cases_with_conditions", -1, 0.05, 3), ("money_with_conditions", -1, 0.08, 1_000_000))


def alter_reports(rng: np.random.Generator, stats: pd.DataFrame, units: list[str]) -> pd.DataFrame:
    """RC-REPORTED: change one reported metric of one period for each of ``units`` (in place).
    Returns the truth rows (unit_id, note)."""
    rows = []
    for unit in units:
        mine = stats.index[stats["unit_id"] == unit]
        if len(mine) == 0:
            continue
        periods = stats.loc[mine, "period_start"].unique()
        period = periods[rng.integers(0, len(periods))]
        metric, sign, share, least = _ALTER[rng.integers(0, len(_ALTER))]
        row = stats.index[(stats["unit_id"] == unit) & (stats["period_start"] == period)
                          & (stats["metric"] == metric)][0]
        true = int(stats.at[row, "value"])
        step = max(least, int(round(abs(true) * share, -3 if least > 3 else 0)))
        stats.at[row, "value"] = true + sign * step
        rows.append({"unit_id": unit, "note": f"{metric} {pd.Timestamp(period).date()}.."
                     f"{pd.Timestamp(stats.at[row, 'period_end']).date()}: reported {true + sign * step}, "
                     f"records {true}"})
    return pd.DataFrame(rows, columns=["unit_id", "note"])
