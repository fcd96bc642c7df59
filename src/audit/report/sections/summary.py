"""The report's first screen: who and what was inspected, the completion rates
against the province and the year before, and the findings by category."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...contract import SEVERITIES
from ...i18n import fmt_date, fmt_int, fmt_money, fmt_pct, t
from ..conclusion.draft import source_name
from ..facts import distinct_money, findings_overview, owed_by_case, province_kpis, unit_kpi_row
from ._html import card, fmt_float, heading, label, missing, note, table_html
from .outline import nav_html, title_of
from .split import selection_of

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["summary_html", "STYLE"]

STYLE = Path(__file__).resolve().parents[1].joinpath("report.css").read_text(encoding="utf-8")


def _unit_name(result: UnitAudit, unit_id: Any) -> str:
    units = result.records.units
    match = units.loc[units["unit_id"] == unit_id, "name"]
    return str(match.iloc[0]) if not match.empty and not missing(match.iloc[0]) else str(unit_id)


def _meta(result: UnitAudit) -> str:
    lang, unit, rec = result.lang, result.unit, result.records
    rows = [(t("report.header.unit", lang),
             escape(f"{unit.get('name')} ({unit.get('unit_id')}) — {label('level', unit.get('level'), lang)}"))]
    parent = unit.get("parent_id")
    if not missing(parent) and parent:
        rows.append((t("report.header.parent", lang), escape(_unit_name(result, parent))))
    period = escape(t("report.header.period_value", lang, start=fmt_date(result.period_start, lang),
                      end=fmt_date(result.period_end, lang)))
    if result.period is not None and result.period.unusual:  # said wherever the period is shown
        note = t(f"conclusion.period_note.{result.period.kind}", lang, days=fmt_int(result.period.days, lang),
                 year=result.period.statistical_year)
        period += f'<br><span class="caution">{escape(note)}</span>'
    rows += [
        (t("report.header.period", lang), period),
        (t("report.header.as_of", lang), escape(fmt_date(result.as_of, lang))),
        (t("report.header.scope", lang),
         escape(t("report.header.scope_value", lang, cases=fmt_int(len(rec.cases), lang),
                  rules=fmt_int(len(result.timings), lang)))),
        (t("report.header.source", lang), f"<code>{escape(source_name(rec.source))}</code>"),
        (t("report.header.fingerprint", lang), f"<code>{escape(rec.fingerprint[:16])}</code>"),
    ]
    items = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<dl class="meta">{items}</dl>'


def _points(unit: Any, other: Any, lang: str) -> str:
    """The unit's rate less another, in percentage points, signed."""
    if unit is None or other is None or missing(unit) or missing(other):
        return ""
    diff = (float(unit) - float(other)) * 100
    text = t("report.compare.points", lang, n=("+" if diff >= 0 else "−") + fmt_float(abs(diff), lang, 2))
    return f'<span class="delta {"up" if diff >= 0 else "down"}">{escape(text)}</span>'


def _comparison(result: UnitAudit) -> str:
    lang = result.lang
    unit = unit_kpi_row(result.kpis, result.unit.get("unit_id"))
    prov = province_kpis(result)
    prev = unit_kpi_row(result.previous_kpis, result.unit.get("unit_id"))
    cols = [(unit, t("report.compare.unit", lang)),
            (prov, t("report.compare.province", lang, n=fmt_int(prov.get("units"), lang))
             if prov else t("report.compare.province_none", lang)),
            (prev, t("report.compare.previous", lang))]
    head = "".join(f'<th class="num">{escape(h)}</th>' for _, h in cols)
    body = []
    for prefix in ("cases", "money"):
        cells = [f"<td class=\"num\"><strong>{escape(fmt_pct(unit.get(f'{prefix}_rate'), lang))}</strong></td>"]
        for other, _ in cols[1:]:
            value = other.get(f"{prefix}_rate") if other else None
            cells.append(f'<td class="num">{escape(fmt_pct(value, lang))}'
                         f"{_points(unit.get(f'{prefix}_rate'), value, lang)}</td>")
        body.append(f"<tr><th>{escape(t(f'report.compare.rate_{prefix}', lang))}</th>{''.join(cells)}</tr>")
        details = ([("cases", "detail_cases", fmt_int)] if prefix == "cases" else
                   [("money_resolved", "detail_money_resolved", fmt_money),
                    ("money_with_conditions", "detail_money_with", fmt_money)])
        for column, key, fmt in details:
            if column == "cases":
                cells = [f'<td class="num">{escape(fmt_int(k.get("cases_resolved"), lang))} / '
                         f'{escape(fmt_int(k.get("cases_with_conditions"), lang))}</td>' if k
                         else '<td class="num">—</td>' for k, _ in cols]
            else:
                cells = [f'<td class="num">{escape(fmt(k.get(column), lang))}</td>' if k
                         else '<td class="num">—</td>' for k, _ in cols]
            body.append(f'<tr class="detail"><th>{escape(t(f"report.compare.{key}", lang))}</th>'
                        f"{''.join(cells)}</tr>")
    return (f'<table class="data compare"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>'
            + note(t("report.compare.note", lang)))


