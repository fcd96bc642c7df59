"""The report tells the conclusion's story: violations, those from before the period,
matters to verify, and the rest — split exactly as the conclusion splits them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..conclusion.selection import Selection, select

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["GROUPS", "selection_of", "groups_of"]

# (key, what the group is): in the order the report shows them.
GROUPS = ("violations", "before", "indicators", "other")


def selection_of(result: UnitAudit) -> Selection:
    """The conclusion's split of the audit's findings (computed once per audit)."""
    key = ("conclusion_selection", str(result.unit.get("unit_id")), result.period_start, result.period_end,
           id(result.findings))
    return result.records.cached(key, lambda: select(result.findings, str(result.unit.get("unit_id")),
                                                     result.period_start, result.period_end))


def groups_of(result: UnitAudit, rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``rows`` (some of the audit's findings) split into :data:`GROUPS`."""
    sel = selection_of(result)
    ids = {"violations": set(sel.within["finding_id"]) | set(sel.after["finding_id"]),
           "before": set(sel.before["finding_id"]), "indicators": set(sel.indicators["finding_id"])}
    out = {k: rows.loc[rows["finding_id"].isin(v)] for k, v in ids.items()}
    told = set().union(*ids.values())
    out["other"] = rows.loc[~rows["finding_id"].isin(told)]
    return out
