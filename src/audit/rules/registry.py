"""The one registry of rules: what a rule declares, and the decorator that records it.

A rule is one function ``detect(records, ctx, p)`` from the validated records,
the run's context (:class:`~audit.rules.context.RuleContext`) and its bound
parameters to a frame of raw hits (see
:mod:`audit.findings` for the columns), registered with :func:`rule`:

.. code-block:: python

    @rule("DL-DECISION", kind="violation", category="deadline", severity="medium",
          params=(Param("working_days", int, 5, "working days from receipt to the decision",
                        minimum=1, legal=True, unit="working_days"),),
          title=("Ra quyết định thi hành án chậm", "Late enforcement decision"),
          checked=("… trong {working_days} ngày làm việc …", "… within {working_days} working days …"),
          evidence={"": ("Thụ lý {received} …", "Received {received} …")})
    def decision_deadline(records, ctx, p):
        limit = p.working_days.at(cases["received_date"])  # a legal value: per clock start
        ...

Everything a reader is told about a rule lives in its declaration, beside its code:
the title, what it checks (rendered from the parameters in force, so an override
never contradicts the words), the evidence line of each kind of hit, the legal
basis (its article in the rule packs, ``params/packs/``) or, for an indicator,
why it is one. Running the rules is :mod:`audit.rules.run`; binding parameters
from the packs is :mod:`audit.config`. Rule modules are found by name: every
module of this package whose name does not start with ``_`` (except this one and
``run``) is imported by :func:`all_rules`, so a new module needs no edit here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..contract import CATEGORIES, ENTITY_TYPES, FINDING_KINDS, SEVERITIES
from ..errors import ParameterError
from ..i18n import LANGUAGES, add_messages, fmt_decimal, fmt_int

if TYPE_CHECKING:
    from ..records import CaseRecords

__all__ = ["Param", "Rule", "Params", "Text", "rule", "all_rules", "get_rule", "validate_rule_params", "UNITS"]

Text = tuple[str, str]  # (Vietnamese, English)

# How a parameter's value reads in a sentence: a share of 0.1 reads "10" (the text adds
# the %), everything else as the number it is.
UNITS = ("days", "working_days", "months", "share", "ratio", "count", "score", "probability")


@dataclass(frozen=True)
class Param:
    """A rule parameter.

    Attributes
    ----------
    name : str
    kind : type
        ``int`` or ``float``; pack and inspection values are checked against it.
    default : int or float
    doc : str
        What the parameter means (English; the catalogue in ``docs/rules.md`` shows it).
    minimum, maximum : float, optional
    legal : bool
        The value comes from the rule pack in force when the rule's clock started (a
        number of the law); the rule then reads it per row with ``p.<name>.at(dates)``.
    unit : str
        One of ``UNITS``: how the value reads in the rule's texts.
    """

    name: str
    kind: type
    default: Any
    doc: str = ""
    minimum: float | None = 0
    maximum: float | None = None
    legal: bool = False
    unit: str = "count"

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

    def read(self, value: Any, lang: str) -> str:
        """The value as the rule's texts say it."""
        if self.unit == "share":
            return fmt_decimal(float(value) * 100, lang, 1)
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and self.kind is int):
            return fmt_int(int(value), lang)
        return fmt_decimal(value, lang)


class Params:
    """A rule's parameters, bound and typed for one run (built by :meth:`Settings.bind`).

    ``p.name`` is the value (``int`` or ``float``); for a legal parameter it is a
    :class:`~audit.config.LegalValue` whose ``at(dates)`` gives the value of the pack in
    force on each date. A name the rule does not declare is an error naming the rule.
    """

    def __init__(self, rule_id: str, values: Mapping[str, Any]) -> None:
        self._rule_id = rule_id
        self._values = dict(values)
        self.read_names: set[str] = set()  # what the rule read: the common check uses it

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values", {})
        if name not in values:
            known = ", ".join(sorted(values)) or "none"
            raise ParameterError(f"{self.__dict__.get('_rule_id')}: no parameter {name!r} (declared: {known})")
        self.__dict__["read_names"].add(name)
        return values[name]

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


