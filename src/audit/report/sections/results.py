"""Section 2: the enforcement results of the period, month by month, against the
province and the same months a year before."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ... import statistics
from ...i18n import fmt_int, fmt_money, fmt_pct, t
from ...pipeline import year_before
from .. import charts
from ..facts import monthly_rates, unit_kpi_row
from ._html import card, figure, fmt_float, heading, missing, note, pct_formatter
from .outline import title_of

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["results_html"]


def _cards(result: UnitAudit) -> str:
    lang, k = result.lang, unit_kpi_row(result.kpis, result.unit.get("unit_id"))
    parts = []
    for title, prefix, fmt in (("by_cases", "cases", fmt_int), ("by_money", "money", fmt_money)):
        cards = [card(t(f"report.kpi.{name}", lang), fmt(k.get(f"{prefix}_{name}"), lang),
                      t(f"report.kpi_meaning.{name}", lang))
                 for name in ("total", "with_conditions", "resolved")]
        cards.append(card(t("report.kpi.rate", lang), fmt_pct(k.get(f"{prefix}_rate"), lang),
                          t("report.kpi_meaning.rate", lang), extra="rate"))
        parts.append(f"<h3>{escape(t(f'report.kpi.{title}', lang))}</h3>"
                     f'<div class="cards">{"".join(cards)}</div>')
    median = k.get("median_days_to_completion")
    other = [
        card(t("report.kpi.without_conditions", lang), fmt_int(k.get("cases_without_conditions"), lang),
             t("report.kpi_meaning.without_conditions", lang)),
        card(t("report.kpi.open_cases", lang), fmt_int(k.get("open_cases"), lang),
             t("report.kpi_meaning.open_cases", lang)),
        card(t("report.kpi.cases_per_executor", lang), fmt_float(k.get("cases_per_executor"), lang),
             t("report.kpi.executors", lang, n=fmt_int(k.get("executors"), lang)) + " — "
             + t("report.kpi_meaning.cases_per_executor", lang)),
        card(t("report.kpi.median_days", lang),
             "—" if median is None or missing(median)
             else t("report.kpi.days", lang, n=fmt_int(round(float(median)), lang)),
             t("report.kpi_meaning.median_days", lang)),
    ]
    complaints = result.complaints
    if complaints is not None and (complaints["unit_id"] == result.unit.get("unit_id")).any():
        c = complaints.loc[complaints["unit_id"] == result.unit.get("unit_id")].iloc[0]
        other.append(card(t("report.kpi.complaints", lang),
                          " / ".join(fmt_int(c[k], lang) for k in ("received", "resolved", "pending")),
                          t("report.kpi_meaning.complaints", lang)))
    parts.append(f"<h3>{escape(t('report.kpi.other', lang))}</h3>"
                 f'<div class="cards">{"".join(other)}</div>' + note(t("report.kpi.rate_note", lang)))
    return "".join(parts)


def _monthly(result: UnitAudit) -> str:
    lang = result.lang
    start, end = result.period_start, result.period_end
    unit = monthly_rates(result.records, start, end)
    if unit.empty:
        return ""
    lines = {"unit": unit}
    if result.province is not None:
        lines["peer"] = result.province.monthly
    lines["previous"] = monthly_rates(result.records, year_before(start), year_before(end))
    fmt = "%m/%Y" if lang == "vi" else "%Y-%m"
    labels = [d.strftime(fmt) for d in unit["month_end"]]
    out = [f"<h3>{escape(t('report.results.monthly', lang))}</h3>", '<div class="row">']
    # each picture in its own flex item, so the two sit side by side on a wide page
    for measure in ("cases", "money"):
        series = []
        for kind, frame in lines.items():
            values = frame[f"{measure}_rate"].tolist()[: len(labels)]
            values += [None] * (len(labels) - len(values))
            series.append((t(f"report.results.line_{kind}", lang), values, kind))
        uri = charts.line_chart(labels, series, t(f"report.compare.rate_{measure}", lang),
                                pct_formatter(lang))
        out.append("<div>" + figure(uri, t(f"report.results.alt_{measure}", lang),
                                    t(f"report.results.caption_{measure}", lang)) + "</div>")
    out.append("</div>")
    return "".join(out)


def _table(result: UnitAudit) -> str:
    """The THADS statistics table, as the conclusion's Annex III has it."""
    lang = result.lang
    own = statistics.enforcement_table(result.records, result.period_start, result.period_end)
    own = own.loc[own["unit_id"] == result.unit.get("unit_id")]
    if own.empty:
        return ""
    tot = statistics.total_row(own)
    rows = "".join(
        f"<tr><th>{escape(t(f'conclusion.stats.{part}', lang))}</th>"
        f"<td class=\"num\">{escape(fmt_int(tot[f'cases_{part}'], lang))}</td>"
        f"<td class=\"num\">{escape(fmt_money(tot[f'money_{part}'], lang))}</td></tr>"
        for part in ("carried_over", "new", "total", "with_conditions", "without_conditions", "unclassified",
                     "resolved", "completed", "terminated", "remaining"))
    rows += (f"<tr class=\"total\"><th>{escape(t('conclusion.stats.rate', lang))}</th>"
             f"<td class=\"num\">{escape(fmt_pct(tot['cases_rate'], lang))}</td>"
             f"<td class=\"num\">{escape(fmt_pct(tot['money_rate'], lang))}</td></tr>")
    numeric = ' class="num"'
    head = "".join(f"<th{numeric if i else ''}>{escape(t(f'conclusion.annex.col.{c}', lang))}</th>"
                   for i, c in enumerate(("row", "cases", "money")))
    return (f"<h3>{escape(t('conclusion.annex.stats_table', lang).split('. ', 1)[-1])}</h3>"
            f'<table class="data stats"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
            + note(t("conclusion.annex.definitions_text", lang)))


def results_html(result: UnitAudit) -> str:
    """The KPI cards of the period, the THADS statistics table and the monthly completion curves."""
    return heading("results", title_of(result, "results")) + _cards(result) + _table(result) + _monthly(result)
