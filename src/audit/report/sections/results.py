"""Section 2: the enforcement results of the period, month by month, against the
province and the same months a year before."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

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
        cards = [card(t(f"report.kpi.{name}", lang), fmt(k.get(f"{prefix}_{name}"), lang))
                 for name in ("total", "with_conditions", "resolved")]
        cards.append(card(t("report.kpi.rate", lang), fmt_pct(k.get(f"{prefix}_rate"), lang), extra="rate"))
        parts.append(f"<h3>{escape(t(f'report.kpi.{title}', lang))}</h3>"
                     f'<div class="cards">{"".join(cards)}</div>')
    median = k.get("median_days_to_completion")
    other = [
        card(t("report.kpi.without_conditions", lang), fmt_int(k.get("cases_without_conditions"), lang)),
        card(t("report.kpi.open_cases", lang), fmt_int(k.get("open_cases"), lang)),
        card(t("report.kpi.cases_per_executor", lang), fmt_float(k.get("cases_per_executor"), lang),
             t("report.kpi.executors", lang, n=fmt_int(k.get("executors"), lang))),
        card(t("report.kpi.median_days", lang),
             "—" if median is None or missing(median)
             else t("report.kpi.days", lang, n=fmt_int(round(float(median)), lang))),
    ]
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
    if result.population is not None:
        lines["peer"] = monthly_rates(result.population, start, end)
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


def results_html(result: UnitAudit) -> str:
    """The KPI cards of the period and the monthly completion curves."""
    return heading("results", title_of(result, "results")) + _cards(result) + _monthly(result)
