"""The province's figures (:class:`audit.province.Province`) computed by DuckDB in SQL
over a store's rows of the peer units.

The SQL restates :func:`audit.measures.thads_metrics`, :func:`audit.measures.unit_kpis`
and :func:`audit.measures.open_cases` exactly, on the cases as they stood on the audit
date (as :meth:`audit.records.CaseRecords.as_of` cuts them); tests/test_province.py holds
both equal on the demo data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from .. import measures
from ..errors import SourceError, ValidationError
from ..measures import METRIC_COLUMNS
from ..province import Province
from .store import _connect, _relation, verify_store

__all__ = ["province_from_store"]


def _classified_at(day_sql: str) -> str:
    """Each peer case's classification on a day: its latest classified_* event on or before
    it (``pcls`` keeps one per case and date), else its ``condition``."""
    return f"""
        SELECT c.cid, coalesce(CASE k.event_type WHEN 'classified_with' THEN 'with_conditions'
                                   WHEN 'classified_without' THEN 'without_conditions' END, c.condition) AS cls
        FROM pc c LEFT JOIN (
            SELECT cid, arg_max(event_type, event_date) AS event_type
            FROM pcls WHERE event_date <= {day_sql} GROUP BY cid) k
        ON k.cid = c.cid"""


def _day(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def _metrics_sql(start: dt.date, ends: list[dt.date]) -> str:
    """:func:`audit.measures.thads_metrics` for the periods [start, ends[k]]: one row per unit,
    one column per metric and period (``cases_total_3``...).

    Each case gets, in one pass over its events, its collections before ``start`` and up
    to each period's end (amounts are never negative: the running total's maximum is its
    latest value) and its latest classification by each end (days * 2 + 1 for "with
    conditions": the maximum is the latest, its parity the kind), one column per period;
    one grouped pass over the cases then sums every period at once (no case is repeated
    per period, which would hold millions of rows in memory)."""
    s = _day(start)
    upto = ", ".join(f"max(cum) FILTER (WHERE event_date <= {_day(e)}) AS u{k}" for k, e in enumerate(ends))
    latest = ", ".join(f"max(mark) FILTER (WHERE event_date <= {_day(e)}) AS c{k}" for k, e in enumerate(ends))
    flags, sums = [], []
    for k, e in enumerate(ends):
        day = _day(e)
        resolved = f"coalesce(status IN ('completed', 'terminated') AND closed_date BETWEEN {s} AND {day}, false)"
        paid = f"coalesce(u{k}, 0)"
        flags += [
            f"coalesce(received_date <= {day}, false) AND NOT coalesce(closed_date < {s}, false) AND NOT coalesce("
            f"status IN ('entrusted', 'returned') AND closed_date BETWEEN {s} AND {day}, false) AS b{k}",
            f"{resolved} AS r{k}",
            f"coalesce({resolved} OR coalesce(c{k} % 2 = 1, condition = 'with_conditions'), false) AS w{k}",
            f"{paid} - coalesce(before, 0) + CASE WHEN status = 'terminated' AND {resolved} "
            f"THEN CASE WHEN amount_due - {paid} < 0 THEN 0 ELSE amount_due - {paid} END ELSE 0 END AS m{k}",
        ]
        # summed as HUGEINT: a total beyond 64 bits fails the cast instead of wrapping
        sums += [
            f"sum(b{k}::INTEGER)::BIGINT AS cases_total_{k}",
            f"sum((b{k} AND w{k})::INTEGER)::BIGINT AS cases_with_conditions_{k}",
            f"sum((b{k} AND r{k})::INTEGER)::BIGINT AS cases_resolved_{k}",
            f"coalesce(sum(CASE WHEN b{k} THEN money_total END), 0)::BIGINT AS money_total_{k}",
            f"coalesce(sum(CASE WHEN b{k} AND w{k} THEN money_total END), 0)::BIGINT AS money_with_conditions_{k}",
            f"coalesce(sum(CASE WHEN b{k} THEN m{k} END), 0)::BIGINT AS money_resolved_{k}",
            f"coalesce(sum(CASE WHEN b{k} AND w{k} THEN m{k} END), 0)::BIGINT "
            f"AS money_resolved_with_conditions_{k}",
        ]
    return f"""
    WITH paid AS (
        SELECT cid, max(cum) FILTER (WHERE event_date < {s}) AS before, {upto} FROM pcol GROUP BY cid
    ), klass AS (
        SELECT cid, {latest} FROM (
            SELECT cid, event_date, (event_date - DATE '1970-01-01') * 2
                + CASE WHEN event_type = 'classified_with' THEN 1 ELSE 0 END AS mark FROM pcls)
        GROUP BY cid
    ), per_case AS (
        SELECT unit_id, amount_due - coalesce(before, 0) AS money_total, {', '.join(flags)}
        FROM pc LEFT JOIN paid USING (cid) LEFT JOIN klass USING (cid)
    )
    SELECT unit_id, {', '.join(sums)} FROM per_case GROUP BY unit_id ORDER BY unit_id"""


def _peer_tables(con: duckdb.DuckDBPyConnection, relation: dict[str, str], peers: list[str],
                 as_of: dt.date) -> None:
    """The peers' cases as they stood on ``as_of`` (``pc``: later receipts left out, later
    closures undone, as :meth:`CaseRecords.as_of` does), the running total of their
    collections up to ``as_of`` by date (``pcol``), and their classification on each date
    they were classified (``pcls``: of events of one date, the later row, as the records'
    stable sort by date keeps), as temporary tables."""
    # No progress bar on a terminal; under Jupyter DuckDB refuses the setting without ipywidgets.
    with contextlib.suppress(duckdb.Error):
        con.execute("SET enable_progress_bar = false")
    con.execute(f"""
        CREATE TEMP TABLE pc AS
        SELECT row_number() OVER () AS cid, case_id, unit_id, received_date, amount_due, condition,
               CASE WHEN closed_date > $day THEN NULL ELSE closed_date END AS closed_date,
               CASE WHEN closed_date > $day THEN 'open' ELSE status END AS status
        FROM {relation['cases']}
        WHERE list_contains($peers, _unit_id) AND list_contains($peers, unit_id) AND received_date <= $day""",
                {"peers": peers, "day": as_of})
    # Events keyed by the case's number in ``pc``: integer keys make the joins below cheap.
    events = f"""FROM {relation['events']} e JOIN pc ON e.case_id = pc.case_id
                 WHERE list_contains($peers, e._unit_id) AND e.event_date <= $day"""
    con.execute(f"""
        CREATE TEMP TABLE pcol AS
        SELECT cid, event_date, sum(sum(coalesce(e.amount, 0))) OVER (
                   PARTITION BY cid ORDER BY event_date) AS cum
        {events} AND e.event_type = 'collection' GROUP BY cid, event_date""",
                {"peers": peers, "day": as_of})
    con.execute(f"""
        CREATE TEMP TABLE pcls AS
        SELECT cid, event_date, arg_max(e.event_type, e.source_row) AS event_type
        {events} AND e.event_type IN ('classified_with', 'classified_without') GROUP BY cid, event_date""",
                {"peers": peers, "day": as_of})


def _metrics(con: duckdb.DuckDBPyConnection, start: dt.date, ends: list[dt.date]) -> pd.DataFrame:
    """Per period index k and unit with cases on the books: the metrics of :func:`_metrics_sql`."""
    try:
        wide = con.sql(_metrics_sql(start, ends)).df()
    except (duckdb.OutOfRangeException, duckdb.ConversionException) as exc:
        raise ValidationError("a money total of a unit does not fit a 64-bit integer: check the amounts in "
                              "the source") from exc
    columns = (*METRIC_COLUMNS, "money_resolved_with_conditions")
    parts = []
    for k in range(len(ends)):
        part = wide[["unit_id", *(f"{c}_{k}" for c in columns)]].set_axis(["unit_id", *columns], axis=1)
        parts.append(part.loc[part["cases_total"] > 0].assign(k=k))
    frame = pd.concat(parts, ignore_index=True)[["k", "unit_id", *columns]]
    return frame.astype({c: "Int64" for c in columns})


def _sql_kpis(con: duckdb.DuckDBPyConnection, relation: dict[str, str], m: pd.DataFrame,
              start: dt.date, end: dt.date) -> pd.DataFrame:
    """:func:`audit.measures.unit_kpis` from the period's metrics ``m`` and SQL counts."""
    m = m.drop(columns="k").set_index("unit_id").sort_index()
    counts = con.sql(f"""
        SELECT c.unit_id,
               count(*) FILTER (WHERE c.received_date <= $e AND NOT coalesce(c.closed_date <= $e, false)
                                AND k.cls = 'without_conditions') AS without,
               count(*) FILTER (WHERE c.closed_date IS NULL AND NOT coalesce(
                   c.status IN ('completed', 'terminated', 'entrusted', 'returned'), false)) AS still_open,
               median(c.closed_date - c.received_date) FILTER (WHERE c.status IN ('completed', 'terminated')
                   AND c.closed_date BETWEEN $s AND $e) AS median_days
        FROM pc c JOIN ({_classified_at('$e')}) k ON k.cid = c.cid
        GROUP BY c.unit_id""", params={"s": start, "e": end}).df().set_index("unit_id")
    executors = con.sql(f"SELECT unit_id, count(DISTINCT executor_id) AS n FROM {relation['executors']} "
                        "WHERE unit_id IS NOT NULL GROUP BY unit_id").df().set_index("unit_id")["n"]
    units = con.sql(f"SELECT unit_id, name FROM {relation['units']}").df().astype("str")
    return measures.kpi_frame(m, units, start, end, without=counts["without"], still_open=counts["still_open"],
                              executors=executors, median_days=counts["median_days"])


