"""The workbench's widgets: ipywidgets for the filters and the decision, an itables
table of the findings (click a row to open it), and the finding's case laid open.

Every action goes through :class:`audit.workbench.review.Review`; the widgets only
gather what the reviewer chose and show the result, so they hold no logic to test apart.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

import ipywidgets as w
import pandas as pd
from itables.widget import ITable

from ..contract import CATEGORIES, SEVERITIES
from ..errors import AuditError
from ..i18n import fmt_date, t
from ..report.charts import to_data_uri
from ..report.sections._html import label
from .review import STATES, TABLE_COLUMNS, Review

__all__ = ["Workbench"]


# What a reviewer reads of a finding's history: when it was seen, who decided what and why.
_HISTORY = ["at", "event", "as_of", "state", "reviewer", "decided_on", "reason", "evidence", "origin"]


def _frame_html(frame: pd.DataFrame) -> str:
    return frame.astype("object").where(frame.notna(), "").to_html(index=False, border=0, classes="wb-records",
                                                                   escape=True)


class Workbench:
    """The widgets of one review; display the object (or ``.box``) in a notebook."""

    def __init__(self, review: Review) -> None:
        self.review = review
        lang = self.lang = review.result.lang

        def choice(group: str, codes: Any) -> w.Dropdown:
            options = [(t("workbench.filter.all", lang), "")] + [(label(group, c, lang), c) for c in codes]
            return w.Dropdown(options=options, value="", description=t(f"workbench.filter.{group}", lang))

        self.category = choice("category", CATEGORIES)
        self.severity = choice("severity", SEVERITIES)
        self.state = w.Dropdown(options=[(t("workbench.filter.all", lang), "")]
                                + [(t(f"workbench.states.{s}", lang), s) for s in STATES],
                                value="", description=t("workbench.filter.state", lang))
        self.search = w.Text(description=t("workbench.filter.search", lang), continuous_update=False)
        self.count = w.HTML()
        self.table = ITable(caption="", select={"style": "single"}, pageLength=10, classes="display compact")
        self.chooser = w.Dropdown(description=t("workbench.finding", lang), layout=w.Layout(width="60%"))
        self.detail = w.HTML(f"<p>{escape(t('workbench.none', lang))}</p>")
        self.decision = w.Dropdown(options=[(t(f"workbench.states.{s}", lang), s) for s in STATES],
                                   value="confirmed", description=t("workbench.decision", lang))
        self.reason = w.Text(description=t("workbench.reason", lang), layout=w.Layout(width="60%"))
        self.remedy = w.Text(description=t("workbench.remedy", lang), layout=w.Layout(width="60%"))
        self.record_button = w.Button(description=t("workbench.record", lang), button_style="primary")
        self.status = w.HTML()
        for box in (self.category, self.severity, self.state, self.search, self.chooser, self.decision,
                    self.reason, self.remedy):
            box.style.description_width = "initial"  # the labels in full, in either language
        for control in (self.category, self.severity, self.state, self.search):
            control.observe(lambda _: self.refresh(), names="value")
        self.table.observe(self._on_select, names="selected_rows")
        self.chooser.observe(lambda change: self.open(change["new"]), names="value")
        self.record_button.on_click(lambda _: self.record())
        result = review.result
        header = (f"<h3>{escape(t('workbench.title', lang, unit_id=result.unit.get('unit_id')))}</h3>"
                  f"<p>{escape(t('workbench.meta', lang, as_of=fmt_date(result.as_of, lang), reviewer=review.reviewer, register=review.register.description))}</p>"
                  f"<p>{escape(t('workbench.help', lang))}</p>")
        self.box = w.VBox([
            w.HTML(header),
            w.HBox([self.category, self.severity, self.state, self.search]),
            self.count, self.table, self.chooser, self.detail,
            w.VBox([self.decision, self.reason, self.remedy, self.record_button, self.status]),
        ])
        self._shown = pd.DataFrame(columns=list(TABLE_COLUMNS))
        self.refresh()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)

    # -- the list ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Apply the filters to the findings and show them."""
        total = len(self.review.result.findings)
        shown = self.review.filtered(category=self.category.value, severity=self.severity.value,
                                     state=self.state.value, text=self.search.value.strip())
        self._shown = shown
        self.count.value = escape(t("workbench.filter.shown", self.lang, shown=len(shown), total=total))
        view = shown.copy()
        view["state"] = [t(f"workbench.states.{s}", self.lang) for s in view["state"]]
        view["severity"] = [label("severity", s, self.lang) for s in view["severity"]]
        view["category"] = [label("category", c, self.lang) for c in view["category"]]
        view["occurred_on"] = view["occurred_on"].dt.strftime("%Y-%m-%d").fillna("")
        view.columns = [t(f"workbench.columns.{c}", self.lang) for c in view.columns]
        self.table.update(view, selected_rows=[])
        current = self.chooser.value
        self.chooser.options = [""] + shown["finding_id"].tolist()
        self.chooser.value = current if current in shown["finding_id"].tolist() else ""

    def _on_select(self, change: dict[str, Any]) -> None:
        rows = change["new"] or []
        if rows and rows[0] < len(self._shown):
            self.chooser.value = self._shown["finding_id"].iloc[rows[0]]

    # -- one finding -------------------------------------------------------------------------
    def open(self, finding_id: str) -> None:
        """Lay the finding's case open: timeline, evidence, legal basis, records, history."""
        lang = self.lang
        if not finding_id:
            self.detail.value = f"<p>{escape(t('workbench.none', lang))}</p>"
            return
        f = self.review.finding(finding_id)
        parts = [f"<h4>{escape(finding_id)} — {escape(str(f['rule_id']))}</h4>",
                 f"<p><b>{escape(t('workbench.evidence', lang))}:</b> {escape(str(f['evidence']))}</p>",
                 f"<p><b>{escape(t('workbench.legal_basis', lang))}:</b> {escape(str(f['legal_basis'] or ''))}</p>"]
        fig = self.review.timeline(finding_id)
        if fig is not None:
            parts.append(f'<img style="max-width:100%" alt="timeline" src="{to_data_uri(fig)}">')
        parts.append(f"<h4>{escape(t('workbench.records', lang))}</h4>")
        parts += [_frame_html(frame) for frame in self.review.records_behind(finding_id).values()]
        history = self.review.history(finding_id).reindex(columns=_HISTORY)
        parts.append(f"<h4>{escape(t('workbench.history', lang))}</h4>")
        parts.append(_frame_html(history) if len(history) else f"<p>{escape(t('workbench.no_history', lang))}</p>")
        self.detail.value = "".join(parts)
        self.status.value = ""

    # -- a decision --------------------------------------------------------------------------
    def record(self) -> bool:
        """Record the chosen decision on the open finding; the status line says what happened."""
        lang, fid = self.lang, self.chooser.value
        try:
            if not fid:
                raise AuditError(t("workbench.none", lang))
            self.review.decide(fid, self.decision.value, reason=self.reason.value.strip(),
                               evidence=self.remedy.value.strip())
        except AuditError as exc:
            self.status.value = f'<p style="color:#b2182b">{escape(t("workbench.refused", lang, error=str(exc)))}</p>'
            return False
        message = escape(t("workbench.recorded", lang, finding_id=fid, reviewer=self.review.reviewer,
                           state=t(f"workbench.states.{self.decision.value}", lang),
                           day=fmt_date(dt.date.today(), lang)))
        self.reason.value = self.remedy.value = ""
        self.refresh()  # the list shows the new state (and drops the finding if filtered by state)
        if fid in self.chooser.options:
            self.chooser.value = fid
            self.open(fid)
        self.status.value = message
        return True
