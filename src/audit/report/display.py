"""What the unit notebook shows, one function per part of the report.

Each function takes the :class:`audit.pipeline.UnitAudit` the notebook
computed, displays its HTML (built by :mod:`audit.report.sections`) and
returns nothing, so a notebook cell is a single call and leaves no
``Out[...]`` behind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import sections
from .sections._html import table_html

if TYPE_CHECKING:
    from ..pipeline import UnitAudit

__all__ = ["summary", "results", "follow_up", "categories", "data_quality", "rules", "method", "show_html",
           "table_html"]


def show_html(body: str) -> None:
    """Display ``body`` as one HTML output inside the report's ``.audit`` scope."""
    from IPython.display import HTML, display

    display(HTML(f'<div class="audit">{body}</div>'))


def summary(result: UnitAudit) -> None:
    """Title, navigation and the one-screen summary (also emits the stylesheet)."""
    show_html(sections.summary_html(result))


def results(result: UnitAudit) -> None:
    """The period's results: KPI cards and the monthly completion rates."""
    show_html(sections.results_html(result))


def follow_up(result: UnitAudit) -> None:
    """The earlier conclusion's follow-up and the register's figures (runs with a register)."""
    body = sections.followup_html(result)
    if body:
        show_html(body)


def categories(result: UnitAudit, limit: int = 500) -> None:
    """One section per audited category; ``limit`` findings rows each (the rest are in
    findings.xlsx and findings.csv); then the timelines of the most serious cases, which
    picture those findings."""
    for block in [*sections.categories_html(result, limit), sections.timelines_html(result)]:
        if block:
            show_html(block)


def data_quality(result: UnitAudit) -> None:
    """Rows read, audited and rejected per table, and the data issues."""
    show_html(sections.data_quality_html(result))


def rules(result: UnitAudit) -> None:
    """Every rule, what it found, and why a silent rule stayed silent."""
    show_html(sections.rules_html(result))


def method(result: UnitAudit) -> None:
    """Scope, method and the legal basis in force."""
    show_html(sections.method_html(result))