@dataclass(frozen=True)
class Rule:
    """A registered rule: its declaration and its detector."""

    rule_id: str
    category: str
    severity: str
    entity_type: str
    detect: Callable[..., pd.DataFrame]
    kind: str = "indicator"
    requires: tuple[str, ...] = ("cases",)
    params: tuple[Param, ...] = ()
    # key -> (vi, en): title, checked, basis (optional), evidence, evidence_<variant>
    texts: Mapping[str, Text] = field(default_factory=dict)

    def applicable(self, records: CaseRecords) -> bool:
        return all(records.has(t) for t in self.requires)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise ParameterError(f"{self.rule_id}: unknown parameter {name!r} (known: {known})")

    def text(self, key: str, lang: str, **values: Any) -> str:
        """One of the rule's texts in ``lang``, with ``values`` filled in."""
        if key not in self.texts:
            raise KeyError(f"{self.rule_id} has no text {key!r}")
        raw = self.texts[key][LANGUAGES.index(lang)]
        return raw.format(**values) if values else raw

    def describe(self, lang: str, values: Mapping[str, Any] | None = None) -> str:
        """What the rule checks, with the parameter ``values`` (default: the declared ones)."""
        given = values or {}
        read = {p.name: p.read(given.get(p.name, p.default), lang) for p in self.params}
        return self.text("checked", lang, **read)

    def messages(self) -> dict[str, dict[str, str]]:
        """The rule's texts as catalogue messages (``rule.<id>.<key>``), read with the
        declared defaults."""
        out = {}
        for key in self.texts:
            if key == "checked":
                out[f"rule.{self.rule_id}.checked"] = {lang: self.describe(lang) for lang in LANGUAGES}
            else:
                out[f"rule.{self.rule_id}.{key}"] = dict(zip(LANGUAGES, self.texts[key], strict=True))
        return out


_REGISTRY: dict[str, Rule] = {}
_NOT_RULE_MODULES = {"registry", "run"}


def _texts(rule_id: str, title: Text, checked: Text, evidence: Mapping[str, Text],
           basis: Text | None) -> dict[str, Text]:
    texts: dict[str, Text] = {"title": title, "checked": checked}
    if basis is not None:
        texts["basis"] = basis
    for variant, text in evidence.items():
        texts[f"evidence_{variant}" if variant else "evidence"] = text
    for key, text in texts.items():
        if not (isinstance(text, tuple) and len(text) == len(LANGUAGES) and all(text)):
            raise ValueError(f"{rule_id}: text {key!r} must be a ({', '.join(LANGUAGES)}) pair")
    if "evidence" not in texts:
        raise ValueError(f"{rule_id}: an evidence text without variant is required")
    return texts


def rule(rule_id: str, *, kind: str, category: str, severity: str, title: Text, checked: Text,
         evidence: Mapping[str, Text], entity_type: str = "case", requires: tuple[str, ...] = ("cases",),
         params: tuple[Param, ...] = (), basis: Text | None = None
         ) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Register a detector function as a rule.

    Parameters
    ----------
    rule_id : str
        Stable id (``docs/rules.md``).
    kind : {"violation", "indicator"}
        A violation is proven from the records against a legal deadline or definition
        (its hits carry ``occurred_on``); an indicator is a lead to verify.
    category, severity, entity_type : str
        From the contract's vocabularies.
    title, checked : (vi, en)
        The rule's name, and what it checks with ``{param}`` placeholders for its
        parameters.
    evidence : mapping of variant -> (vi, en)
        The evidence line of each kind of hit (``""`` for the plain one), with
        ``{field}`` placeholders filled from the hits' ``ev_<field>`` columns.
    requires : tuple of str
        Tables the rule needs; without them it does not run.
    params : tuple of Param
    basis : (vi, en), optional
        For an indicator: why it is a lead and not a violation. For a violation without
        an article in the packs: what it rests on.
    """
    if category not in CATEGORIES or severity not in SEVERITIES or entity_type not in ENTITY_TYPES:
        raise ValueError(f"{rule_id}: bad category/severity/entity {category}/{severity}/{entity_type}")
    if kind not in FINDING_KINDS:
        raise ValueError(f"{rule_id}: kind must be one of {FINDING_KINDS}, got {kind!r}")
    for p in params:
        if p.unit not in UNITS or not p.doc:
            raise ValueError(f"{rule_id}.{p.name}: a parameter needs a doc and a unit among {UNITS}")
    texts = _texts(rule_id, title, checked, evidence, basis)

    def register(fn: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if rule_id in _REGISTRY:
            raise ValueError(f"rule {rule_id} registered twice")
        _REGISTRY[rule_id] = Rule(rule_id, category, severity, entity_type, fn, kind, requires, params, texts)
        return fn

    return register


def _load_all() -> None:
    """Import every rule module of the package (importing one registers its rules)."""
    package = __name__.rsplit(".", 1)[0]
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if not info.name.startswith("_") and info.name not in _NOT_RULE_MODULES:
            importlib.import_module(f"{package}.{info.name}")


def all_rules() -> list[Rule]:
    """Every registered rule, by id."""
    _load_all()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get_rule(rule_id: str) -> Rule:
    """The rule ``rule_id``; an unknown id is a :class:`ParameterError`."""
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


def _rule_messages() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for r in all_rules():
        out.update(r.messages())
    return out


# The report and the conclusion read rule titles through the message catalogue.
add_messages(_rule_messages)