def _findings(result: UnitAudit) -> str:
    lang, f = result.lang, result.findings
    n = len(f)
    cases = f["case_id"].dropna().unique()
    owed = int(owed_by_case(result.records).reindex(cases).fillna(0).sum())
    sel = selection_of(result)
    stated = sel.violations
    # The same figures as the conclusion: cases, not rows; only the unit's own money.
    cards = "".join([
        card(t("report.summary.violations", lang), fmt_int(stated["subject"].nunique() if len(stated) else 0, lang),
             extra="alert"),
        card(t("report.summary.before", lang), fmt_int(sel.before["subject"].nunique() if len(sel.before) else 0,
                                                      lang)),
        card(t("report.summary.indicators", lang),
             fmt_int(sel.indicators["subject"].nunique() if len(sel.indicators) else 0, lang)),
        card(t("report.summary.money_violations", lang),
             fmt_money(int(stated["amount"].dropna().sum()) if len(stated) else 0, lang)),
        card(t("report.summary.findings", lang), fmt_int(n, lang)),
    ])
    out = [f'<div class="cards five" data-findings-total="{n}">{cards}</div>']
    if n == 0:
        return "".join(out) + note(t("report.findings.none", lang))
    table = findings_overview(result)
    table["label"] = [f'<a href="#cat-{c}">{escape(label("category", c, lang))}</a>'
                      if c != "data_quality" else
                      f'<a href="#data-quality">{escape(label("category", c, lang))}</a>'
                      for c in table["category"]]
    cols = [("label", t("report.findings.category", lang), "html")]
    cols += [(s, label("severity", s, lang), "int") for s in SEVERITIES]
    cols += [("total", t("report.findings.total", lang), "int"),
             ("cases", t("report.summary.col_cases", lang), "int"),
             ("money_owed", t("report.summary.col_owed", lang), "money"),
             ("money_named", t("report.summary.col_named", lang), "money")]
    total: dict[str, Any] = {"label": escape(t("report.findings.total", lang))}
    total |= {c: int(table[c].sum()) for c in (*SEVERITIES, "total")}
    total |= {"cases": len(cases), "money_owed": owed, "money_named": distinct_money(f)}
    out += [f"<h3>{escape(t('report.summary.by_category', lang))}</h3>",
            table_html(table, cols, lang, total=total, klass="data overview"),
            note(t("report.summary.money_note", lang))]
    return "".join(out)


def summary_html(result: UnitAudit) -> str:
    """Title, navigation and the one-screen summary; also carries the stylesheet."""
    lang = result.lang
    return (f"<style>{STYLE}</style>"
            f'<header class="title"><h1>{escape(t("report.title", lang))}</h1>'
            f'<p class="subtitle">{escape(str(result.unit.get("name") or result.unit.get("unit_id")))}</p>'
            f"</header>{nav_html(result)}"
            f"{heading('summary', title_of(result, 'summary'))}"
            f'<div class="summary-grid"><div>{_meta(result)}</div><div>{_comparison(result)}</div></div>'
            f"{_findings(result)}")
