"""The timelines of the cases with the most serious findings: each case's records on a
time axis against the deadlines its findings turn on (:mod:`audit.report.timeline`), with
the findings' evidence beneath, so a reviewer sees the missed deadline rather than reads it."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ...i18n import t
from ..timeline import timeline_png, top_cases
from ._html import figure, heading, label

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["timelines_html", "TIMELINES"]

TIMELINES = 5  # pictures in the report; the workbench draws any case on demand


def timelines_html(result: UnitAudit, count: int = TIMELINES) -> str:
    """The section, or "" when no finding names a case."""
    from .outline import title_of

    lang, cases = result.lang, top_cases(result.findings, count)
    if not cases:
        return ""
    parts = [heading("timelines", title_of(result, "timelines")),
             f'<p class="lead">{escape(t("timeline.section.lead", lang, count=len(cases)))} '
             f'{escape(t("timeline.caption", lang))}</p>']
    for case_id in cases:
        uri = timeline_png(result.records, case_id, result.findings, as_of=result.as_of, lang=lang)
        own = result.findings.loc[result.findings["case_id"] == case_id]
        items = "".join(f"<li><b>{escape(r)}</b> ({escape(label('severity', s, lang))}): {escape(e)}</li>"
                        for r, s, e in zip(own["rule_id"], own["severity"], own["evidence"], strict=True))
        parts.append(f'<div class="timeline">{figure(uri, t("timeline.title", lang, case_id=case_id))}'
                     f"<ul>{items}</ul></div>")
    return f'<section class="timelines">{"".join(parts)}</section>'
