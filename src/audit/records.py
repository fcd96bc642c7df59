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

__all__ = ["CaseRecords", "empty_frame", "DTYPES", "ISSUE_COLUMNS", "COUNT_COLUMNS", "AS_OF_DATE"]

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
# One row per table: nothing read is lost (read = audited + rejected + after the audit date).
COUNT_COLUMNS = ("table", "rows_read", "rows_audited", "rows_rejected", "rows_after_as_of")
# The date that places a row in time, per table: a row dated after the audit date had not
# happened on that date, so :meth:`CaseRecords.as_of` sets it aside and counts it.
AS_OF_DATE = {"cases": "received_date", "events": "event_date", "verifications": "verification_date",
              "valuations": "valuation_date", "auctions": "contract_date", "complaints": "received_date"}


def empty_frame(table: str) -> pd.DataFrame:
    """A zero-row frame with the table's contract columns and dtypes."""
    cols = {c.name: pd.Series(dtype=DTYPES[c.kind]) for c in TABLES[table].columns}
    cols["source_row"] = pd.Series(dtype="int64")
    return pd.DataFrame(cols)


def _empty_issues() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else "str") for c in ISSUE_COLUMNS})


def _set_aside(counts: pd.DataFrame, later: dict[str, int]) -> pd.DataFrame:
    """``counts`` with ``later[table]`` rows moved from audited to after the audit date."""
    if counts.empty or "table" not in counts:
        return counts
    out = counts.copy()
    if "rows_after_as_of" not in out:
        out["rows_after_as_of"] = 0
    moved = out["table"].map(later).fillna(0).astype("int64")
    out["rows_audited"] = out["rows_audited"].astype("int64") - moved
    out["rows_after_as_of"] = out["rows_after_as_of"].astype("int64") + moved
    return out


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
        Rows read, audited, rejected and set aside as dated after the audit date, per
        table (``COUNT_COLUMNS``): ``rows_read = rows_audited + rows_rejected +
        rows_after_as_of`` always holds.
    source : str
        A description of where the records came from (path or redacted URL).
    fingerprint : str
        SHA-256 over the rows read, identifying the exact input.
    files : dict of file name -> dict
        For file sources, the ``sha256`` and ``bytes`` of each file as parsed.
    """

    tables: dict[str, pd.DataFrame]
    present: frozenset[str] = frozenset()
    issues: pd.DataFrame = field(default_factory=_empty_issues)
    counts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COUNT_COLUMNS)))
    source: str = ""
    fingerprint: str = ""
    # File sources: each file's name -> sha256 and bytes of what was parsed.
    files: dict[str, dict[str, object]] = field(default_factory=dict)
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
        """The records as they stood on ``as_of``: later rows are set aside, and counted.

        A case received, an event, a verification, a valuation or an auction contract
        dated after ``as_of`` had not happened on that day (an export is often made
        later): the row is left out of the audit and counted in ``rows_after_as_of``,
        so that ``counts`` still adds up to the rows read.
        """
        day = pd.Timestamp(as_of)
        t = dict(self.tables)
        later: dict[str, int] = {}
        for name, column in AS_OF_DATE.items():
            if name not in t:
                continue
            keep = (t[name][column] <= day).to_numpy(dtype=bool)
            later[name] = int((~keep).sum())
            if later[name]:
                t[name] = t[name][keep]
        if "auctions" in t:
            a = t["auctions"]
            # An auction held after as_of was still scheduled on as_of (contract 1.1).
            held_later = (a["auction_date"] > day) & a["outcome"].isin(["sold", "failed"])
            if held_later.any():
                a = a.copy()
                a.loc[held_later, "outcome"] = "scheduled"
                a.loc[held_later, ["winning_price", "winner_id"]] = pd.NA
                t["auctions"] = a
        if "complaints" in t:
            c = t["complaints"]
            # A complaint resolved after as_of was still pending on as_of.
            resolved_later = c["resolved_date"] > day
            if resolved_later.any():
                c = c.copy()
                c.loc[resolved_later, "resolved_date"] = pd.NaT
                c.loc[resolved_later, "outcome"] = pd.NA
                t["complaints"] = c
        # A closure after as_of had not happened yet on as_of.
        cases = t["cases"]
        closed_later = cases["closed_date"] > day
        if closed_later.any():
            cases = cases.copy()
            cases.loc[closed_later, "status"] = "open"
            cases.loc[closed_later, "closed_date"] = pd.NaT
            t["cases"] = cases
        return replace(self, tables=t, counts=_set_aside(self.counts, later), _cache={})

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
