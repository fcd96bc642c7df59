"""The typed, validated case records of one source (or one unit of it).

``CaseRecords`` is what every measure and rule reads. Its frames follow the
contract's columns exactly, with these dtypes: identifiers and codes pandas
``str``; dates ``datetime64[s]`` at midnight (``NaT`` when missing); money and
counts ``Int64`` (whole VND, never float); flags ``boolean``; ``area_m2``
``float64``. Every frame also carries ``source_row``: the row number in the
source (the spreadsheet line for CSV and Excel, counting the header as line 1;
the 1-based position for Parquet and SQL), so findings can point back to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

import pandas as pd

from ._frames import member
from .contract import TABLES

__all__ = ["CaseRecords", "empty_frame", "DTYPES", "ISSUE_COLUMNS", "COUNT_COLUMNS"]

T = TypeVar("T")

DTYPES = {
    "str": "str",
    "date": "datetime64[s]",
    "money": "Int64",
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
}

# One row per problem found while validating: the data-quality rules read these.
ISSUE_COLUMNS = (
    "rule_id", "table", "row", "column", "value", "reason", "entity_id", "case_id", "unit_id",
)
# One row per table: nothing read is lost (read = audited + rejected).
COUNT_COLUMNS = ("table", "rows_read", "rows_audited", "rows_rejected")


def empty_frame(table: str) -> pd.DataFrame:
    """A zero-row frame with the table's contract columns and dtypes."""
    cols = {c.name: pd.Series(dtype=DTYPES[c.kind]) for c in TABLES[table].columns}
    cols["source_row"] = pd.Series(dtype="int64")
    return pd.DataFrame(cols)


def _empty_issues() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else "str") for c in ISSUE_COLUMNS})


@dataclass(frozen=True)
class CaseRecords:
    """Validated contract-v1 tables plus what validation found.

    Attributes
    ----------
    tables : dict of table name -> DataFrame
        Every contract table; absent optional tables are empty frames.
    present : frozenset of str
        The tables the source actually had.
    issues : DataFrame
        Problems found by validation (``ISSUE_COLUMNS``).
    counts : DataFrame
        Rows read, audited and rejected per table (``COUNT_COLUMNS``).
    source : str
        A description of where the records came from (path or redacted URL).
    fingerprint : str
        SHA-256 over the rows read, identifying the exact input.
    """

    tables: dict[str, pd.DataFrame]
    present: frozenset[str] = frozenset()
    issues: pd.DataFrame = field(default_factory=_empty_issues)
    counts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COUNT_COLUMNS)))
    source: str = ""
    fingerprint: str = ""
    # Derived series several rules share (each case's classification on a day, its
    # last action, ...), computed once per records object. Never mutate what it holds.
    _cache: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def cached(self, key: object, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked for, the stored value after."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]  # type: ignore[return-value]

    def __getattr__(self, name: str) -> pd.DataFrame:
        # records.cases, records.events, ... read the tables dict.
        tables = object.__getattribute__(self, "tables")
        if name in TABLES:
            return tables.get(name, empty_frame(name))
        raise AttributeError(name)

    def has(self, table: str) -> bool:
        return table in self.present

    def unit_ids(self) -> list[str]:
        return sorted(self.tables["units"]["unit_id"].dropna().unique().tolist())

    def as_of(self, as_of: dt.date) -> CaseRecords:
        """The records as they stood on ``as_of``: later events are ignored."""
        day = pd.Timestamp(as_of)
        t = dict(self.tables)
        t["cases"] = t["cases"][t["cases"]["received_date"] <= day]
        t["events"] = t["events"][t["events"]["event_date"] <= day]
        t["verifications"] = t["verifications"][t["verifications"]["verification_date"] <= day]
        if "valuations" in t:
            t["valuations"] = t["valuations"][t["valuations"]["valuation_date"] <= day]
        if "auctions" in t:
            a = t["auctions"][t["auctions"]["contract_date"] <= day]
            # An auction held after as_of was still scheduled on as_of (contract 1.1).
            later = (a["auction_date"] > day) & a["outcome"].isin(["sold", "failed"])
            if later.any():
                a = a.copy()
                a.loc[later, "outcome"] = "scheduled"
                a.loc[later, ["winning_price", "winner_id"]] = pd.NA
            t["auctions"] = a
        if "complaints" in t:
            c = t["complaints"][t["complaints"]["received_date"] <= day]
            # A complaint resolved after as_of was still pending on as_of.
            later = c["resolved_date"] > day
            if later.any():
                c = c.copy()
                c.loc[later, "resolved_date"] = pd.NaT
                c.loc[later, "outcome"] = pd.NA
            t["complaints"] = c
        # A closure after as_of had not happened yet on as_of.
        cases = t["cases"]
        later = cases["closed_date"] > day
        if later.any():
            cases = cases.copy()
            cases.loc[later, "status"] = "open"
            cases.loc[later, "closed_date"] = pd.NaT
            t["cases"] = cases
        return replace(self, tables=t, _cache={})

    def for_unit(self, unit_id: str) -> CaseRecords:
        """Only one unit's cases and what hangs off them (units and executors are kept whole
        so peers remain available for comparison)."""
        return self.for_units([unit_id])

    def for_units(self, unit_ids: list[str]) -> CaseRecords:
        """Only these units' cases and what hangs off them (units and executors kept whole)."""
        t = dict(self.tables)
        cases = t["cases"][member(t["cases"]["unit_id"], unit_ids)]
        ids = cases["case_id"]
        t["cases"] = cases
        for name in ("events", "verifications", "assets", "complaints"):
            if name in t:
                t[name] = t[name][member(t[name]["case_id"], ids)]
        if "assets" in t:
            t["valuations"] = t["valuations"][member(t["valuations"]["asset_id"], t["assets"]["asset_id"])]
            t["auctions"] = t["auctions"][member(t["auctions"]["asset_id"], t["assets"]["asset_id"])]
            t["bids"] = t["bids"][member(t["bids"]["auction_id"], t["auctions"]["auction_id"])]
        t["reported_stats"] = t["reported_stats"][member(t["reported_stats"]["unit_id"], unit_ids)]
        issues = self.issues[self.issues["unit_id"].isna() | member(self.issues["unit_id"], unit_ids)]
        return replace(self, tables=t, issues=issues, _cache={})
