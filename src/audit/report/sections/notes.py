"""What became of each rule: how many findings, or in plain words why it stayed
silent or did not apply, and a model's cross-validated quality (``result.notes``)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd

from ...i18n import catalogue, fmt_int, t
from ...rules.registry import Rule, all_rules
from ._html import fmt_float, heading, label, note, rule_title
from .outline import title_of

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["rule_status", "note_text", "rules_html"]


def _values(note_: dict[str, Any], lang: str) -> dict[str, str]:
    out = {}
    for k, v in note_.items():
        if k == "auc":
            out[k] = fmt_float(v, lang, 2)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out[k] = fmt_int(v, lang)
        else:
            out[k] = str(v)
    return out


def note_text(result: UnitAudit, rule_id: str) -> str:
    """The rule's note in plain words ("" when it left none)."""
    lang, raw = result.lang, result.notes.get(rule_id)
    if not raw:
        return ""
    values = _values(raw, lang)
    texts = []
    if "auc" in raw:
        texts.append(t("report.notes.model", lang, **{"cases": "—", "with_conditions": "—"} | values))
    silent = raw.get("silent")
    if silent:
        key = f"report.notes.silent.{silent}"
        texts.append(t(key, lang, **values) if key in catalogue()
                     else t("report.notes.silent.other", lang, reason=str(silent)))
    elif "flagged" in raw:
        texts.append(t("report.notes.scored", lang, **{"scored": "—", "flagged": "—"} | values))
    return " ".join(texts)


def rule_status(result: UnitAudit, rule: Rule) -> str:
    """HTML: the findings count, or why there are none; then the rule's note."""
    lang, f = result.lang, result.findings
    n = int((f["rule_id"] == rule.rule_id).sum())
    if rule.rule_id not in result.timings and n == 0:
        absent = [label("dq.tables", name, lang) for name in rule.requires
                  if not result.records.has(name)]
        return escape(t("report.notes.not_applicable", lang, tables=", ".join(absent) or "—"))
    head = (f'<strong>{escape(t("report.notes.found", lang, n=fmt_int(n, lang)))}</strong>' if n
            else escape(t("report.notes.none_found", lang)))
    extra = note_text(result, rule.rule_id)
    return head + (f'<div class="rule-note">{escape(extra)}</div>' if extra else "")


def rules_html(result: UnitAudit) -> str:
    """Every rule of the catalogue, what it found and its note."""
    lang, f = result.lang, result.findings
    rows = []
    for r in all_rules():
        rows.append({"rule_id": r.rule_id, "title": rule_title(r.rule_id, lang),
                     "category": label("category", r.category, lang),
                     "severity": r.severity, "n": int((f["rule_id"] == r.rule_id).sum()),
                     "status": rule_status(result, r)})
    frame = pd.DataFrame(rows)
    head = "".join(f"<th>{escape(t(f'report.rules.{c}', lang))}</th>"
                   for c in ("rule", "title", "category", "outcome"))
    body = "".join(f'<tr><td class="nowrap"><code>{escape(x.rule_id)}</code></td><td>{escape(x.title)}</td>'
                   f"<td>{escape(x.category)}</td><td>{x.status}</td></tr>"
                   for x in frame.itertuples(index=False))
    ran = len(result.timings)
    return (heading("rules", title_of(result, "rules"))
            + note(t("report.rules.intro", lang, ran=fmt_int(ran, lang), total=fmt_int(len(frame), lang)), "lead")
            + f'<table class="data rules-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
