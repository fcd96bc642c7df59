"""One unit audited, or every unit scanned: load → validate → measures → rules.

The notebook and the command line both call these two functions; neither
names a rule or a measure itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import measures
from .config import Settings
from .dates import as_date
from .errors import ParameterError
from .period import Period
from .province import Province
from .records import CaseRecords
from .register.followup import FollowUp
from .rules.context import RuleContext
from .rules.run import run_rules
from .runparams import RunParams, default_period

# as_date and default_period are re-exported: callers import them from here.
__all__ = ["UnitAudit", "ScanResult", "audit_unit", "scan_source", "default_period", "as_date", "peer_units",
           "year_before", "RunParams", "shape_findings"]


@dataclass
class UnitAudit:
    """Everything the unit notebook shows."""

    unit: dict[str, object]
    as_of: dt.date
    period_start: dt.date
    period_end: dt.date
    lang: str
    records: CaseRecords
    findings: pd.DataFrame
    kpis: pd.DataFrame
    age_profile: pd.DataFrame
    executor_load: pd.DataFrame
    settings: Settings
    timings: dict[str, float] = field(default_factory=dict)
    # Per rule: a model's quality, or why the rule stayed silent (see RuleContext.notes).
    notes: dict[str, dict[str, object]] = field(default_factory=dict)
    # The units the audited unit was compared with (its province), for peer-based rules.
    peer_units: list[str] = field(default_factory=list)
    # What the report compares the unit with: every peer unit's KPIs for the same period,
    # the unit's own KPIs for the same period a year earlier, and the peers' records (the
    # province's valuers, auction organisations and bidders: from a store only their assets,
    # valuations, auctions and bids with the cases holding them). None without peers.
    peer_kpis: pd.DataFrame | None = None
    previous_kpis: pd.DataFrame | None = None
    population: CaseRecords | None = None
    # The run's parameters (as_of, period, lang, seed, settings) as one object.
    run: RunParams | None = None
    # Complaints per unit for the period (contract 1.1; empty without a complaints table).
    complaints: pd.DataFrame | None = None
    # How the period was chosen (a whole statistical year, part of one, the default...).
    period: Period | None = None
    # The province's aggregates (peer KPIs, monthly completion rates, open cases without
    # conditions per unit); None without peers.
    province: Province | None = None
    # The earlier conclusion's follow-up and the register's figures, when the run had a
    # findings register (set by audit.report.write_outputs; audit.register.FollowUp).
    follow_up: FollowUp | None = None


@dataclass
class ScanResult:
    findings: pd.DataFrame
    kpis: pd.DataFrame
    records: CaseRecords
    timings: dict[str, float] = field(default_factory=dict)
    notes: dict[str, dict[str, object]] = field(default_factory=dict)


def shape_findings(findings: pd.DataFrame, records: CaseRecords) -> pd.DataFrame:
    """The rules' findings as reviewers read them: violations graded by how late and how
    much money (:mod:`audit.severity`), overlapping rules tied into one problem per
    entity (:mod:`audit.problems`)."""
    from .findings import concat_findings
    from .problems import assign_problems
    from .severity import grade, load_grading

    return assign_problems(concat_findings([grade(findings, records, load_grading())]))


def year_before(day: dt.date) -> dt.date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def peer_units(units: pd.DataFrame, unit_id: str) -> list[str]:
    """The audited unit and its siblings under the same parent (for a top unit: it and the
    units it supervises) — the peers that valuation, auction and share comparisons use."""
    parent = units.loc[units["unit_id"] == unit_id, "parent_id"].iloc[0]
    if pd.isna(parent):
        peers = units.loc[(units["parent_id"] == unit_id) | (units["unit_id"] == unit_id), "unit_id"]
    else:
        peers = units.loc[(units["parent_id"] == parent) | (units["unit_id"] == parent), "unit_id"]
    return sorted(set(peers.dropna()) | {unit_id})


def audit_unit(source: str | Path | CaseRecords, unit_id: str, as_of: object,
               period_start: object = None, period_end: object = None, lang: str = "vi",
               params_file: str | Path | None = None, peers: bool = True) -> UnitAudit:
    """Audit one unit: its KPIs for the period and every registered rule's findings.

    Parameters
    ----------
    source : path, URL or CaseRecords
        Where the case records live (see :func:`audit.io.load_records`).
    unit_id : str
        The unit to audit; only its rows are read where the source can filter.
    as_of : date or ISO string
        The audit date: later events are ignored.
    period_start, period_end : date or ISO string, optional
        The statistical period; by default the last complete statistical year before ``as_of``.
    lang : {"vi", "en"}
    params_file : path, optional
        An inspection's YAML overriding rule parameters.
    peers : bool
        Also read the unit's province (its parent's units) so that rules comparing the
        unit, its valuers, auction organisations and bidders with their peers can run.
    """
    from .io import records_reader, source_kind
    from .io.province_sql import province_from_store
    from .io.store import load_store
    from .province import province_from_records

    run = RunParams.build(as_of, period_start, period_end, lang, params_file)  # checked before any data is read
    as_of_d, start, end = run.as_of, run.period_start, run.period_end
    # A file source is read once, for the unit and its peers alike (records_reader).
    read = None
    if isinstance(source, CaseRecords):
        loaded = source
    else:
        read = records_reader(str(source))
        loaded = read(unit_id)
    units = loaded.units
    match = units[units["unit_id"] == unit_id]
    if match.empty:
        known = loaded.unit_ids()
        raise ParameterError(f"unit {unit_id!r} is not in the source (units: {', '.join(known[:10])}"
                             f"{'…' if len(known) > 10 else ''})")
    records = loaded.for_unit(unit_id).as_of(as_of_d)
    population = province = None
    peer_ids = peer_units(units, unit_id) if peers else [unit_id]
    if len(peer_ids) > 1:
        if read is not None and source_kind(str(source)) == "store":
            # The province's cases and events stay in the store: DuckDB aggregates them, and only
            # the assets the peer rules compare one by one are read.
            path = Path(str(source)).expanduser()
            population = load_store(path, peer_ids, assets_only=True).for_units(peer_ids).as_of(as_of_d)
            province = province_from_store(path, peer_ids, start, end, as_of_d)
        else:
            whole = loaded if read is None else read(peer_ids)
            population = whole.for_units(peer_ids).as_of(as_of_d)
            province = province_from_records(population, peer_ids, start, end, as_of_d)
    ctx = RuleContext(run, population, province=province)
    timings: dict[str, float] = {}
    findings = shape_findings(run_rules(records, ctx, timings=timings), records)
    return UnitAudit(
        unit=match.iloc[0][["unit_id", "name", "level", "parent_id"]].to_dict(),
        as_of=as_of_d, period_start=start, period_end=end, lang=run.lang, records=records,
        findings=findings,
        kpis=measures.unit_kpis(records, start, end),
        age_profile=measures.age_profile(records, as_of_d),
        executor_load=measures.executor_load(records, as_of_d),
        settings=run.settings, timings=timings, notes=ctx.notes, peer_units=peer_ids,
        peer_kpis=province.kpis if province is not None else None,
        previous_kpis=measures.unit_kpis(records, year_before(start), year_before(end)),
        population=population, run=run, complaints=measures.complaint_counts(records, start, end),
        period=run.period, province=province,
    )


def scan_source(source: str | Path | CaseRecords, as_of: object, period_start: object = None,
                period_end: object = None, lang: str = "vi",
                params_file: str | Path | None = None) -> ScanResult:
    """Every unit's KPIs and findings in one pass, without a notebook."""
    from .io import load_records

    run = RunParams.build(as_of, period_start, period_end, lang, params_file)
    ctx = RuleContext(run)
    records = source if isinstance(source, CaseRecords) else load_records(str(source))
    records = records.as_of(run.as_of)
    timings: dict[str, float] = {}
    findings = shape_findings(run_rules(records, ctx, timings=timings), records)
    return ScanResult(findings, measures.unit_kpis(records, run.period_start, run.period_end), records, timings,
                      ctx.notes)
