"""The closing sections: data quality, and the scope, method and basis of the check."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import TYPE_CHECKING

from ...i18n import fmt_date, fmt_int, t
from ...rules.data_quality import reason_text
from ._html import heading, label, missing, note, table_html
from .outline import title_of

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["data_quality_html", "method_html"]


def data_quality_html(result: UnitAudit, limit: int = 50) -> str:
    """Rows read, audited and rejected per table, and the data issues grouped by kind."""
    lang, rec = result.lang, result.records
    parts = [heading("data-quality", title_of(result, "data-quality")),
             f"<h3>{escape(t('report.dq.rows', lang))}</h3>"]
    counts = rec.counts.copy()
    counts["label"] = [label("dq.tables", x, lang) for x in counts["table"]]
    parts.append(table_html(counts, [("label", t("report.dq.table", lang), "text"),
                                     ("rows_read", t("report.dq.rows_read", lang), "int"),
                                     ("rows_audited", t("report.dq.rows_audited", lang), "int"),
                                     ("rows_rejected", t("report.dq.rows_rejected", lang), "int"),
                                     ("rows_after_as_of", t("report.dq.rows_after_as_of", lang), "int")], lang))
    parts.append(note(t("report.dq.rows_note", lang)) + f"<h3>{escape(t('report.dq.issues', lang))}</h3>")
    issues = rec.issues
    if issues.empty:
        return "".join(parts) + note(t("report.dq.none", lang))
    keys = ["rule_id", "table", "column", "reason"]
    grouped = (issues.groupby(keys, dropna=False, sort=False)
               .agg(count=("rule_id", "size"), row=("row", "first"), value=("value", "first"))
               .reset_index().sort_values(["count", "rule_id"], ascending=[False, True], kind="stable"))
    grouped["label"] = [label("dq.tables", x, lang) for x in grouped["table"]]
    grouped["reason"] = [reason_text(r, lang) for r in grouped["reason"]]
    grouped["example"] = [", ".join(x for x in (fmt_int(r, lang) if not missing(r) else "",
                                                "" if missing(v) else repr(str(v))) if x)
                          for r, v in zip(grouped["row"], grouped["value"], strict=True)]
    parts.append(table_html(grouped.head(limit), [
        ("rule_id", t("report.dq.rule", lang), "id"), ("label", t("report.dq.table", lang), "text"),
        ("column", t("report.dq.column", lang), "id"), ("reason", t("report.dq.reason", lang), "text"),
        ("count", t("report.dq.count", lang), "int"), ("example", t("report.dq.example", lang), "text"),
    ], lang))
    if len(grouped) > limit:
        parts.append(note(t("report.dq.more", lang, n=fmt_int(len(grouped) - limit, lang)), "note more"))
    return "".join(parts)


def method_html(result: UnitAudit) -> str:
    """Scope of the check, the rule packs in force and the tool's version."""
    from ... import __version__

    lang, packs = result.lang, result.settings.packs
    items = []
    for i, p in enumerate(packs):
        line = escape(t("report.method.pack_line", lang, law=p.law.get(lang, p.name),
                        date=fmt_date(p.effective_from, lang)))
        if p.inherited and i > 0:  # docs/rules.md: the report says which numbers are carried over
            line += "<br>" + escape(t("report.method.inherited", lang, n=fmt_int(len(p.inherited), lang),
                                      older=packs[i - 1].short.get(lang, packs[i - 1].name),
                                      law=p.short.get(lang, p.name)))
        items.append(f"<li>{line}</li>")
    peers = [u for u in result.peer_units if u != result.unit.get("unit_id")]
    return (heading("method", title_of(result, "method"))
            + f"<p>{escape(t('report.method.scope', lang, as_of=fmt_date(result.as_of, lang)))}</p>"
            + f"<p>{escape(t('report.method.rules_run', lang, n=fmt_int(len(result.timings), lang)))}</p>"
            + (f"<p>{escape(t('report.method.peers', lang, n=fmt_int(len(peers), lang), units=', '.join(peers)))}</p>"
               if peers else "")
            + f"<p>{escape(t('report.method.packs', lang))}</p><ul class=\"packs\">{''.join(items)}</ul>"
            + _glossary(lang)
            + note(t("report.method.generated", lang, version=__version__,
                     date=fmt_date(dt.date.today(), lang))))


# The terms a reviewer meets in the report, each with its one-line meaning (shared with the
# conclusion's glossary).
GLOSSARY = ("with_conditions", "without_conditions", "resolved", "rate", "carried", "violation", "indicator",
            "working_days", "median", "q_value", "model")


def _glossary(lang: str) -> str:
    rows = "".join(f"<tr><th>{escape(t(f'conclusion.glossary.{k}.term', lang))}</th>"
                   f"<td>{escape(t(f'conclusion.glossary.{k}.meaning', lang))}</td></tr>" for k in GLOSSARY)
    return (f"<h3>{escape(t('report.glossary.title', lang))}</h3>"
            f'<table class="data glossary"><tbody>{rows}</tbody></table>')
