"""The follow-up of the earlier conclusion, and the register's figures for the unit.

Shown when the run had a register (:attr:`audit.pipeline.UnitAudit.follow_up`):
each recommendation of the unit's earlier conclusion judged against today's
records (remedied, not remedied, overdue), the new and repeated findings, and
the register's state of the unit's findings.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ...i18n import fmt_date, fmt_int, t
from ._html import card, heading, note, rule_title, table_html

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["followup_html", "followup_title_key", "metrics_html"]


def followup_title_key(result: UnitAudit) -> str | None:
    """The section's title: the follow-up with an earlier conclusion, the register without."""
    fu = result.follow_up
    if fu is None:
        return None
    return "register.section.followup" if fu.has_baseline else "register.section.register"


def metrics_html(result: UnitAudit) -> str:
    """The register's metrics of the unit (findings by state and age, overdue, repeats)."""
    fu, lang = result.follow_up, result.lang
    if fu is None or fu.metrics.empty:
        return ""
    m = fu.metrics
    cols = ["unit_id", "findings", "pending", "confirmed", "dismissed", "remedied", "needs_review",
            "open_under_3m", "open_3_12m", "open_over_12m", "overdue_remedies", "repeat_violations"]
    row = m.iloc[0]
    text = t("register.followup.reviews", lang, **{k: fmt_int(int(row[k]), lang) for k in
                                                   ("pending", "needs_review", "confirmed", "dismissed", "remedied")})
    return (f"<h3>{escape(t('register.metrics.title', lang))}</h3>" + note(text)
            + table_html(m, [(c, t(f"register.metrics.{c}", lang), "id" if c == "unit_id" else "int")
                             for c in cols], lang))


def followup_html(result: UnitAudit, limit: int = 200) -> str:
    """The section, or nothing when the run had no register."""
    from .outline import title_of

    fu, lang = result.follow_up, result.lang
    if fu is None:
        return ""
    parts = [heading("followup", title_of(result, "followup"))]
    if not fu.has_baseline:
        return "".join(parts) + note(t("register.followup.none", lang)) + metrics_html(result)
    c = fu.counts
    parts.append('<div class="cards">'
                 + card(t("register.status.remedied", lang), fmt_int(c["remedied"], lang))
                 + card(t("register.status.not_remedied", lang), fmt_int(c["not_remedied"], lang))
                 + card(t("register.status.overdue", lang), fmt_int(c["overdue"], lang), extra="alert")
                 + "</div>")
    earlier = fmt_date(fu.earlier_as_of, lang)
    parts.append(note(t("register.followup.intro", lang, earlier=earlier, as_of=fmt_date(fu.as_of, lang),
                        n=fmt_int(c["recommendations"], lang), remedied=fmt_int(c["remedied"], lang),
                        not_remedied=fmt_int(c["not_remedied"], lang), overdue=fmt_int(c["overdue"], lang))))
    parts.append(note(t("register.followup.since", lang, new=fmt_int(c["new"], lang),
                        repeat=fmt_int(c["repeat"], lang), earlier=earlier)))
    open_items = fu.open_items
    if open_items.empty:
        parts.append(note(t("register.followup.all_done", lang)))
    else:
        shown = open_items.head(limit).assign(
            rule=[rule_title(str(r), lang) or str(r) for r in open_items["rule_id"].head(limit)],
            status_text=[t("register.status.overdue" if o else "register.status.not_remedied", lang)
                         for o in open_items["overdue"].head(limit)])
        parts.append(f"<h3>{escape(t('register.followup.open', lang))}</h3>")
        parts.append(table_html(shown, [("finding_id", t("register.table.finding_id", lang), "id"),
                                        ("rule", t("register.table.rule", lang), "text"),
                                        ("case_id", t("register.table.case_id", lang), "id"),
                                        ("remedy_deadline", t("register.table.remedy_deadline", lang), "date"),
                                        ("status_text", t("register.table.status", lang), "text")], lang,
                                sortable=True))
        if len(open_items) > limit:
            parts.append(note(t("register.followup.more", lang, n=fmt_int(len(open_items) - limit, lang)),
                              "note more"))
    return "".join(parts) + metrics_html(result)
