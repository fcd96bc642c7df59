"""A case's timeline picture: its records on a time axis against the legal deadlines
its findings turn on, the missed ones marked.

A reviewer who reads "decision 9 working days late" wants to see it: when the
case was received, when each step happened, where the deadline fell. The
picture puts every dated record of the case in a lane of its own (the case
file, its events, verifications, valuations, auctions, complaints), and for
each finding with a date (``occurred_on``: the deadline that passed, or the
day of the act) a red line, with the span the law allowed shaded from the day
its clock started (``event_date``). The same picture serves the report's top
findings and the inspector's workbench.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

from ..i18n import catalogue, t
from ..records import CaseRecords
from .charts import FLAG_COLOUR, PEER_COLOUR, PREVIOUS_COLOUR, UNIT_COLOUR, _style, to_data_uri

__all__ = ["case_marks", "timeline_figure", "timeline_png", "top_cases", "LANES"]

LANES = ("case", "events", "verifications", "valuations", "auctions", "complaints")
MARK_COLUMNS = ("date", "lane", "mark", "detail")
_SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_COLOURS = (UNIT_COLOUR, "#1b7837", "#762a83", "#e08214", "#35978f", "#8c510a", "#4d4d4d")


def _marks(dates: pd.Series, lane: str, marks: Sequence[str] | pd.Series, detail: pd.Series | str = "") -> pd.DataFrame:
    frame = pd.DataFrame({"date": pd.to_datetime(dates), "lane": lane, "mark": list(marks) if len(dates) else [],
                          "detail": detail})
    return frame.loc[frame["date"].notna()]


def case_marks(records: CaseRecords, case_id: str) -> pd.DataFrame:
    """Every dated record of one case, one row each: date, lane (:data:`LANES`), mark (an
    event type or a record kind, the key of its label) and detail (an amount, a value, an
    outcome), in date order."""
    parts: list[pd.DataFrame] = []
    cases = records.cases.loc[records.cases["case_id"] == case_id]
    for column, mark in (("received_date", "received"), ("decision_date", "decision"), ("closed_date", "closed")):
        if column in cases:
            parts.append(_marks(cases[column], "case", [mark] * len(cases)))
    events = records.events.loc[records.events["case_id"] == case_id]
    parts.append(_marks(events["event_date"], "events", events["event_type"].astype("str"),
                        events["amount"].astype("string").fillna("")))
    if records.has("verifications"):
        ver = records.verifications.loc[records.verifications["case_id"] == case_id]
        parts.append(_marks(ver["verification_date"], "verifications", ["verification"] * len(ver),
                            ver["outcome"].astype("str")))
    assets = (records.assets.loc[records.assets["case_id"] == case_id, "asset_id"]
              if records.has("assets") else pd.Series(dtype="str"))
    if records.has("valuations") and len(assets):
        val = records.valuations.loc[records.valuations["asset_id"].isin(assets)]
        parts.append(_marks(val["valuation_date"], "valuations", ["valuation"] * len(val),
                            val["value"].astype("string").fillna("")))
    if records.has("auctions") and len(assets):
        auc = records.auctions.loc[records.auctions["asset_id"].isin(assets)]
        held = auc["auction_date"].fillna(auc["contract_date"])
        parts.append(_marks(held, "auctions", ["auction"] * len(auc), auc["outcome"].astype("str")))
    if records.has("complaints"):
        com = records.complaints.loc[records.complaints["case_id"] == case_id]
        parts.append(_marks(com["received_date"], "complaints", ["complaint"] * len(com),
                            com["subject"].astype("str")))
    frame = pd.concat([p for p in parts if len(p)] or [pd.DataFrame(columns=list(MARK_COLUMNS))],
                      ignore_index=True)
    return frame.sort_values("date", kind="stable").reset_index(drop=True)[list(MARK_COLUMNS)]


def top_cases(findings: pd.DataFrame, count: int = 5) -> list[str]:
    """The cases with the most serious findings: violations before indicators, then by
    severity, then by how many findings the case has, then by id (stable across runs)."""
    if findings.empty or "case_id" not in findings:
        return []
    f = findings.loc[findings["case_id"].fillna("").astype("str") != ""]
    if f.empty:
        return []
    ranked = pd.DataFrame({
        "case_id": f["case_id"].astype("str"),
        "kind": (f["finding_kind"] != "violation").astype("int64"),
        "severity": f["severity"].map(_SEVERITY_RANK).fillna(3).astype("int64"),
    })
    per_case = ranked.groupby("case_id").agg(kind=("kind", "min"), severity=("severity", "min"),
                                             findings=("kind", "size")).reset_index()
    per_case = per_case.sort_values(["kind", "severity", "findings", "case_id"],
                                    ascending=[True, True, False, True], kind="stable")
    return per_case["case_id"].head(count).tolist()


def timeline_png(records: CaseRecords, case_id: str, findings: pd.DataFrame, *, as_of: dt.date | None = None,
                 lang: str = "vi") -> str:
    """The timeline picture of one case as a PNG data URI (see :func:`timeline_figure`)."""
    return to_data_uri(timeline_figure(records, case_id, findings, as_of=as_of, lang=lang))


def timeline_figure(records: CaseRecords, case_id: str, findings: pd.DataFrame, *, as_of: dt.date | None = None,
                    lang: str = "vi") -> Figure:
    """The timeline picture of one case (see the module's docstring).

    Parameters
    ----------
    records : CaseRecords
        Records holding the case (a unit's or a whole source's).
    case_id : str
    findings : DataFrame
        Findings (any; those of ``case_id`` with an ``occurred_on`` are drawn).
    as_of : date, optional
        The audit date, drawn as a grey line.
    lang : "vi" or "en"
    """
    marks = case_marks(records, case_id)
    own = findings.loc[(findings["case_id"].astype("str") == case_id) & findings["occurred_on"].notna()]
    lanes = [lane for lane in LANES if lane in set(marks["lane"])] or ["case"]
    fig = Figure(figsize=(9.0, 0.55 * len(lanes) + 1.6))
    ax = fig.subplots()
    _style(ax)
    y = {lane: len(lanes) - 1 - i for i, lane in enumerate(lanes)}
    for _, f in own.iterrows():  # a case has a handful of findings: drawing, not auditing
        due = pd.Timestamp(f["occurred_on"])
        start = f["event_date"]
        if pd.notna(start) and pd.Timestamp(start) < due:
            ax.axvspan(pd.Timestamp(start), due, color=PEER_COLOUR, alpha=0.25, lw=0)
        colour = FLAG_COLOUR if f["finding_kind"] == "violation" else PREVIOUS_COLOUR
        ax.axvline(due, color=colour, lw=1.6)
        ax.annotate(t("timeline.deadline", lang, rule_id=f["rule_id"]), (due, len(lanes) - 0.35),
                    rotation=90, fontsize=7, color=colour, ha="right", va="top")
    # One marker per kind of record, named once in the legend: a busy case has dozens of
    # events, and labels beside each mark would overlap.
    for i, (mark, group) in enumerate(marks.groupby("mark", sort=False)):
        key = f"timeline.marks.{mark}"
        ax.scatter(group["date"], [y[str(lane)] for lane in group["lane"]], s=30, zorder=3,
                   marker=_MARKERS[i % len(_MARKERS)], color=_COLOURS[i % len(_COLOURS)],
                   label=t(key, lang) if key in catalogue() else str(mark))
    if not marks.empty:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=6, fontsize=7, frameon=False)
    if as_of is not None:
        ax.axvline(pd.Timestamp(as_of), color="#555555", lw=1, ls="--")
        ax.annotate(t("timeline.as_of", lang), (pd.Timestamp(as_of), len(lanes) - 0.35), rotation=90, fontsize=7,
                    ha="right", va="top", color="#555555")
    ax.set_yticks([y[lane] for lane in lanes], [t(f"timeline.lanes.{lane}", lang) for lane in lanes])
    ax.set_ylim(-0.8, len(lanes) - 0.2)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m/%Y"))
    ax.set_title(t("timeline.title", lang, case_id=case_id), fontsize=10, loc="left")
    if marks.empty:
        ax.text(0.5, 0.5, t("timeline.empty", lang, case_id=case_id), transform=ax.transAxes, ha="center")
    return fig