def _sql_open_without(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    frame = con.sql(f"""
        SELECT c.unit_id,
               count(*) FILTER (WHERE o) AS open,
               count(*) FILTER (WHERE o AND k.cls = 'without_conditions') AS without
        FROM (SELECT *, closed_date IS NULL AND NOT coalesce(
                  status IN ('completed', 'terminated', 'entrusted', 'returned'), false) AS o FROM pc) c
        JOIN ({_classified_at('$day')}) k ON k.cid = c.cid
        GROUP BY c.unit_id ORDER BY c.unit_id""", params={"day": as_of}).df()
    return frame.set_index("unit_id").astype("int64")


def province_from_store(path: str | Path, unit_ids: list[str], start: dt.date, end: dt.date,
                        as_of: dt.date) -> Province:
    """The province's figures computed by DuckDB over a store's rows of these units.

    Parameters
    ----------
    path : str or Path
        A store written by ``audit import`` (already verified by the caller's read).
    unit_ids : list of str
        The peers, the audited unit among them.
    start, end : date
        The period.
    as_of : date
        The audit date: later rows and closures count as they stood that day.

    Raises
    ------
    SourceError
        When the store cannot be read.
    """
    p = Path(path).expanduser()
    kind = verify_store(p)["kind"]
    relation = {t: _relation(kind, p, t) for t in ("units", "executors", "cases", "events")}
    peers = sorted(unit_ids)
    con = _connect(p, kind)
    try:
        _peer_tables(con, relation, peers, as_of)
        ends = measures.month_ends(start, end)
        metrics = _metrics(con, start, ends)
        rows = []
        for k, month_end in enumerate(ends):
            sums = metrics.loc[metrics["k"] == k]
            rows.append(measures.with_rates({"month_end": month_end} | {
                c: int(sums[c].sum()) for c in (*METRIC_COLUMNS, "money_resolved_with_conditions")}))
        monthly = pd.DataFrame(rows, columns=["month_end", "cases_rate", "money_rate"])
        # month_ends always ends on ``end``: its last period is the report's period.
        kpis = _sql_kpis(con, relation, metrics.loc[metrics["k"] == len(ends) - 1], start, end)
        shares = _sql_open_without(con, as_of)
    except duckdb.Error as exc:
        raise SourceError(f"cannot read the store: {str(exc).splitlines()[0]}", file=str(path)) from exc
    finally:
        con.close()
    return Province(peers, kpis, monthly, shares)
