"""The pictures of each category's section, each with one plain sentence under it
saying how to read it (the catalogue's ``report.pictures.*.caption``)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

import numpy as np

from ...contract import SEVERITIES
from ...i18n import t
from ...measures import AGE_BUCKETS
from .. import charts, charts_market, facts
from ._html import figure, fmt_multiple, label, pct_formatter, table_html

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["PICTURES"]


def _fig(result: UnitAudit, name: str, uri: str) -> str:
    lang = result.lang
    return (f"<div><h4>{escape(t(f'report.pictures.{name}.title', lang))}</h4>"
            + figure(uri, t(f"report.pictures.{name}.title", lang), t(f"report.pictures.{name}.caption", lang))
            + "</div>")


def _row(*blocks: str) -> str:
    """Pictures side by side where the page is wide enough."""
    inner = "".join(b for b in blocks if b)
    return f'<div class="row">{inner}</div>' if inner else ""


def _age(result: UnitAudit) -> str:
    lang, ap = result.lang, result.age_profile
    if ap is not None and "unit_id" in ap:
        ap = ap[ap["unit_id"] == result.unit.get("unit_id")]
    if ap is None or ap.empty or int(ap["cases"].sum()) == 0:
        return f'<p class="note">{escape(t("report.age.empty", lang))}</p>'
    frame = (ap.groupby("bucket")[["cases", "money"]].sum()
             .reindex(list(AGE_BUCKETS), fill_value=0).reset_index())
    frame["label"] = [t(f"report.age.buckets.{b}", lang) for b in frame["bucket"]]
    total = int(frame["cases"].sum())
    frame["share"] = frame["cases"] / total
    table = table_html(frame, [("label", t("report.age.bucket", lang), "text"),
                               ("cases", t("report.age.cases", lang), "int"),
                               ("share", t("report.age.share", lang), "pct"),
                               ("money", t("report.age.money", lang), "money")], lang,
                       total={"label": t("report.age.total", lang), "cases": total, "share": 1.0,
                              "money": int(frame["money"].sum())})
    uri = charts.bar_chart(frame["label"].tolist(), [
        (t("report.age.cases", lang), frame["cases"].astype("float64").tolist()),
        (t("report.age.axis_money", lang), (frame["money"].astype("float64") / 1e9).tolist()),
    ])
    return _row(_fig(result, "age", uri), f"<div>{table}</div>")


def _without_share(result: UnitAudit) -> str:
    shares = facts.without_shares(result)
    if len(shares) < 2:
        return ""
    shares = shares.sort_values("share", ascending=False, kind="stable")
    uri = charts.paired_barh(shares["unit_id"].tolist(),
                             [(t("report.pictures.without.legend", result.lang), shares["share"].tolist(),
                               charts.UNIT_COLOUR)],
                             t("report.pictures.without.axis", result.lang), pct_formatter(result.lang),
                             highlight=shares["audited"].tolist())
    return _row(_fig(result, "without", uri))


def _executors(result: UnitAudit) -> str:
    lang, frame = result.lang, facts.executor_findings(result)
    if frame.empty:
        return ""
    labels = [f"{n} ({e})" for n, e in zip(frame["name"], frame["executor_id"], strict=True)]
    uri = charts.stacked_barh(labels, [(s, label("severity", s, lang), frame[s].tolist()) for s in SEVERITIES],
                              t("report.findings.axis", lang))
    return _row(_fig(result, "executors", uri))


def _shares(result: UnitAudit, kind: str) -> str:
    lang, frame = result.lang, facts.provider_shares(result, kind)
    if frame.empty:
        return ""
    uri = charts.paired_barh(frame["provider"].tolist(), [
        (t("report.pictures.shares.unit", lang), frame["unit_share"].tolist(), charts.UNIT_COLOUR),
        (t("report.pictures.shares.province", lang), frame["province_share"].tolist(), charts.PEER_COLOUR),
    ], t(f"report.pictures.{kind}_shares.axis", lang), pct_formatter(lang))
    return _fig(result, f"{kind}_shares", uri)


def _per_m2(result: UnitAudit) -> str:
    lang, frame = result.lang, facts.per_m2_ratios(result)
    if frame.empty or not frame["audited"].any():
        return ""
    s = result.settings
    band = (float(s.param("VA-COMPARABLE", "low", 0.5)), float(s.param("VA-COMPARABLE", "high", 2.0)))
    types = [(k, t(f"code.{k}", lang).capitalize()) for k in ("land", "house", "apartment")
             if (frame["asset_type"] == k).any()]
    uri = charts_market.ratio_strip(
        frame, types, band,
        tuple(t(f"report.pictures.per_m2.{k}", lang) for k in ("province", "unit", "flagged")),  # type: ignore[arg-type]
        t("report.pictures.per_m2.axis", lang), lambda v: fmt_multiple(v, lang))
    return _fig(result, "per_m2", uri)


def _premiums(result: UnitAudit) -> str:
    lang = result.lang
    unit = facts.winning_premiums(result.records)
    if unit.empty:
        return ""
    series = [(t("report.pictures.shares.unit", lang), unit.tolist(), charts.UNIT_COLOUR)]
    if result.population is not None:
        series.append((t("report.pictures.shares.province", lang),
                       facts.winning_premiums(result.population).tolist(), charts.PEER_COLOUR))
    edges = np.round(np.arange(0, 0.32, 0.02), 2).tolist()
    uri = charts.histogram(series, edges, t("report.pictures.premiums.axis", lang),
                           t("report.pictures.premiums.share", lang), pct_formatter(lang))
    return _fig(result, "premiums", uri)


def _rings(result: UnitAudit) -> str:
    lang, groups = result.lang, facts.ring_groups(result)[:3]
    if not groups:
        return ""
    titles = [t("report.pictures.rings.group", lang, n=i, members=len(m)) for i, (m, _) in
              enumerate(groups, start=1)]
    return _fig(result, "rings", charts_market.bidder_networks(groups, titles))


def _valuation(result: UnitAudit) -> str:
    return _row(_shares(result, "valuer"), _per_m2(result))


def _auction(result: UnitAudit) -> str:
    return _row(_shares(result, "auctioneer"), _premiums(result)) + _row(_rings(result))


PICTURES: dict[str, Callable[[UnitAudit], str]] = {
    "stalled": _age,
    "misclassification": _without_share,
    "workload": _executors,
    "valuation": _valuation,
    "auction": _auction,
}
