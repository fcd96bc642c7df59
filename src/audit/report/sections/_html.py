"""Small HTML builders every section shares: escaped, formatted cells and tables,
figures with a caption, cards, and the labels of coded values.

Every text comes from the message catalogue in the report's language; numbers,
money and dates go through the :mod:`audit.i18n` formatters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Any

import pandas as pd

from ...i18n import catalogue, fmt_date, fmt_int, fmt_money, fmt_pct, t

__all__ = ["Column", "table_html", "label", "rule_title", "figure", "card", "note", "missing",
           "fmt_float", "fmt_multiple", "pct_formatter", "heading", "SEVERITY_RANK"]

# A column of a displayed table: (frame column, header text, kind). Kinds pick
# the formatter, the alignment and the key a click on the header sorts by.
Column = tuple[str, str, str]
NUMERIC = frozenset({"money", "int", "float", "pct"})
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}


def missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_float(value: Any, lang: str, digits: int = 1) -> str:
    if missing(value):
        return "—"
    text = f"{float(value):,.{digits}f}"
    # Vietnamese swaps the separators: 1.234,5
    return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text


def fmt_multiple(value: float, lang: str) -> str:
    """0.5 → "0,5×" in Vietnamese, "0.5×" in English."""
    text = f"{value:g}"
    return (text.replace(".", ",") if lang == "vi" else text) + "×"


def pct_formatter(lang: str, digits: int = 0):
    """A chart axis formatter for shares: 0.25 → "25%"."""
    return lambda v: fmt_pct(v, lang, digits)


def label(group: str, key: Any, lang: str) -> str:
    """A coded value's label (category, severity, level...), or the code itself."""
    full = f"report.{group}.{key}"
    return t(full, lang) if full in catalogue() else str(key)


def rule_title(rule_id: str, lang: str) -> str:
    key = f"rule.{rule_id}.title"
    return t(key, lang) if key in catalogue() else ""


def _sort_key(value: Any, kind: str) -> str | None:
    """What a click on the column's header sorts by, when the shown text would mislead."""
    if missing(value):
        return "" if kind not in NUMERIC else "-1e300"
    if kind in NUMERIC:
        return repr(float(value))
    if kind == "date":
        day = value.date() if isinstance(value, pd.Timestamp | dt.datetime) else value
        return day.isoformat()
    if kind == "severity":
        return str(SEVERITY_RANK.get(str(value), 9))
    return None


def _cell(value: Any, kind: str, lang: str) -> str:
    if kind == "money":
        return fmt_money(value, lang)
    if kind == "int":
        return fmt_int(value, lang)
    if kind == "pct":
        return fmt_pct(value, lang)
    if kind == "float":
        return fmt_float(value, lang)
    if kind == "date":
        return fmt_date(value, lang)
    if missing(value):
        return ""
    if kind == "severity":
        return f'<span class="sev sev-{escape(str(value))}">{escape(label("severity", value, lang))}</span>'
    if kind == "html":  # already escaped by the caller
        return str(value)
    return escape(str(value))


def _klass(kind: str) -> str:
    if kind in NUMERIC:
        return ' class="num"'
    return ' class="nowrap"' if kind in ("date", "id", "severity") else ""


def table_html(frame: pd.DataFrame, columns: Sequence[Column], lang: str,
               total: dict[str, Any] | None = None, *, sortable: bool = False,
               row_attrs: Sequence[str] | None = None, klass: str = "data") -> str:
    """An HTML table of ``frame`` with formatted, escaped cells.

    Parameters
    ----------
    frame : DataFrame
    columns : sequence of (column, header, kind)
        ``kind`` is one of text, id (never wrapped), html, money, int, float, pct,
        date, severity.
    lang : {"vi", "en"}
    total : dict, optional
        Values of a final total row, by column.
    sortable : bool
        Give each cell the key its column sorts by (``data-sort``), for the
        report's table enhancer.
    row_attrs : sequence of str, optional
        Extra attributes of each body row (already escaped), one per row of ``frame``.
    klass : str
        The table's classes.

    Returns
    -------
    str
    """
    head = "".join(f'<th{_klass(k)} data-kind="{k}">{escape(h)}</th>' if sortable
                   else f"<th{_klass(k)}>{escape(h)}</th>" for _, h, k in columns)
    rows = []
    attrs = row_attrs if row_attrs is not None else [""] * len(frame)
    for extra, rec in zip(attrs, frame[[c for c, _, _ in columns]].itertuples(index=False, name=None),
                          strict=True):
        cells = []
        for v, (_, _, k) in zip(rec, columns, strict=True):
            key = _sort_key(v, k) if sortable else None
            sort = f' data-sort="{escape(key)}"' if key is not None else ""
            cells.append(f"<td{_klass(k)}{sort}>{_cell(v, k, lang)}</td>")
        rows.append(f"<tr{(' ' + extra) if extra else ''}>{''.join(cells)}</tr>")
    foot = ""
    if total is not None:
        sums = "".join(f"<td{_klass(k)}>{_cell(total.get(c), k, lang) if c in total else ''}</td>"
                       for c, _, k in columns)
        foot = f'<tfoot><tr class="total">{sums}</tr></tfoot>'
    return (f'<table class="{klass}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody>{foot}</table>')


def figure(uri: str, alt: str, caption: str = "") -> str:
    """An embedded picture with the plain sentence that tells a reviewer how to read it."""
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{uri}" alt="{escape(alt)}">{cap}</figure>'


def card(title: str, value: str, sub: str = "", extra: str = "") -> str:
    sub_html = f'<div class="sub">{escape(sub)}</div>' if sub else ""
    return (f'<div class="card {extra}"><div class="label">{escape(title)}</div>'
            f'<div class="value">{escape(value)}</div>{sub_html}</div>')


def note(text: str, klass: str = "note") -> str:
    return f'<p class="{klass}">{escape(text)}</p>'


def heading(anchor: str, text: str, level: int = 2) -> str:
    return f'<h{level} id="{escape(anchor)}">{escape(text)}</h{level}>'
