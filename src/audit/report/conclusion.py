"""The draft inspection conclusion (kết luận kiểm tra), drafted from the findings.

:func:`draft_conclusion` lays the document out in the formal structure of a
kết luận kiểm tra — the unit and period inspected; scope and method; results by
area with counts, amounts and case numbers; the violations with their legal
basis and the executors responsible; recommendations with a remedy deadline —
as a list of blocks. :mod:`audit.report.documents` writes the blocks as
conclusion.md and conclusion.docx, which the inspection team then edits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from ..contract import CATEGORIES, SEVERITIES
from ..i18n import fmt_date, fmt_int, fmt_money, fmt_pct, t
from .facts import distinct_money, owed_by_case, province_kpis, unit_kpi_row
from .outputs import redact
from .sections._html import label, missing, rule_title
from .sections.categories import legal_bases

if TYPE_CHECKING:
    from ..pipeline import UnitAudit

__all__ = ["Block", "draft_conclusion", "remedy_deadline", "MAX_IDS"]

# Case numbers listed per rule in the conclusion; the rest are in findings.xlsx.
MAX_IDS = 30


@dataclass
class Block:
    """One piece of the document.

    ``kind`` is ``letterhead`` (``rows`` = left and right column lines), ``title``,
    ``heading`` (``level`` 1 for parts I–V, 2 for their points), ``para``,
    ``bullets`` (``items``), ``table`` (``header`` and ``rows``), ``signature``
    (``rows`` = left and right column lines) or ``note``.
    """

    kind: str
    text: str = ""
    level: int = 1
    items: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def remedy_deadline(as_of: dt.date, days: int) -> dt.date:
    """The day remedies are due: ``days`` calendar days after the audit date."""
    return as_of + dt.timedelta(days=days)


def _unit_name(result: UnitAudit, unit_id: object) -> str:
    units = result.records.units
    match = units.loc[units["unit_id"] == unit_id, "name"]
    return str(match.iloc[0]) if not match.empty and not missing(match.iloc[0]) else str(unit_id)


def _ids(values: pd.Series, key: str, lang: str) -> str:
    ids = list(dict.fromkeys(values.dropna().astype("str")))
    text = t(f"conclusion.results.{key}", lang, ids=", ".join(ids[:MAX_IDS]))
    if len(ids) > MAX_IDS:
        text += " " + t("conclusion.results.more", lang, n=fmt_int(len(ids) - MAX_IDS, lang))
    return text


def _subject_and_scope(result: UnitAudit, lang: str, parent: str, dispositions: dict[str, int] | None
                       ) -> list[Block]:
    unit, rec = result.unit, result.records
    d = {"start": fmt_date(result.period_start, lang), "end": fmt_date(result.period_end, lang),
         "as_of": fmt_date(result.as_of, lang)}
    subject = [t("conclusion.subject.unit", lang, unit=unit.get("name"), unit_id=unit.get("unit_id"),
                 level=label("level", unit.get("level"), lang).lower())]
    if parent:
        subject.append(t("conclusion.subject.parent", lang, parent=parent))
    subject += [t("conclusion.subject.period", lang, **d), t("conclusion.subject.as_of", lang, **d)]
    rows = ", ".join(t("conclusion.scope.rows_item", lang, n=fmt_int(r.rows_read, lang),
                       table=label("dq.tables", r.table, lang).lower())
                     for r in rec.counts.itertuples() if r.rows_read)
    scope = [t("conclusion.scope.source", lang, source=redact(rec.source), fingerprint=rec.fingerprint),
             t("conclusion.scope.rows", lang, rows=rows),
             t("conclusion.scope.selection", lang, cases=fmt_int(len(rec.cases), lang))]
    peers = [u for u in result.peer_units if u != unit.get("unit_id")]
    if peers:
        scope.append(t("conclusion.scope.peers", lang, n=fmt_int(len(peers), lang), units=", ".join(peers)))
    packs = "; ".join(t("report.method.pack_line", lang, law=p.law.get(lang, p.name),
                        date=fmt_date(p.effective_from, lang)) for p in result.settings.packs)
    scope.append(t("conclusion.scope.packs", lang, packs=packs))
    blocks = [Block("heading", t("conclusion.part.subject", lang)), Block("bullets", items=subject),
              Block("heading", t("conclusion.part.scope", lang)), Block("bullets", items=scope),
              Block("para", t("conclusion.scope.rules", lang, n=fmt_int(len(result.timings), lang))),
              Block("bullets", items=[f"{rid} — {rule_title(rid, lang)}" for rid in sorted(result.timings)])]
    if dispositions and (dispositions["dismissed"] or dispositions["confirmed"]):
        blocks.append(Block("para", t("conclusion.scope.dismissed", lang,
                                      n=fmt_int(dispositions["dismissed"], lang),
                                      confirmed=fmt_int(dispositions["confirmed"], lang))))
    return blocks


def _kpis(result: UnitAudit, lang: str) -> list[Block]:
    k = unit_kpi_row(result.kpis, result.unit.get("unit_id"))
    prov, prev = province_kpis(result), unit_kpi_row(result.previous_kpis, result.unit.get("unit_id"))
    text = t("conclusion.results.kpis_text", lang,
             cases_total=fmt_int(k.get("cases_total"), lang), money_total=fmt_money(k.get("money_total"), lang),
             cases_with=fmt_int(k.get("cases_with_conditions"), lang),
             money_with=fmt_money(k.get("money_with_conditions"), lang),
             cases_resolved=fmt_int(k.get("cases_resolved"), lang),
             money_resolved=fmt_money(k.get("money_resolved"), lang),
             cases_rate=fmt_pct(k.get("cases_rate"), lang), money_rate=fmt_pct(k.get("money_rate"), lang))
    header = [t("conclusion.results.indicator", lang), t("report.compare.unit", lang),
              t("report.compare.province", lang, n=fmt_int(prov.get("units"), lang)) if prov
              else t("report.compare.province_none", lang), t("report.compare.previous", lang)]
    rows = [[t(f"report.compare.rate_{p}", lang)] + [fmt_pct(x.get(f"{p}_rate"), lang) if x else "—"
                                                      for x in (k, prov, prev)] for p in ("cases", "money")]
    return [Block("heading", t("conclusion.results.kpis", lang), level=2), Block("para", text),
            Block("table", header=header, rows=rows)]


def _areas(result: UnitAudit, findings: pd.DataFrame, lang: str) -> list[Block]:
    blocks: list[Block] = []
    owed = owed_by_case(result.records)
    n = 1
    for cat in CATEGORIES:
        rows = findings[findings["category"] == cat]
        if rows.empty:
            continue
        n += 1
        cases = rows["case_id"].dropna().unique()
        sev = {s: fmt_int(int((rows["severity"] == s).sum()), lang) for s in SEVERITIES}
        blocks += [Block("heading", t("conclusion.results.area", lang, n=n, area=label("category", cat, lang)),
                         level=2),
                   Block("para", t("conclusion.results.area_text", lang, n=fmt_int(len(rows), lang), **sev,
                                   cases=fmt_int(len(cases), lang),
                                   owed=fmt_money(int(owed.reindex(cases).fillna(0).sum()), lang),
                                   named=fmt_money(distinct_money(rows), lang)))]
        items = []
        for rid, group in rows.groupby("rule_id", sort=True):
            with_case = group["case_id"].notna().all()
            subjects = _ids(group["case_id"] if with_case else group["entity_id"],
                            "cases_list" if with_case else "entities_list", lang)
            items.append(t("conclusion.results.rule_line", lang, title=rule_title(str(rid), lang), rule=rid,
                           n=fmt_int(len(group), lang), subjects=subjects))
        blocks.append(Block("bullets", items=items))
    if n == 1:
        blocks.append(Block("para", t("conclusion.results.none", lang)))
    return blocks


def _violations(result: UnitAudit, findings: pd.DataFrame, lang: str) -> list[Block]:
    names = result.records.executors.drop_duplicates("executor_id").set_index("executor_id")["name"]
    rows = []
    for rid, group in findings.groupby("rule_id", sort=True):
        bases = legal_bases(result, str(rid))
        ex = group["executor_id"].dropna().value_counts()
        who = ", ".join(t("conclusion.violations.executor_item", lang, name=f"{names.get(e, e)} ({e})",
                          n=fmt_int(c, lang)) for e, c in ex.items())
        rows.append([f"{rule_title(str(rid), lang)} ({rid})",
                     "; ".join(bases) if bases else t("conclusion.violations.no_basis", lang),
                     fmt_int(len(group), lang), who or "—"])
    header = [t(f"conclusion.violations.{c}", lang) for c in ("violation", "basis", "count", "executors")]
    per = findings.dropna(subset=["executor_id"]).groupby("executor_id").agg(
        total=("finding_id", "size"), high=("severity", lambda s: int((s == "high").sum())))
    per = per.sort_values(["total", "high"], ascending=False, kind="stable")
    ex_rows = [[f"{names.get(e, e)} ({e})", fmt_int(r.total, lang), fmt_int(r.high, lang)]
               for e, r in per.iterrows()]
    blocks = [Block("heading", t("conclusion.part.violations", lang))]
    if not rows:
        return blocks + [Block("para", t("conclusion.results.none", lang))]
    blocks += [Block("para", t("conclusion.violations.intro", lang)), Block("table", header=header, rows=rows),
               Block("para", t("conclusion.violations.responsibility", lang, unit=result.unit.get("name")))]
    if ex_rows:
        blocks += [Block("para", t("conclusion.violations.executors_table", lang)),
                   Block("table", header=[t(f"conclusion.violations.{c}", lang)
                                          for c in ("executor", "total", "high")], rows=ex_rows)]
    return blocks


def draft_conclusion(result: UnitAudit, findings: pd.DataFrame, *, remedy_days: int = 30,
                     dispositions: dict[str, int] | None = None) -> list[Block]:
    """The conclusion's blocks, from ``findings`` (the run's, less the dismissed ones).

    Parameters
    ----------
    result : UnitAudit
    findings : DataFrame
        The findings the conclusion states (see :func:`audit.report.dispositions.split_findings`).
    remedy_days : int
        Days after the audit date by which the unit remedies and reports.
    dispositions : dict, optional
        Counts of confirmed and dismissed findings, stated in the scope.
    """
    from .. import __version__

    lang, unit = result.lang, result.unit
    parent_id = unit.get("parent_id")
    parent = _unit_name(result, parent_id) if not missing(parent_id) and parent_id else ""
    deadline = fmt_date(remedy_deadline(result.as_of, remedy_days), lang)
    d = {"unit": unit.get("name"), "start": fmt_date(result.period_start, lang),
         "end": fmt_date(result.period_end, lang), "as_of": fmt_date(result.as_of, lang)}
    body = (parent.upper() if parent else t("conclusion.body_fallback", lang))
    blocks = [
        Block("letterhead", rows=[[body, t("conclusion.team", lang), t("conclusion.number", lang)],
                                  [t("conclusion.nation", lang), t("conclusion.motto", lang),
                                   t("conclusion.place_date", lang)]]),
        Block("title", t("conclusion.title", lang)),
        Block("title", t("conclusion.subtitle", lang, unit=unit.get("name")), level=2),
        Block("title", t("conclusion.draft", lang), level=3),
        Block("para", t("conclusion.intro", lang, **d)),
    ]
    blocks += _subject_and_scope(result, lang, parent, dispositions)
    blocks += [Block("heading", t("conclusion.part.results", lang))]
    blocks += _kpis(result, lang) + _areas(result, findings, lang)
    blocks += _violations(result, findings, lang)
    cats = [c for c in CATEGORIES if (findings["category"] == c).any()]
    items = [t(f"conclusion.recommend.{c}", lang) for c in cats]
    items += [t("conclusion.recommend.accountability", lang)] if cats else [t("conclusion.recommend.none", lang)]
    items.append(t("conclusion.recommend.deadline_line", lang, deadline=deadline,
                   parent=parent or t("conclusion.team", lang).capitalize()))
    blocks += [Block("heading", t("conclusion.part.recommendations", lang)),
               Block("para", t("conclusion.recommend.intro", lang, unit=unit.get("name"))),
               Block("numbered", items=items)]
    recipients = [t("conclusion.sign.recipients", lang), t("conclusion.sign.recipient_unit", lang, unit=unit.get("name"))]
    if parent:
        recipients.append(t("conclusion.sign.recipient_parent", lang, parent=parent))
    recipients.append(t("conclusion.sign.archive", lang))
    blocks += [Block("signature", rows=[recipients, [t("conclusion.sign.head", lang), t("conclusion.sign.signature", lang)]]),
               Block("note", t("conclusion.footer", lang, version=__version__, date=fmt_date(dt.date.today(), lang)))]
    return blocks
