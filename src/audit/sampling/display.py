"""What the sampling notebook shows, one function per section.

Each takes a recorded draw (the dict of ``units.json``) or the whole cycle
(:func:`audit.sampling.read_cycle`) and the language, shows
one HTML block through :func:`audit.report.display.show_html` and returns
nothing. Texts come from ``messages/sampling.yaml``; tables use the unit
report's table builder and stylesheet, so both reports read alike.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from ..i18n import fmt_date, fmt_int, fmt_pct, t
from ..report import display as base
from .params import COMPONENTS

__all__ = ["header", "selected", "ranking", "method", "commitment", "cases"]

_CSS = Path(base.__file__).with_name("report.css").read_text(encoding="utf-8")
_EXTRA = (".audit code.hash { word-break: break-all; }"
          ".audit td.pick { font-weight: 600; } .audit tr.sel td { background: #eaf2fb !important; }")


def _num(value: float, lang: str, digits: int = 3) -> str:
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "vi" else text


def header(draw: dict[str, Any], lang: str) -> None:
    """Title, cycle, records date, source and fingerprint; also emits the stylesheet."""
    req = draw["request"]
    meta = [
        (t("sampling.report.header.as_of", lang), fmt_date(pd.Timestamp(req["as_of"]), lang)),
        (t("sampling.report.header.count", lang), fmt_int(req["count"], lang)),
        (t("sampling.report.header.drawn_at", lang), escape(draw["drawn_at"][:19].replace("T", " "))),
        (t("sampling.report.header.source", lang), f"<code>{escape(req['source'])}</code>"),
        (t("sampling.report.header.fingerprint", lang), f"<code>{escape(str(draw['fingerprint'])[:16])}</code>"),
    ]
    if draw.get("replaces"):
        meta.append((t("sampling.report.header.replaces", lang), escape(draw["replaces"]["reason"])))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in meta)
    base.show_html(f"<style>{_CSS}{_EXTRA}</style>"
                   f"<h1>{escape(t('sampling.report.title', lang))}</h1>"
                   f'<p class="subtitle">{escape(t("sampling.report.subtitle", lang, cycle=draw["cycle"]))}</p>'
                   f'<dl class="meta">{items}</dl>')


def _units(draw: dict[str, Any], lang: str) -> pd.DataFrame:
    frame = pd.DataFrame(draw["units"])
    frame["reason_text"] = [t(f"sampling.reason.{r}", lang) if r else "" for r in frame["reason"]]
    last = draw["coverage"]["last_inspected"]
    frame["last"] = [pd.Timestamp(last[u]) if last.get(u) else None for u in frame["unit_id"]]
    return frame


def selected(draw: dict[str, Any], lang: str) -> None:
    """The units drawn, with why and with what probability."""
    frame = _units(draw, lang)
    rows = frame.loc[frame["selected"]].sort_values("rank")
    head = f"<h2>{escape(t('sampling.report.section.selected', lang))}</h2>"
    explain = f"<p>{escape(draw['explanation'][lang])}</p>"
    if rows.empty:
        base.show_html(head + explain + f'<p class="note">{escape(t("sampling.report.none_selected", lang))}</p>')
        return
    cols = [("unit_id", t("sampling.report.column.unit", lang), "id"),
            ("name", t("sampling.report.column.name", lang), "text"),
            ("reason_text", t("sampling.report.column.reason", lang), "text"),
            ("pi", t("sampling.report.column.pi", lang), "html"),
            ("rank", t("sampling.report.column.rank", lang), "int"),
            ("last", t("sampling.report.column.last_inspected", lang), "date")]
    rows = rows.assign(pi=[_num(p, lang) for p in rows["pi"]])
    base.show_html(head + explain + base.table_html(rows, cols, lang))


def ranking(draw: dict[str, Any], lang: str) -> None:
    """Every eligible unit: each component's points and raw value, score, π, and the outcome."""
    frame = _units(draw, lang)
    params = draw["params"]["units"]
    for c in COMPONENTS:
        raw = (fmt_pct(v, lang, 1) if c not in ("deadline_rate", "valuation_auction") else _num(v, lang, 3)
               for v in frame[c])
        frame[f"{c}_cell"] = [f"{_num(p, lang)} <span class=\"note\">({escape(r)})</span>"
                              for p, r in zip(frame[f"{c}_points"], raw, strict=True)]
    frame["score_cell"] = [_num(v, lang) for v in frame["score"]]
    frame["size_cell"] = [_num(v, lang) for v in frame["size"]]
    frame["pi_cell"] = [f"<b>{_num(v, lang)}</b>" if s else _num(v, lang)
                        for v, s in zip(frame["pi"], frame["selected"], strict=True)]
    cols = [("rank", t("sampling.report.column.rank", lang), "int"),
            ("unit_id", t("sampling.report.column.unit", lang), "id"),
            ("cases_total", t("sampling.report.column.cases", lang), "int")]
    cols += [(f"{c}_cell", t(f"sampling.component.{c}", lang), "html") for c in COMPONENTS]
    cols += [("score_cell", t("sampling.report.column.score", lang), "html"),
             ("size_cell", t("sampling.report.column.size", lang), "html"),
             ("pi_cell", t("sampling.report.column.pi", lang), "html"),
             ("reason_text", t("sampling.report.column.reason", lang), "text")]
    note = t("sampling.report.ranking_note", lang, floor=_num(params["floor"], lang, 2))
    base.show_html(f"<h2>{escape(t('sampling.report.section.ranking', lang))}</h2>"
                   + base.table_html(frame.sort_values("rank"), cols, lang)
                   + f'<p class="note">{escape(note)}</p>')


