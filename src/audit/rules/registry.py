"""The one registry of rules.

A rule declares its id, category, severity, entity, the tables it needs and
its parameters, and has one pure function ``detect(records, ctx)`` returning
the raw hits (see :mod:`audit.findings` for the columns). The notebook, the
``scan`` command and the tests run every registered rule through
:func:`run_rules`; nothing names rules one by one.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..contract import CATEGORIES, ENTITY_TYPES, FINDING_KINDS, SEVERITIES
from ..errors import ParameterError

if TYPE_CHECKING:
    from ..config import Settings
    from ..records import CaseRecords

__all__ = ["Param", "Rule", "RuleContext", "rule", "all_rules", "get_rule", "validate_rule_params"]


@dataclass(frozen=True)
class Param:
    """A rule parameter. ``legal`` ones come from the rule pack in force."""

    name: str
    kind: type
    default: Any = None
    minimum: float | None = 0
    maximum: float | None = None
    legal: bool = False

    def check(self, value: Any, where: str) -> None:
        ok = isinstance(value, self.kind) and not isinstance(value, bool)
        if self.kind is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            raise ParameterError(f"{where}: expected {self.kind.__name__}, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ParameterError(f"{where}: must be at least {self.minimum}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise ParameterError(f"{where}: must be at most {self.maximum}, got {value!r}")


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know besides the records."""

    as_of: dt.date
    settings: Settings
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    seed: int = 20080614
    lang: str = "vi"
    # What rules want the reader to know besides findings: a model's cross-validated
    # quality, or why a rule stayed silent. Keyed by rule id.
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The audited unit's peers (its province), for rules that compare a unit, an executor,
    # a valuer or an asset with others. None when the records already hold every unit.
    population: CaseRecords | None = None

    def peers(self, records: CaseRecords) -> CaseRecords:
        return self.population if self.population is not None else records

    @property
    def as_of_ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.as_of)

    def param(self, rule_id: str, name: str) -> Any:
        rule = get_rule(rule_id)
        prm = next(p for p in rule.params if p.name == name)
        return self.settings.param(rule_id, name, prm.default)


@dataclass(frozen=True)
class Rule:
    rule_id: str
    category: str
    severity: str
    entity_type: str
    detect: Callable[[CaseRecords, RuleContext], pd.DataFrame]
    kind: str = "indicator"
    requires: tuple[str, ...] = ("cases",)
    params: tuple[Param, ...] = ()
    tags: frozenset[str] = field(default_factory=frozenset)

    def applicable(self, records: CaseRecords) -> bool:
        return all(records.has(t) for t in self.requires)


_REGISTRY: dict[str, Rule] = {}


def rule(rule_id: str, *, kind: str, category: str, severity: str, entity_type: str = "case",
         requires: tuple[str, ...] = ("cases",), params: tuple[Param, ...] = ()
         ) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Register a detector function as a rule.

    ``kind`` is ``"violation"`` (proven from the records against a legal deadline or
    definition: its hits carry ``occurred_on``) or ``"indicator"`` (a lead to verify).
    """
    if category not in CATEGORIES or severity not in SEVERITIES or entity_type not in ENTITY_TYPES:
        raise ValueError(f"{rule_id}: bad category/severity/entity {category}/{severity}/{entity_type}")
    if kind not in FINDING_KINDS:
        raise ValueError(f"{rule_id}: kind must be one of {FINDING_KINDS}, got {kind!r}")

    def register(fn: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if rule_id in _REGISTRY:
            raise ValueError(f"rule {rule_id} registered twice")
        _REGISTRY[rule_id] = Rule(rule_id, category, severity, entity_type, fn, kind, requires, params)
        return fn

    return register


def _load_all() -> None:
    # Importing the category modules registers their rules.
    from . import (  # noqa: F401
        auction,
        auction_deadlines,
        collusion,
        data_quality,
        deadline,
        disbursement,
        misclassification,
        misclassification_model,
        reconciliation,
        stalled,
        valuation,
        workload,
    )


def all_rules() -> list[Rule]:
    _load_all()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get_rule(rule_id: str) -> Rule:
    _load_all()
    try:
        return _REGISTRY[rule_id]
    except KeyError:
        raise ParameterError(f"unknown rule {rule_id!r}") from None


def validate_rule_params(values: dict[str, Any], source: str) -> None:
    """Refuse unknown rules, unknown parameters and ill-typed values."""
    _load_all()
    if not isinstance(values, dict):
        raise ParameterError("`rules` must map rule ids to parameters", file=source)
    for rid, params in values.items():
        if rid not in _REGISTRY:
            raise ParameterError(f"unknown rule {rid!r}", file=source)
        if not isinstance(params, dict):
            raise ParameterError(f"{rid}: expected a mapping of parameters", file=source)
        declared = {p.name: p for p in _REGISTRY[rid].params}
        for name, value in params.items():
            if name not in declared:
                known = ", ".join(sorted(declared)) or "none"
                raise ParameterError(f"{rid}: unknown parameter {name!r} (known: {known})", file=source)
            try:
                declared[name].check(value, f"{rid}.{name}")
            except ParameterError as exc:
                raise ParameterError(exc.message, file=source) from None


def run_rules(records: CaseRecords, ctx: RuleContext, *, timings: dict[str, float] | None = None,
              only: list[str] | None = None) -> pd.DataFrame:
    """Run every registered rule (or ``only`` these) and return one findings frame."""
    from ..findings import concat_findings, finalize

    frames = []
    for r in all_rules():
        if only is not None and r.rule_id not in only:
            continue
        if not r.applicable(records):
            continue
        start = time.perf_counter()
        frames.append(finalize(r.detect(records, ctx), r, ctx))
        if timings is not None:
            timings[r.rule_id] = time.perf_counter() - start
    return concat_findings(frames)
