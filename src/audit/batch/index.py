"""``index.html``: every unit of a batch in one sortable table, for the supervising body.

The page is built from the units' own files (kpis.csv, findings.csv), so it
says exactly what each unit's report says. Like the unit reports it is one
self-contained file: the report's stylesheet and its table script are written
into it, nothing is loaded from anywhere, and it reads Vietnamese by default.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..contract import CATEGORIES
from ..i18n import catalogue, fmt_date, fmt_int, fmt_pct, t
from ..report.paths import TEMPLATES
from .plan import target_for

if TYPE_CHECKING:
    from .run import UnitOutcome

__all__ = ["write_index", "unit_row"]

TOP_FINDINGS = 3
_CSS = (Path(__file__).resolve().parents[1] / "report" / "report.css").read_text(encoding="utf-8")
_SCRIPT = (TEMPLATES / "audit" / "report.js").read_text(encoding="utf-8")
_PAGE_CSS = """
html { background: #ffffff; }
body { margin: 0; background: #ffffff; color: #1f2328; }
main { max-width: 1500px; margin: 0 auto; padding: 1.5em 2em 3em; }
.audit table.units { width: 100%; }
.audit table.units th, .audit table.units.enhanced th { white-space: normal; vertical-align: bottom;
                                                        min-width: 4.5em; }
.audit table.units td:nth-child(2) { min-width: 13em; }
.audit table.units td.below { color: #b2182b; font-weight: 600; }
.audit table.units tr.failed td { background: #fbeaec; }
.audit table.units tr.not_run td { color: #57606a; }
.audit table.units ol.top { margin: 0; padding-left: 1.1em; min-width: 16em; }
.audit table.units small { color: #57606a; }
.audit .ftable .scroll { max-height: 75vh; }
@media print { main { max-width: none; padding: 0; } }
"""


SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}


# The report's own label helpers live with its sections, whose import pulls in
# matplotlib and scipy: seconds the batch's coordinator need not spend.
def label(group: str, key: str, lang: str) -> str:
    """A coded value's label in the report catalogue (category, severity), or the code."""
    full = f"report.{group}.{key}"
    return t(full, lang) if full in catalogue() else str(key)


def rule_title(rule_id: str, lang: str) -> str:
    """A rule's title in the report catalogue, or nothing."""
    key = f"rule.{rule_id}.title"
    return t(key, lang) if key in catalogue() else ""


def fmt_float(value: float, lang: str) -> str:
    """One decimal always (15,7 and 17,0 side by side read as the same kind of figure)."""
    if _missing(value):
        return "—"
    text = f"{float(value):,.1f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text


def _read(path: Path, **kwargs: Any) -> pd.DataFrame | None:
    try:
        return pd.read_csv(path, **kwargs)
    except (OSError, ValueError, pd.errors.ParserError):
        return None


def unit_row(folder: Path, unit_id: str) -> dict[str, Any]:
    """The figures of one audited unit, from its kpis.csv and findings.csv.

    Returns
    -------
    dict
        cases, cases_rate, money_rate, backlog, findings, high, per100 (category ->
        findings per 100 cases), top (the highest-risk findings as dicts).
    """
    nan = float("nan")
    row: dict[str, Any] = {"cases": nan, "cases_rate": nan, "money_rate": nan, "backlog": nan,
                           "findings": 0, "high": 0, "per100": {}, "top": []}
    kpis = _read(folder / "kpis.csv", dtype={"unit_id": "str"})
    if kpis is not None:
        own = kpis[kpis["unit_id"] == unit_id]
        if len(own):
            k = own.iloc[0]
            row.update(cases=float(k["cases_total"]), cases_rate=float(k["cases_rate"]),
                       money_rate=float(k["money_rate"]), backlog=float(k["open_cases"]))
    findings = _read(folder / "findings.csv", dtype="str", keep_default_na=False)
    if findings is None or findings.empty:
        return row
    row["findings"] = len(findings)
    row["high"] = int((findings["severity"] == "high").sum())
    cases = row["cases"]
    by_category = findings["category"].value_counts()
    row["per100"] = {c: (by_category.get(c, 0) / cases * 100 if cases and cases > 0 else nan)
                     for c in CATEGORIES}
    ranked = findings.assign(
        _rank=findings["severity"].map(SEVERITY_RANK).fillna(9),
        _score=pd.to_numeric(findings["score"], errors="coerce").fillna(0.0),
        _violation=(findings.get("finding_kind", pd.Series("", index=findings.index)) != "violation"),
    ).sort_values(["_rank", "_violation", "_score", "rule_id", "entity_id"],
                  ascending=[True, True, False, True, True], kind="stable")
    row["top"] = ranked.head(TOP_FINDINGS)[["rule_id", "category", "severity", "entity_id", "case_id",
                                            "evidence"]].to_dict("records")
    return row


def _num(value: float, text: str, klass: str = "num", title: str | None = None) -> str:
    """A number cell; ``data-sort`` is what a click on its header sorts by (missing last)."""
    key = "-1e300" if _missing(value) else repr(float(value))
    tip = f' title="{escape(title)}"' if title else ""
    return f'<td class="{klass}" data-sort="{key}"{tip}>{escape(text)}</td>'


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _top_html(top: list[dict[str, Any]], href: str, lang: str) -> str:
    if not top:
        return ""
    items = []
    for f in top:
        subject = f.get("case_id") or f.get("entity_id") or ""
        tip = f"{rule_title(f['rule_id'], lang)}: {f.get('evidence', '')}"
        items.append(f'<li><a href="{escape(href)}#cat-{escape(f["category"])}" title="{escape(tip)}">'
                     f'{escape(f["rule_id"])}</a> <span class="sev sev-{escape(f["severity"])}">'
                     f'{escape(label("severity", f["severity"], lang))}</span> '
                     f"<small>{escape(str(subject))}</small></li>")
    return f'<ol class="top">{"".join(items)}</ol>'


def _rate_cell(rate: float, target: float, lang: str) -> str:
    if not _missing(rate) and not _missing(target) and rate < target:
        return _num(rate, fmt_pct(rate, lang) + " ▼", "num below", t("batch.below_target", lang))
    return _num(rate, fmt_pct(rate, lang))


def _table(outcomes: Sequence[UnitOutcome], names: dict[str, str], rows: dict[str, dict[str, Any]],
           targets: pd.DataFrame | None, lang: str) -> str:
    with_targets = targets is not None
    head = [("", t("batch.col.unit", lang)), ("", t("batch.col.name", lang)),
            ("", t("batch.col.status", lang)), ("num", t("batch.col.cases", lang)),
            ("num", t("batch.col.cases_rate", lang))]
    if with_targets:
        head.append(("num", t("batch.col.target", lang)))
    head.append(("num", t("batch.col.money_rate", lang)))
    if with_targets:
        head.append(("num", t("batch.col.target", lang)))
    head += [("num", t("batch.col.backlog", lang)), ("num", t("batch.col.findings", lang)),
             ("num", t("batch.col.high", lang))]
    head += [("num", t("batch.col.per100", lang, category=label("category", c, lang))) for c in CATEGORIES]
    head.append(("", t("batch.col.top", lang)))
    thead = "".join(f'<th class="{k}">{escape(h)}</th>' if k else f"<th>{escape(h)}</th>" for k, h in head)

    body = []
    for o in outcomes:
        href = f"{o.folder}/report.html"
        audited = o.status in ("ok", "skipped")
        r = rows.get(o.unit_id, {})
        unit = (f'<a href="{escape(href)}">{escape(o.unit_id)}</a>' if audited else escape(o.unit_id))
        status = escape(t(f"batch.status.{o.status}", lang))
        if o.reason:
            status += f"<br><small>{escape(o.reason)}</small>"
        cells = [f'<td class="nowrap">{unit}</td>', f"<td>{escape(names.get(o.unit_id, ''))}</td>",
                 f"<td>{status}</td>"]
        nan = float("nan")
        cases = r.get("cases", nan)
        cells.append(_num(cases, fmt_int(None if _missing(cases) else cases, lang)))
        cases_target, money_target = target_for(targets, o.unit_id)
        cells.append(_rate_cell(r.get("cases_rate", nan), cases_target, lang))
        if with_targets:
            cells.append(_num(cases_target, fmt_pct(cases_target, lang)))
        cells.append(_rate_cell(r.get("money_rate", nan), money_target, lang))
        if with_targets:
            cells.append(_num(money_target, fmt_pct(money_target, lang)))
        backlog = r.get("backlog", nan)
        cells.append(_num(backlog, fmt_int(None if _missing(backlog) else backlog, lang)))
        for key in ("findings", "high"):
            value = float(r[key]) if audited and key in r else nan
            cells.append(_num(value, fmt_int(None if _missing(value) else value, lang)))
        for c in CATEGORIES:
            value = r.get("per100", {}).get(c, nan)
            cells.append(_num(value, fmt_float(value, lang)))
        cells.append(f"<td>{_top_html(r.get('top', []), href, lang)}</td>")
        body.append(f'<tr class="{escape(o.status)}" data-unit="{escape(o.unit_id)}" '
                    f'data-status="{escape(o.status)}">{"".join(cells)}</tr>')
    return (f'<table class="data units"><thead><tr>{thead}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _tools(lang: str) -> str:
    return (f'<div class="tools" hidden>'
            f'<label>{escape(t("report.table.search", lang))} '
            f'<input type="search" data-search placeholder="{escape(t("batch.col.unit", lang))}…"></label>'
            f'<span class="count" data-count data-template="{escape(t("report.table.count", lang))}"></span>'
            f'<span class="hint">{escape(t("report.table.hint", lang))}</span></div>')


def _meta(meta: dict[str, Any], outcomes: Sequence[UnitOutcome], lang: str) -> str:
    def day(text: str | None) -> str:
        return fmt_date(dt.date.fromisoformat(text), lang) if text else ""

    if meta.get("period_start") or meta.get("period_end"):
        period = f"{day(meta.get('period_start'))} – {day(meta.get('period_end'))}"
    else:
        period = t("batch.meta.default_period", lang)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("ok", "skipped", "failed", "not_run")}
    outcome = t("batch.meta.outcome", lang, ok=fmt_int(counts["ok"] + counts["skipped"], lang),
                failed=fmt_int(counts["failed"], lang), not_run=fmt_int(counts["not_run"], lang))
    items = [(t("batch.meta.source", lang), f"<code>{escape(meta['source'])}</code>"),
             (t("batch.meta.as_of", lang), escape(day(meta["as_of"]))),
             (t("batch.meta.period", lang), escape(period)),
             (t("batch.meta.units", lang), f"{escape(fmt_int(len(outcomes), lang))} ({escape(outcome)})"),
             (t("batch.meta.targets", lang),
              f"<code>{escape(meta['targets'])}</code>" if meta.get("targets")
              else escape(t("batch.meta.no_targets", lang))),
             (t("batch.meta.generated", lang), escape(meta["generated_at"]))]
    return '<dl class="meta">' + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def _failed(outcomes: Sequence[UnitOutcome], names: dict[str, str], lang: str) -> str:
    failed = [o for o in outcomes if o.status == "failed"]
    if not failed:
        return ""
    rows = "".join(f'<tr><td class="nowrap">{escape(o.unit_id)}</td><td>{escape(names.get(o.unit_id, ""))}</td>'
                   f"<td>{escape(o.reason or '')}</td></tr>" for o in failed)
    head = "".join(f"<th>{escape(t(k, lang))}</th>" for k in ("batch.col.unit", "batch.col.name", "batch.col.reason"))
    return (f'<h2 id="failed">{escape(t("batch.failed_heading", lang))}</h2>'
            f'<table class="data failed"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
            f'<p class="note">{escape(t("batch.failed_note", lang))}</p>')


_METRICS = ("findings", "pending", "confirmed", "dismissed", "remedied", "needs_review", "open_under_3m",
            "open_3_12m", "open_over_12m", "overdue_remedies", "repeat_violations")


def _register_metrics(metrics: pd.DataFrame | None, names: dict[str, str], lang: str) -> str:
    """The register's figures per unit: findings by state and age, overdue remedies, repeats."""
    if metrics is None or metrics.empty:
        return ""
    head = "".join(f'<th class="num">{escape(t(f"register.metrics.{c}", lang))}</th>' for c in _METRICS)
    rows = "".join(
        f'<tr><td class="nowrap">{escape(str(r["unit_id"]))}</td><td>{escape(names.get(r["unit_id"], ""))}</td>'
        + "".join(f'<td class="num">{escape(fmt_int(int(r[c]), lang))}</td>' for c in _METRICS) + "</tr>"
        for r in metrics.to_dict("records"))
    return (f'<h2 id="register">{escape(t("register.section.register", lang))}</h2>'
            f'<table class="data"><thead><tr><th>{escape(t("register.metrics.unit_id", lang))}</th><th></th>'
            f"{head}</tr></thead><tbody>{rows}</tbody></table>")


def write_index(path: str | Path, outcomes: Sequence[UnitOutcome], names: dict[str, str],
                meta: dict[str, Any], targets: pd.DataFrame | None = None,
                metrics: pd.DataFrame | None = None) -> Path:
    """Write the batch's ``index.html`` (whole or not at all).

    Parameters
    ----------
    path : path
        Where to write it, in the batch folder (unit folders are linked relative to it).
    outcomes : sequence of UnitOutcome
        Every unit of the batch, in the order to show.
    names : dict
        Unit id -> name.
    meta : dict
        ``source`` (redacted), ``as_of``, ``period_start``, ``period_end`` (ISO or
        None), ``lang``, ``targets`` (path or None), ``generated_at``.
    targets : DataFrame, optional
        What :func:`audit.batch.plan.read_targets` returned.
    metrics : DataFrame, optional
        The findings register's figures per unit (:meth:`audit.register.Register.metrics`).

    Returns
    -------
    Path
    """
    out = Path(path)
    lang = meta["lang"]
    rows = {o.unit_id: unit_row(out.parent / o.folder, o.unit_id)
            for o in outcomes if o.status in ("ok", "skipped")}
    title = t("batch.title", lang)
    html = (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        '<meta name="generator" content="thads-audit">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}{_PAGE_CSS}</style>\n</head>\n<body>\n<main>\n"
        f'<div class="audit">'
        f'<header class="title"><h1>{escape(title)}</h1></header>'
        f"{_meta(meta, outcomes, lang)}"
        f'<p class="lead">{escape(t("batch.lead", lang))}</p>'
        f'<h2 id="units">{escape(t("batch.units_heading", lang))}</h2>'
        f'<div class="ftable" data-ftable>{_tools(lang)}<div class="scroll">'
        f"{_table(outcomes, names, rows, targets, lang)}</div></div>"
        f'<p class="note">{escape(t("batch.note.per100", lang))}</p>'
        f"{_failed(outcomes, names, lang)}"
        f"{_register_metrics(metrics, names, lang)}"
        f"</div>\n</main>\n<script>\n{_SCRIPT}\n</script>\n</body>\n</html>\n"
    )
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)
    return out
