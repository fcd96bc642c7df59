"""Severity of violations, graded by how late and how much money (params/severity.yaml).

A rule declares a default severity; for a violation the grade then follows the
facts of each finding: days late and money at stake. Indicators keep their
rule's severity: they are leads to verify, and their weight is their score.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import measures
from ._frames import lookup
from .errors import ParameterError
from .records import CaseRecords

__all__ = ["Grading", "load_grading", "grade", "money_at_stake"]


@dataclass(frozen=True)
class Grading:
    """Thresholds per rule: days late and money at stake (đồng) for low and high."""

    default: dict[str, dict[str, int]]
    rules: dict[str, dict[str, dict[str, int]]]

    def limits(self, rule_id: str) -> dict[str, dict[str, int]]:
        own = self.rules.get(rule_id, {})
        return {k: {**self.default[k], **own.get(k, {})} for k in ("days", "money")}


def _check(node: Any, where: str) -> dict[str, dict[str, int]]:
    if not isinstance(node, dict) or set(node) - {"days", "money"}:
        raise ParameterError(f"{where}: expected days and/or money", file="severity.yaml")
    for key, value in node.items():
        if not isinstance(value, dict) or set(value) - {"low", "high"} or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value.values()):
            raise ParameterError(f"{where}.{key}: expected low and high as whole numbers",
                                 file="severity.yaml")
        if "low" in value and "high" in value and value["low"] > value["high"]:
            raise ParameterError(f"{where}.{key}: low is above high", file="severity.yaml")
    return node


def load_grading(path: str | Path | None = None) -> Grading:
    """Read the grading thresholds (default: the project's params/severity.yaml)."""
    from .config import PARAMS_DIR

    file = Path(path) if path is not None else PARAMS_DIR / "severity.yaml"
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ParameterError(f"cannot read the severity grading: {exc}".splitlines()[0], file=str(file)) from None
    default = _check(data.get("default", {}), "default")
    if set(default) != {"days", "money"} or any(set(v) != {"low", "high"} for v in default.values()):
        raise ParameterError("default: needs days and money, each with low and high", file=str(file))
    rules = {str(rid): _check(v, str(rid)) for rid, v in (data.get("rules") or {}).items()}
    return Grading(default, rules)


def money_at_stake(findings: pd.DataFrame, records: CaseRecords) -> pd.Series:
    """The amount each finding names, else what its case still owes (đồng; NA when neither)."""
    cases = records.cases
    paid = measures.collections_of(records).groupby("case_id")["amount"].sum()
    owed = (cases["amount_due"] - lookup(cases["case_id"], paid).fillna(0).astype("Int64")).clip(lower=0)
    by_case = pd.Series(owed.to_numpy(), index=cases["case_id"].to_numpy()).groupby(level=0).first()
    return findings["amount"].astype("Int64").fillna(lookup(findings["case_id"], by_case).astype("Int64"))


def grade(findings: pd.DataFrame, records: CaseRecords, grading: Grading) -> pd.DataFrame:
    """``findings`` with each violation's severity graded from its days late and money.

    Rows of indicators, and violations with neither a lateness nor an amount, keep
    the severity their rule gave them.
    """
    if findings.empty:
        return findings
    out = findings.copy()
    violation = (out["finding_kind"] == "violation").to_numpy()
    days = out["days_over"].astype("float64").to_numpy(na_value=np.nan)
    money = money_at_stake(out, records).astype("float64").to_numpy(na_value=np.nan)
    rules = out["rule_id"].to_numpy()
    low_d, high_d, low_m, high_m = (np.empty(len(out)) for _ in range(4))
    for rid in pd.unique(rules):
        sel = rules == rid
        lim = grading.limits(str(rid))
        low_d[sel], high_d[sel] = lim["days"]["low"], lim["days"]["high"]
        low_m[sel], high_m[sel] = lim["money"]["low"], lim["money"]["high"]
    known = ~np.isnan(days) | ~np.isnan(money)
    with np.errstate(invalid="ignore"):
        high = (days >= high_d) | (money >= high_m)
        low = ~high & ~(days > low_d) & ~(money >= low_m)
    graded = np.where(high, "high", np.where(low, "low", "medium"))
    sel = violation & known
    out.loc[sel, "severity"] = graded[sel]
    return out
