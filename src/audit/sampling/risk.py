"""Each unit's risk score for the unit draw, from its findings and its measures.

A component is a rate per unit (see :data:`audit.sampling.params.COMPONENTS`):

- ``stalled_share``: open cases with a *stalled* finding ÷ open cases;
- ``deadline_rate``: *deadline* findings on cases on the books in the window ÷ those cases;
- ``low_completion``: 1 − completion rate by cases over the window;
- ``completion_jump``: rise of that rate over the window before (a sudden
  improvement is the classic trace of cases moved to "without conditions");
- ``without_share``: cases without conditions ÷ cases on the books;
- ``valuation_auction``: *valuation* and *auction* findings up to the as-of date ÷ cases
  on the books.

Each is scaled to 0..1 by the highest value among the eligible units, then
weighted; the score plus a floor is the unit's size measure for the draw.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd

from .. import measures
from ..records import CaseRecords
from .params import COMPONENTS

__all__ = ["unit_measures", "risk_table", "rules_sha256"]

# Content-addressed: the same rows (fingerprint), day and rule settings give the same
# measures, so a draw and its verification in one process scan the records once.
_CACHE: OrderedDict[tuple[Any, ...], pd.DataFrame] = OrderedDict()
_CACHE_SIZE = 8


def rules_sha256(rule_params: str | None) -> tuple[str, Any]:
    """Hash of the rule settings in force (packs, defaults, an inspection's file) and the settings.

    Findings feed the risk score, so a change of rule thresholds changes the input.
    """
    from ..config import load_settings
    from ..rules.registry import all_rules
    from .params import params_sha256

    settings = load_settings(rule_params)
    return params_sha256(settings.effective([r.rule_id for r in all_rules()])), settings


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype("float64")
    return (num.astype("float64") / den).where(den > 0).fillna(0.0).clip(0.0, 1.0)


def _count(findings: pd.DataFrame, mask: pd.Series, index: pd.Index, distinct_cases: bool = False) -> pd.Series:
    f = findings.loc[mask & findings["unit_id"].notna()]
    counts = (f.groupby("unit_id")["case_id"].nunique() if distinct_cases
              else f.groupby("unit_id").size())
    return counts.reindex(index, fill_value=0).astype("float64")


def unit_measures(records: CaseRecords, as_of: dt.date, window_days: int,
                  rule_params: str | None = None, rules_hash: str = "") -> pd.DataFrame:
    """The raw risk components of every unit with cases on the books in the window.

    Parameters
    ----------
    records : CaseRecords
        Every unit's records (not yet cut at ``as_of``).
    as_of : date
    window_days : int
        The rolling window for rates; the completion-rate jump compares it with the one before.
    rule_params : str, optional
        An inspection's rule parameter file (thresholds of the rules that give findings).
    rules_hash : str
        Hash of the rule settings, part of the cache key.

    Returns
    -------
    DataFrame
        One row per unit: unit_id, name, level, cases_total, open_cases, and one column per
        component (raw values, rates in 0..1 except the per-case finding rates).
    """
    key = (records.fingerprint, as_of.isoformat(), window_days, rule_params, rules_hash)
    if records.fingerprint and key in _CACHE:
        return _CACHE[key].copy()
    from ..pipeline import scan_source

    scan = scan_source(records, as_of, params_file=rule_params)
    now = scan.records  # cut at as_of
    end = as_of
    start = end - dt.timedelta(days=window_days - 1)
    before_end = start - dt.timedelta(days=1)
    before_start = before_end - dt.timedelta(days=window_days - 1)
    cur = measures.unit_kpis(now, start, end).set_index("unit_id")
    prev = measures.unit_kpis(now, before_start, before_end).set_index("unit_id")
    units = now.units.set_index("unit_id")
    idx = cur.index[cur["cases_total"].fillna(0) > 0]
    cur = cur.loc[idx]
    # Stalled and deadline findings count for cases on the books in the window, like their
    # denominators. Valuation and auction findings are rare and take years to surface, so
    # every one up to the as-of date counts: an unexamined irregularity is a reason to go.
    cases = now.cases
    in_window = (cases["received_date"] <= pd.Timestamp(end)) & ~(cases["closed_date"] < pd.Timestamp(start))
    f = scan.findings
    cats = f["category"]
    flow = cats.isin(["stalled", "deadline"])
    f = f.loc[~flow | f["case_id"].isin(cases.loc[in_window, "case_id"])]
    cats = f["category"]
    rate_now = _rate(cur["cases_resolved"], cur["cases_with_conditions"])
    has_rate = cur["cases_with_conditions"].fillna(0) > 0
    prev_rate = prev.reindex(idx)
    rate_prev = (prev_rate["cases_resolved"].astype("float64")
                 / prev_rate["cases_with_conditions"].astype("float64")).where(
        prev_rate["cases_with_conditions"].fillna(0) > 0)
    total = cur["cases_total"].astype("float64")
    out = pd.DataFrame(index=idx)
    out["name"] = units["name"].reindex(idx).astype("str")
    out["level"] = units["level"].reindex(idx).astype("str")
    out["cases_total"] = cur["cases_total"].astype("int64")
    out["open_cases"] = cur["open_cases"].astype("int64")
    out["stalled_share"] = _rate(_count(f, cats == "stalled", idx, distinct_cases=True), cur["open_cases"])
    out["deadline_rate"] = _count(f, cats == "deadline", idx) / total
    out["low_completion"] = (1.0 - rate_now).where(has_rate, 0.0)
    out["completion_jump"] = (rate_now - rate_prev).where(has_rate).clip(lower=0.0).fillna(0.0)
    out["without_share"] = _rate(cur["cases_total"] - cur["cases_with_conditions"], cur["cases_total"])
    out["valuation_auction"] = _count(f, cats.isin(["valuation", "auction"]), idx) / total
    out = out.reset_index(names="unit_id").sort_values("unit_id", kind="stable").reset_index(drop=True)
    if records.fingerprint:
        _CACHE[key] = out.copy()
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return out


def risk_table(measured: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Scale, weight and sum the components of the eligible units.

    Parameters
    ----------
    measured : DataFrame
        From :func:`unit_measures`.
    params : dict
        The ``units`` section of the sampling parameters.

    Returns
    -------
    DataFrame
        The eligible units with, per component, ``<c>`` (raw), ``<c>_scaled`` (0..1) and
        ``<c>_points`` (weight × scaled); ``score`` (sum of points) and ``size``
        (floor + score), sorted by size, highest first.
    """
    t = measured.loc[measured["level"].isin(params["levels"])].copy()
    points = np.zeros(len(t))
    for c in COMPONENTS:
        top = float(t[c].max()) if len(t) else 0.0
        # Relative to the worst eligible unit: components on different scales become comparable.
        t[f"{c}_scaled"] = (t[c] / top) if top > 0 else 0.0
        t[f"{c}_points"] = params["weights"][c] * t[f"{c}_scaled"]
        points = points + t[f"{c}_points"].to_numpy()
    t["score"] = points
    t["size"] = params["floor"] + t["score"]
    t = t.sort_values(["size", "unit_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    t["rank"] = np.arange(1, len(t) + 1)
    return t
