"""Running the registered rules: bind each rule's parameters, detect, turn the hits into
findings. Kept apart from the registry so that declaring a rule needs nothing of the
settings or of the findings table."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pandas as pd

from ..findings import concat_findings, finalize
from .context import RuleContext
from .registry import Params, Rule, all_rules

if TYPE_CHECKING:
    from ..records import CaseRecords

__all__ = ["run_rules", "run_rule", "detect_hits"]


def detect_hits(rule: Rule, records: CaseRecords, ctx: RuleContext) -> tuple[pd.DataFrame, Params]:
    """The rule's raw hits with its parameters bound from ``ctx``'s settings, and the bound
    parameters (which record what the rule read)."""
    params = ctx.settings.bind(rule)
    hits = rule.detect(records, ctx, params)
    return hits, params


def run_rule(rule: Rule, records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """One rule's findings (CONTRACT columns), whether or not its tables are present."""
    hits, _ = detect_hits(rule, records, ctx)
    return finalize(hits, rule, ctx)


def run_rules(records: CaseRecords, ctx: RuleContext, *, timings: dict[str, float] | None = None,
              only: list[str] | None = None) -> pd.DataFrame:
    """Run every registered rule (or ``only`` these) whose tables are present and return one
    findings frame; ``timings`` receives each rule's wall time."""
    frames = []
    for r in all_rules():
        if only is not None and r.rule_id not in only:
            continue
        if not r.applicable(records):
            continue
        start = time.perf_counter()
        frames.append(run_rule(r, records, ctx))
        if timings is not None:
            timings[r.rule_id] = time.perf_counter() - start
    return concat_findings(frames)
