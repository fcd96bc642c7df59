"""One section per category of rules: what was checked and on what legal basis,
the pictures that say more than a table, and the findings as a table a reviewer
can sort, filter and search (the page's script does that, offline)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import pandas as pd

from ...contract import SEVERITIES
from ...i18n import catalogue, fmt_int, t
from ...rules.registry import Rule
from ._html import heading, label, missing, note, rule_title, table_html
from .notes import rule_status
from .outline import audited_categories, rules_by_category, title_of
from .pictures import PICTURES
from .split import groups_of

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["category_html", "categories_html", "legal_bases", "findings_table"]


def legal_bases(result: UnitAudit, rule_id: str) -> list[str]:
    """The legal basis the findings of ``rule_id`` cite; without findings, the basis in
    the rule pack in force on the audit date."""
    f = result.findings
    # Findings judged under two packs cite two bases that share their parts: each part once.
    parts = [p.strip() for b in pd.unique(f.loc[f["rule_id"] == rule_id, "legal_basis"].dropna())
             for p in str(b).split(";") if p.strip()]
    if parts:
        return list(dict.fromkeys(parts))
    packs = result.settings.packs
    index = max((i for i, p in enumerate(packs) if p.effective_from <= result.as_of), default=0)
    basis = result.settings.legal_basis(rule_id, index, result.lang)
    return [basis] if basis else []


def _checks(result: UnitAudit, rules: list[Rule]) -> str:
    """The rules of the category: title, what each checks, legal basis and outcome."""
    lang = result.lang
    rows = []
    for r in rules:
        checked_key = f"rule.{r.rule_id}.checked"
        checked = t(checked_key, lang) if checked_key in catalogue() else ""
        bases = legal_bases(result, r.rule_id)
        basis = "; ".join(bases) if bases else t("report.checks.no_basis", lang)
        rows.append(f'<tr><td class="nowrap"><code>{escape(r.rule_id)}</code></td>'
                    f"<td><strong>{escape(rule_title(r.rule_id, lang))}</strong><br>{escape(checked)}</td>"
                    f"<td>{escape(basis)}</td><td>{rule_status(result, r)}</td></tr>")
    head = "".join(f"<th>{escape(t(f'report.checks.{c}', lang))}</th>"
                   for c in ("rule", "checked", "basis", "outcome"))
    return (f"<h3>{escape(t('report.checks.title', lang))}</h3>"
            f'<table class="data checks"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _subject(rows: pd.DataFrame) -> pd.Series:
    # Findings about an executor, a valuer or a unit have no case: name the entity.
    return rows["case_id"].where(rows["case_id"].notna(), rows["entity_id"])


def findings_table(result: UnitAudit, rows: pd.DataFrame, limit: int) -> str:
    """The findings as an interactive table: a search box, a severity filter and
    sortable headers (hidden tools until the page's script wires them up)."""
    lang = result.lang
    shown = rows.head(limit).copy()
    names = result.records.executors.drop_duplicates("executor_id").set_index("executor_id")["name"]
    shown["subject"] = _subject(shown)
    shown["executor"] = [
        "" if missing(e) else f'{escape(str(names.get(e, e)))}<br><small>{escape(str(e))}</small>'
        for e in shown["executor_id"]]
    shown["rule"] = [f'<abbr class="nowrap" title="{escape(rule_title(r, lang))}">{escape(r)}</abbr>'
                     for r in shown["rule_id"]]
    columns = [("severity", t("report.findings.severity", lang), "severity"),
               ("rule", t("report.findings.rule", lang), "html"),
               ("subject", t("report.findings.case", lang), "id"),
               ("executor", t("report.findings.executor", lang), "html"),
               ("event_date", t("report.findings.event_date", lang), "date"),
               ("amount", t("report.findings.amount", lang), "money"),
               ("evidence", t("report.findings.evidence", lang), "text")]
    # A column empty for the whole category (no executor, no amount) says nothing.
    columns = [c for c in columns if c[0] in ("severity", "rule", "subject", "evidence")
               or (shown[c[0]].notna() & (shown[c[0]].astype("str") != "")).any()]
    attrs = [f'data-severity="{escape(str(s))}"' for s in shown["severity"]]
    table = table_html(shown, columns, lang, sortable=True, row_attrs=attrs, klass="data findings")
    options = "".join(f'<option value="{s}">{escape(label("severity", s, lang))}</option>'
                      for s in SEVERITIES if (shown["severity"] == s).any())
    tools = (f'<div class="tools" hidden>'
             f'<label>{escape(t("report.table.search", lang))} '
             f'<input type="search" data-search placeholder="{escape(t("report.table.placeholder", lang))}"></label>'
             f'<label>{escape(t("report.findings.severity", lang))} <select data-severity>'
             f'<option value="">{escape(t("report.table.all", lang))}</option>{options}</select></label>'
             f'<span class="count" data-count data-template="{escape(t("report.table.count", lang))}"></span>'
             f'<span class="hint">{escape(t("report.table.hint", lang))}</span></div>')
    more = ""
    if len(rows) > limit:
        more = note(t("report.findings.more", lang, n=fmt_int(len(rows) - limit, lang)), "note more")
    return f'<div class="ftable" data-ftable>{tools}<div class="scroll">{table}</div></div>{more}'


def category_html(result: UnitAudit, category: str, limit: int = 500) -> str:
    """One category's section."""
    lang, f = result.lang, result.findings
    rows = f[f["category"] == category]
    rules = rules_by_category()[category]
    parts = [heading(f"cat-{category}", title_of(result, f"cat-{category}")),
             f'<p class="lead">{escape(t(f"report.lead.{category}", lang))}</p>',
             _checks(result, rules)]
    picture = PICTURES.get(category)
    if picture is not None:
        parts.append(picture(result))
    parts.append(f"<h3>{escape(t('report.findings.list', lang))} "
                 f"({escape(t('report.findings.count', lang, n=fmt_int(len(rows), lang)))})</h3>")
    if rows.empty:
        parts.append(note(t("report.findings.none_here", lang)))
    else:
        # The conclusion's split: violations, those from before the period, matters to verify,
        # and what the conclusion leaves out (earlier steps since taken, other units' leads).
        for group, part in groups_of(result, rows).items():
            if part.empty:
                continue
            title = (f"{t(f'report.split.{group}', lang)} "
                     f"({t('report.findings.count', lang, n=fmt_int(len(part), lang))})")
            table = findings_table(result, part, limit)
            if group == "other":
                parts.append(f'<details class="split other"><summary>{escape(title)}</summary>'
                             f'{note(t("report.split.other_note", lang))}{table}</details>')
            else:
                parts.append(f'<h4 class="split {group}">{escape(title)}</h4>'
                             f'{note(t(f"report.split.{group}_note", lang))}{table}')
    return f'<section class="category">{"".join(parts)}</section>'


def categories_html(result: UnitAudit, limit: int = 500) -> list[str]:
    """Every audited category's section, in the report's order."""
    return [category_html(result, c, limit) for c in audited_categories(result)]


