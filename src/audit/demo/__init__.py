"""A synthetic province of enforcement units with planted anomalies and their truth table.

``generate`` returns the contract tables (and ``truth``) as frames;
``write_demo_database`` writes them to a DuckDB file. Everything is vectorised
with numpy (loops run over units, rounds or years, never over cases) and seeded:
the same arguments give the same database. One province unit ``TINH`` (which
handles no cases itself) supervises ``KV01``… .

The records follow contract 1.1 and vary as real ones do: ``scheduled`` auction
rounds at the audit date, complaints in two rounds (some pending), detail rows
missing while their events exist (auctions, valuations, a decision date), bidder
rings of two to six members (some across units), stalled cases falling to
executors by chance, revaluations that only follow the legal price reductions,
and a few amounts of tens of thousands of billions of VND. The audit date (the
end of the span) can be moved (``as_of``); the span moves with it.

Normal records keep every legal deadline with room to spare and trigger no
rule; each planted anomaly (about 1% of a unit's cases per case-level rule,
2.5% of assets per asset rule, one unit in fifty for unit-level rules) triggers
its rule and nothing else. Near misses sit on the edge of a rule (a deadline met
on its last day) and must trigger nothing. The truth table lists every finding a
correct implementation must produce (``expect`` = ``finding``) and every near
miss (``none``), with the rule's kind, including what normal records meet by
nature:

* ST-BACKLOG (open case with conditions, decision over a year old) — an
  indicator every real unit meets: every such case is listed.
* MC-PERIOD-END, unit part — listed for any unit whose September
  reclassifications to "without conditions" number five or more and three
  times its average month; normal reclassifications avoid September, so only
  the planted units qualify.
* MC-MODEL — the planted pattern only: recent cases without conditions, part
  paid, whose verification found no flagged asset but assets worth several
  times the debt. Cases whose verification set a flag are MC-ASSETS-FOUND's.

Peer comparisons stay quiet by construction: a unit's mix of courses comes from
evenly spread (low-discrepancy) uniforms, executors are dealt cases to even out
counts and money, firms take a unit's work in turn, bidders come from a pool far
larger than the bids. Rule interpretations the truth follows: "open" means not
closed (postponed and suspended count) except for ST-* and WL-STALLED-SHARE,
which take status ``open``; deadlines in days are met on the last day; months
are calendar months.

Modules: :mod:`.cases` (who the cases are), :mod:`.anomalies` (which cases and
units carry an anomaly; codes in :mod:`.plants`), :mod:`.timeline` (key dates),
:mod:`.life` (events and verifications), :mod:`.assets` and :mod:`.market`
(seizure to sale), :mod:`.complaints`, :mod:`.staff` (executors), :mod:`.stats`
(reported statistics), :mod:`.quality` (bad rows), :mod:`.truth`, :mod:`.frames`
(contract-shaped frames), :mod:`.write` (DuckDB).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .build import TABLE_ORDER, build
from .stats import recompute_metrics, statistical_years
from .write import write_duckdb

__all__ = ["DemoSummary", "generate", "write_demo_database", "recompute_metrics", "statistical_years",
           "TABLE_ORDER", "span"]

DEFAULT_START = dt.date(2022, 10, 1)
DEFAULT_END = dt.date(2026, 10, 15)


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`write_demo_database` wrote.

    Attributes
    ----------
    path : Path
        The DuckDB file.
    counts : dict of str -> int
        Rows per table (including ``truth``).
    seconds : float
        Wall time of generation and writing.
    """

    path: Path
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _check(units: int, cases_per_unit: int, start: dt.date, end: dt.date) -> None:
    if units < 1 or cases_per_unit < 1:
        raise ValueError("units and cases_per_unit must be at least 1")
    if (end - start).days < 30:
        raise ValueError(f"the span {start}..{end} is too short for a demo (at least 30 days)")


def span(as_of: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The span of receipts that ends on ``as_of`` (default: the demo's 2026-10-15), as long
    as the default one."""
    if as_of is None:
        return DEFAULT_START, DEFAULT_END
    return as_of - (DEFAULT_END - DEFAULT_START), as_of


def generate(units: int = 8, cases_per_unit: int = 1500, seed: int = 7, start: dt.date | None = None,
             end: dt.date | None = None, *, as_of: dt.date | None = None) -> dict[str, pd.DataFrame]:
    """Generate the demo tables without writing them.

    Parameters
    ----------
    units : int
        Regional units ``KV01``…; the province unit ``TINH`` comes on top.
    cases_per_unit : int
        Cases per regional unit (±10%); the province unit has a tenth.
    seed : int
        Seed of the random generator: the same arguments give the same tables.
    start, end : date
        Cases are received over [start, end]; ``end`` is the as-of date of the records.
    as_of : date, optional
        Instead of ``start`` and ``end``: the as-of date, the span of the default length
        ending on it.

    Returns
    -------
    dict of str -> DataFrame
        The contract tables (contract columns, ``str`` ids and codes, ``datetime64[s]``
        dates, ``Int64`` money and counts, ``boolean`` flags) and ``truth``.
    """
    d_start, d_end = span(as_of)
    start, end = start or d_start, end or d_end
    _check(units, cases_per_unit, start, end)
    return build(units, cases_per_unit, seed, start, end)


def write_demo_database(out: str | Path, units: int = 8, cases_per_unit: int = 1500, seed: int = 7,
                        start: dt.date | None = None, end: dt.date | None = None, *,
                        as_of: dt.date | None = None) -> DemoSummary:
    """Generate the demo tables and write them to a DuckDB file (replaced if it exists).

    Parameters
    ----------
    out : str or Path
        The DuckDB file to write; parent folders are created.
    units, cases_per_unit, seed, start, end, as_of
        As for :func:`generate`.

    Returns
    -------
    DemoSummary
    """
    began = time.perf_counter()
    frames = generate(units, cases_per_unit, seed, start, end, as_of=as_of)
    path = Path(out)
    counts = write_duckdb(frames, path)
    return DemoSummary(path=path, counts=counts, seconds=time.perf_counter() - began)