def method(draw: dict[str, Any], lang: str) -> None:
    """Scheme, weights, floor, window and the coverage rule's state."""
    params = draw["params"]["units"]
    weights = "; ".join(f"{t(f'sampling.component.{c}', lang)} {_num(params['weights'][c], lang, 2)}"
                        for c in COMPONENTS)
    line = t("sampling.report.weights", lang, weights=weights, floor=_num(params["floor"], lang, 2),
             days=fmt_int(params["window_days"], lang))
    base.show_html(f"<h2>{escape(t('sampling.report.section.method', lang))}</h2>"
                   f"<p>{escape(t('sampling.report.scheme', lang))}</p>"
                   f"<p>{escape(t('sampling.report.coverage_rule', lang, n=params['coverage_cycles']))}</p>"
                   f"<p>{escape(line)}</p>")


def commitment(cycle: dict[str, Any], lang: str) -> None:
    """The two steps in time, the public value, the revealed secret, abandoned commitments, how to verify."""
    from .. import __version__
    from .public import parse_round, where_to_read

    draw = cycle["units"]
    public = draw["public"]
    where = where_to_read(parse_round(public["source"], public["round"]))
    items = [(t("sampling.report.commitment_label", lang), draw["commitment"], True),
             (t("sampling.report.committed_at", lang), _time(draw["committed_at"]), False),
             (t("sampling.report.delay", lang), t("sampling.report.delay_value", lang,
                                                  hours=_num(draw["params"]["draw"]["delay_hours"], lang, 0),
                                                  earliest=_time(draw["earliest_draw"])), False),
             (t("sampling.report.public_label", lang),
              t("sampling.report.public_value", lang, source=public["source"], round=public["round"],
                value=public["value"]), False),
             (t("sampling.report.drawn_at_label", lang), _time(draw["drawn_at"]), False),
             (t("sampling.report.secret_label", lang), draw["secret"], True),
             (t("sampling.report.seed_label", lang), draw["seed"], True),
             (t("sampling.report.input_label", lang), draw["inputs_sha256"], True)]
    dl = "".join(f"<dt>{escape(k)}</dt><dd>" + (f'<code class="hash">{escape(v)}</code>' if code else escape(v))
                 + "</dd>" for k, v, code in items)
    parts = [f"<h2>{escape(t('sampling.report.section.commitment', lang))}</h2>",
             f"<p>{escape(t('sampling.report.commitment', lang))}</p>", f'<dl class="meta">{dl}</dl>',
             f'<p class="note">{escape(t("sampling.report.where", lang, where=where))}</p>']
    gone = cycle["abandoned"]
    if gone:
        rows = pd.DataFrame([{"commitment": a["commitment"][:16] + "…", "committed_at": _time(a["committed_at"]),
                              "what": a["unit"] or t("sampling.report.abandoned_units", lang),
                              "reason": a["reason"] or "—",
                              "drawn": t("sampling.report.yes" if a["drawn"] else "sampling.report.no", lang)}
                             for a in gone])
        parts.append(f"<h3>{escape(t('sampling.report.abandoned', lang, n=fmt_int(len(gone), lang)))}</h3>")
        parts.append(base.table_html(rows, [
            ("commitment", t("sampling.report.commitment_label", lang), "id"),
            ("committed_at", t("sampling.report.committed_at", lang), "text"),
            ("what", t("sampling.report.column.unit", lang), "text"),
            ("drawn", t("sampling.report.abandoned_drawn", lang), "text"),
            ("reason", t("sampling.report.column.reason", lang), "text")], lang))
    else:
        parts.append(f'<p class="note">{escape(t("sampling.report.no_abandoned", lang))}</p>')
    parts.append(f"<p><code>{escape(t('sampling.report.verify', lang, folder=Path(cycle['folder']).name))}</code></p>")
    parts.append(f'<p class="note">{escape(t("sampling.report.generated", lang, version=__version__))}</p>')
    base.show_html("".join(parts))


def _time(text: str) -> str:
    return text[:19].replace("T", " ") + " UTC"


def cases(cycle: dict[str, Any], lang: str) -> None:
    """The case samples drawn in this cycle so far, unit by unit."""
    parts = [f"<h2>{escape(t('sampling.report.section.cases', lang))}</h2>"]
    if not cycle["cases"]:
        parts.append(f'<p class="note">{escape(t("sampling.report.no_cases", lang))}</p>')
    for draw in cycle["cases"]:
        frame = pd.DataFrame(draw["cases"])
        parts.append(f"<h3>{escape(t('sampling.report.cases_unit', lang, unit=draw['unit'], n=fmt_int(len(frame), lang)))}</h3>"
                     f"<p>{escape(draw['explanation'][lang])}</p>")
        if frame.empty:
            continue
        frame["reason_text"] = ["; ".join(t(f"sampling.reason.{r}", lang) for r in rs) for rs in frame["reasons"]]
        parts.append(base.table_html(frame, [
            ("case_id", t("sampling.report.column.case", lang), "id"),
            ("executor_id", t("sampling.report.column.executor", lang), "id"),
            ("amount_due", t("sampling.report.column.amount", lang), "money"),
            ("reason_text", t("sampling.report.column.reason", lang), "text"),
            ("rules", t("sampling.report.column.rules", lang), "text")], lang))
    base.show_html("".join(parts))
