"""One problem per entity: findings of overlapping rules on the same case read as one.

Some rules look at the same problem from two sides: a case idle for 180 days
(ST-NO-ACTION) is usually also more than a year old (ST-BACKLOG); a case kept
"without conditions" against its verification (MC-ASSETS-FOUND) may also be
ranked by the model (MC-MODEL). The findings table keeps one row per rule, so
every rule stays measurable and every id stays stable; ``problem_id`` ties the
rows of one problem together (the id of its leading row), and the report and
the conclusion state each problem once, with all its reasons, and count cases.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["OVERLAPS", "assign_problems", "problem_rows"]

# Rules that describe one problem when they hit the same entity, leading rule first.
OVERLAPS: dict[str, tuple[str, ...]] = {
    "stalled_case": ("ST-NO-ACTION", "ST-BACKLOG"),
    "misclassified_case": ("MC-ASSETS-FOUND", "MC-NO-VERIFICATION", "MC-PERIOD-END", "MC-MODEL"),
}
_GROUP = {rid: name for name, rules in OVERLAPS.items() for rid in rules}
_ORDER = {rid: i for rules in OVERLAPS.values() for i, rid in enumerate(rules)}
_SEVERITY = {"high": 0, "medium": 1, "low": 2}


def assign_problems(findings: pd.DataFrame) -> pd.DataFrame:
    """``findings`` with ``problem_id``: its own id, or the id of the row leading its problem.

    The leading row of a problem is a violation before an indicator, then the
    more severe, then the rule listed first in :data:`OVERLAPS`.
    """
    out = findings.copy()
    out["problem_id"] = out["finding_id"]
    group = out["rule_id"].map(_GROUP)
    shared = group.notna()
    if not shared.any():
        return out
    part = out.loc[shared].assign(
        _group=group[shared],
        _kind=(out.loc[shared, "finding_kind"] != "violation").astype("int64"),
        _sev=out.loc[shared, "severity"].map(_SEVERITY),
        _order=out.loc[shared, "rule_id"].map(_ORDER))
    part = part.sort_values(["_group", "entity_type", "entity_id", "_kind", "_sev", "_order"], kind="stable")
    lead = part.groupby(["_group", "entity_type", "entity_id"], sort=False)["finding_id"].transform("first")
    out.loc[lead.index, "problem_id"] = lead
    return out


def problem_rows(findings: pd.DataFrame) -> pd.DataFrame:
    """One row per problem: the leading finding, with ``rules`` (every rule that found
    it, leading first) and ``reasons`` (the other findings' evidence, in order)."""
    if findings.empty:
        return findings.assign(rules=pd.Series(dtype="str"), reasons=pd.Series(dtype="str"))
    lead = findings["finding_id"] == findings["problem_id"]
    others = findings.loc[~lead]
    extra_rules = others.groupby("problem_id")["rule_id"].agg(", ".join)
    extra_evidence = (others["rule_id"] + ": " + others["evidence"]).groupby(others["problem_id"]).agg(" | ".join)
    out = findings.loc[lead].copy()
    more = out["finding_id"].map(extra_rules)
    out["rules"] = out["rule_id"].where(more.isna(), out["rule_id"] + ", " + more.fillna(""))
    out["reasons"] = out["finding_id"].map(extra_evidence).fillna("")
    return out.reset_index(drop=True)
