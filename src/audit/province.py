"""The province a unit is compared with, as aggregates.

A unit's report compares it with its peers (the units under the same parent):
every peer's KPIs for the period, the province's completion rates at each
month's end, and each peer's open cases with and without conditions on the
audit date (MC-UNIT-SHARE). These need the peers' cases and events, which in a
national store are millions of rows. From a store they are computed in SQL by
DuckDB over the peers' rows (:func:`audit.io.province_sql.province_from_store`),
so that a unit's run never parses the province's events; from any other
source, from the peers' records in memory (:func:`province_from_records`). Both
give the same figures (tests/test_province.py holds them equal on the demo data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from . import measures
from .records import CaseRecords

__all__ = ["Province", "province_from_records", "open_without"]


@dataclass(frozen=True)
class Province:
    """What a unit is compared with.

    Attributes
    ----------
    unit_ids : list of str
        The peers, the audited unit among them.
    kpis : DataFrame
        :func:`audit.measures.unit_kpis` of every peer for the period.
    monthly : DataFrame
        The peers' cumulative completion rates at each month's end of the period
        (month_end, cases_rate, money_rate), as :func:`audit.measures.monthly_rates`.
    open_without : DataFrame
        Per peer unit (index unit_id): its open cases and, of them, those classified
        without conditions on the audit date (:func:`open_without`).
    """

    unit_ids: list[str]
    kpis: pd.DataFrame
    monthly: pd.DataFrame
    open_without: pd.DataFrame


def open_without(records: CaseRecords, day: dt.date) -> pd.DataFrame:
    """Per unit (index unit_id): open cases and, of them, those classified without
    conditions on ``day`` (columns open, without)."""
    is_open = measures.open_cases(records.cases)
    cls = measures.case_classification(records, day)
    frame = pd.DataFrame({"unit_id": records.cases["unit_id"], "open": is_open,
                          "without": is_open & (cls == "without_conditions")})
    return frame.groupby("unit_id")[["open", "without"]].sum().astype("int64")


def province_from_records(population: CaseRecords, unit_ids: list[str], start: dt.date, end: dt.date,
                          as_of: dt.date) -> Province:
    """The province's figures from the peers' records (already cut at ``as_of``)."""
    return Province(list(unit_ids), measures.unit_kpis(population, start, end),
                    measures.monthly_rates(population, start, end), open_without(population, as_of))
