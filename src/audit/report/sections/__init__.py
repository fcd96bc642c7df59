"""The report's sections as HTML strings, one module per part of the report.

Each function takes the :class:`audit.pipeline.UnitAudit` the notebook computed
and returns HTML; :mod:`audit.report.display` shows them.
"""

from .appendix import data_quality_html, method_html
from .categories import categories_html, category_html
from .followup import followup_html
from .notes import rules_html
from .outline import outline
from .results import results_html
from .summary import summary_html
from .timelines import timelines_html

__all__ = ["summary_html", "results_html", "categories_html", "category_html", "data_quality_html",
           "rules_html", "method_html", "outline", "followup_html", "timelines_html"]
