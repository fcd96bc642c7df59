"""The report's sections, in order, with their anchors and numbered titles.

The navigation bar (shown first) and every section heading (shown later, by
other notebook cells) read the same outline, so links and headings agree.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ...contract import CATEGORIES
from ...i18n import t
from ...rules.registry import Rule, all_rules
from ..timeline import top_cases
from ._html import label

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["rules_by_category", "audited_categories", "outline", "title_of", "nav_html"]

# Data-quality findings are the rows validation rejected: the data-quality section
# shows them with the row counts, not as a category of their own.
_OWN_SECTION = ("data_quality",)


def rules_by_category() -> dict[str, list[Rule]]:
    out: dict[str, list[Rule]] = {c: [] for c in CATEGORIES}
    for r in all_rules():
        out[r.category].append(r)
    return out


def audited_categories(result: UnitAudit) -> list[str]:
    """Categories with a rule that ran or a finding, in the contract's order."""
    ran = set(result.timings)
    found = set(result.findings["category"])
    return [c for c, rules in rules_by_category().items()
            if c not in _OWN_SECTION and (c in found or any(r.rule_id in ran for r in rules))]


def outline(result: UnitAudit) -> list[tuple[str, str]]:
    """(anchor, numbered title) of every section of the report."""
    lang = result.lang
    items = [("summary", t("report.section.summary", lang)),
             ("results", t("report.section.results", lang))]
    if result.follow_up is not None:  # a run with a register: the earlier conclusion's follow-up
        from .followup import followup_title_key

        items.append(("followup", t(str(followup_title_key(result)), lang)))
    items += [(f"cat-{c}", label("category", c, lang)) for c in audited_categories(result)]
    if top_cases(result.findings, 1):
        items.append(("timelines", t("timeline.section.title", lang)))
    items += [("data-quality", t("report.section.data_quality", lang)),
              ("rules", t("report.section.rules", lang)),
              ("method", t("report.section.method", lang))]
    return [(anchor, f"{i}. {title}") for i, (anchor, title) in enumerate(items, start=1)]


def title_of(result: UnitAudit, anchor: str) -> str:
    return dict(outline(result))[anchor]


def nav_html(result: UnitAudit) -> str:
    """The table of contents; the page's script pins it to the top of the window."""
    links = "".join(f'<li><a href="#{escape(a)}">{escape(title)}</a></li>' for a, title in outline(result))
    return (f'<nav class="audit toc" aria-label="{escape(t("report.nav.label", result.lang))}">'
            f'<span class="toc-title">{escape(t("report.nav.label", result.lang))}</span>'
            f"<ol>{links}</ol></nav>")
