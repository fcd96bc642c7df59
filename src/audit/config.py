"""Rule packs, defaults and an inspection's overrides, merged, validated and bound.

A rule's parameter is looked up, most specific first: the inspection's
override, then the rule pack in force on the day the rule's clock started
(legal deadlines), then ``params/defaults.yaml``, then the default the rule
declares. Every key is checked against the rule registry when the files are
loaded, before any data is read: a misspelt rule or parameter is an error
naming the file. :meth:`Settings.bind` hands a rule its values, typed.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .calendar import WorkCalendar
from .dates import as_date
from .errors import ParameterError
from .resources import resource_dir
from .rules.registry import Params, Rule, get_rule, validate_rule_params

__all__ = ["PARAMS_DIR", "RulePack", "Settings", "LegalValue", "load_settings"]

# The checkout's params/, or the copy an installed package ships (audit.resources).
PARAMS_DIR = Path(os.environ.get("AUDIT_PARAMS_DIR") or resource_dir("params"))
_PACK_META = {"article", "extra"}


@dataclass(frozen=True)
class RulePack:
    name: str
    effective_from: dt.date
    law: dict[str, str]
    short: dict[str, str]
    rules: dict[str, dict[str, Any]]
    inherited: frozenset[str] = frozenset()  # rule ids whose numbers come from an older law
    inherited_note: dict[str, str] = field(default_factory=dict)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParameterError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    except yaml.YAMLError as exc:
        raise ParameterError(f"not valid YAML: {exc}".splitlines()[0], file=str(path)) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError("expected a mapping at the top level", file=str(path))
    return data


def _load_packs(folder: Path) -> list[RulePack]:
    raw = {}
    for path in sorted(folder.glob("*.yaml")):
        data = _read_yaml(path)
        raw[data.get("pack", path.stem)] = (path, data)
    packs = []
    for name, (path, data) in raw.items():
        rules: dict[str, dict[str, Any]] = {}
        inherited: set[str] = set()
        parent = data.get("inherits")
        if parent:
            if parent not in raw:
                raise ParameterError(f"inherits unknown pack {parent!r}", file=str(path))
            rules = {k: dict(v) for k, v in (raw[parent][1].get("rules") or {}).items()}
            inherited = set(rules)
        for rid, values in (data.get("rules") or {}).items():
            rules[rid] = {**rules.get(rid, {}), **values}
            inherited.discard(rid)
        if "effective_from" not in data:
            raise ParameterError("missing effective_from", file=str(path))
        eff = as_date(data["effective_from"], "effective_from", file=str(path))
        packs.append(RulePack(name, eff, data.get("law", {}), data.get("short", {}), rules,
                              frozenset(inherited), data.get("inherited_note", {})))
    if not packs:
        raise ParameterError("no rule pack found", file=str(folder))
    return sorted(packs, key=lambda p: p.effective_from)


@dataclass
class Settings:
    """Everything a rule may ask for, validated.

    Use :func:`load_settings` to build one.
    """

    packs: list[RulePack]
    defaults: dict[str, dict[str, Any]]
    overrides: dict[str, dict[str, Any]]
    calendar: WorkCalendar
    calendar_file: str | None = None

    # -- lookups ---------------------------------------------------------
    def param(self, rule_id: str, name: str, default: Any = None) -> Any:
        """A scalar parameter (the newest pack's value for legal ones).

        Raises
        ------
        ParameterError
            For a rule or a parameter the registry does not know.
        """
        prm = get_rule(rule_id).param(name)
        if name in self.overrides.get(rule_id, {}):
            return self.overrides[rule_id][name]
        for pack in reversed(self.packs):
            if name in pack.rules.get(rule_id, {}):
                return pack.rules[rule_id][name]
        return self.defaults.get(rule_id, {}).get(name, prm.default if default is None else default)

    def bind(self, rule: Rule) -> Params:
        """The rule's parameters for a run, typed: scalars as ``int``/``float``, legal ones
        as :class:`LegalValue`."""
        values: dict[str, Any] = {}
        for prm in rule.params:
            if prm.legal:
                values[prm.name] = LegalValue(self, rule.rule_id, prm.name, prm.kind)
            else:
                values[prm.name] = prm.kind(self.param(rule.rule_id, prm.name))
        return Params(rule.rule_id, values)

    def values_on(self, rule: Rule, day: dt.date) -> dict[str, Any]:
        """Every parameter's value in force on ``day`` (legal ones from that day's pack)."""
        out = {}
        for prm in rule.params:
            v = self.bind(rule).__getattr__(prm.name)
            out[prm.name] = v.on(day) if isinstance(v, LegalValue) else v
        return out

    def describe(self, rule_id: str, lang: str, on: dt.date | None = None) -> str:
        """What the rule checks, worded with the values in force on ``on`` (default: the
        newest pack's)."""
        rule = get_rule(rule_id)
        day = on if on is not None else self.packs[-1].effective_from
        return rule.describe(lang, self.values_on(rule, day))

    def pack_index(self, clock_start: pd.Series) -> np.ndarray:
        """Index into ``packs`` of the pack in force on each clock-start date."""
        starts = np.array([np.datetime64(p.effective_from, "s") for p in self.packs])
        values = pd.to_datetime(clock_start).to_numpy().astype("datetime64[s]")
        idx = np.searchsorted(starts, values, side="right") - 1
        # Clocks that started before the oldest pack are judged by the oldest.
        return np.clip(idx, 0, len(self.packs) - 1)

    def pack_param(self, rule_id: str, name: str, clock_start: pd.Series) -> pd.Series:
        """A legal parameter per row, from the pack in force when each clock started."""
        if name in self.overrides.get(rule_id, {}):
            return pd.Series(self.overrides[rule_id][name], index=clock_start.index)
        values = np.array([p.rules.get(rule_id, {}).get(name, self.param(rule_id, name)) for p in self.packs])
        return pd.Series(values[self.pack_index(clock_start)], index=clock_start.index)

    def legal_basis(self, rule_id: str, pack: int, lang: str) -> str:
        p = self.packs[pack]
        spec = p.rules.get(rule_id)
        if not spec or "article" not in spec:
            return ""
        art = spec["article"]
        text = f"Điều {art} {p.short['vi']}" if lang == "vi" else f"Art. {art}, {p.short['en']}"
        if rule_id in p.inherited:
            older = next((q for q in self.packs if q.name != p.name and rule_id in q.rules), None)
            if older is not None:
                text = (f"Điều {art} {older.short['vi']}, {p.inherited_note['vi']}" if lang == "vi"
                        else f"Art. {art}, {older.short['en']}, {p.inherited_note['en']}")
        extra = spec.get("extra")
        if extra:
            text += f"; {extra[lang]}"
        return text

    def effective(self, rule_ids: list[str]) -> dict[str, Any]:
        """The values in force, per rule, for the run's manifest."""
        out: dict[str, Any] = {}
        for rid in rule_ids:
            rule = get_rule(rid)
            values = {}
            for prm in rule.params:
                if prm.legal:
                    values[prm.name] = {p.name: p.rules.get(rid, {}).get(prm.name, prm.default)
                                        for p in self.packs}
                    if prm.name in self.overrides.get(rid, {}):
                        values[prm.name] = {"override": self.overrides[rid][prm.name]}
                else:
                    values[prm.name] = self.param(rid, prm.name, prm.default)
            out[rid] = values
        return {"rules": out, "packs": [p.name for p in self.packs], "calendar_file": self.calendar_file}


def load_settings(params_file: str | Path | None = None, params_dir: Path | None = None) -> Settings:
    """Read the packs and defaults, apply an inspection file, and validate it all.

    Raises
    ------
    ParameterError
        Naming the file, the rule and the parameter that is unknown or ill-typed.
    """
    folder = params_dir or PARAMS_DIR
    if not folder.is_dir():
        raise ParameterError("the parameter folder is missing", file=str(folder))
    packs = _load_packs(folder / "packs")
    defaults_path = folder / "defaults.yaml"
    defaults = (_read_yaml(defaults_path).get("rules") or {}) if defaults_path.exists() else {}
    for pack in packs:
        validate_rule_params(
            {r: {k: v for k, v in vals.items() if k not in _PACK_META} for r, vals in pack.rules.items()},
            source=str(folder / "packs" / f"{pack.name}.yaml"))
    validate_rule_params(defaults, source=str(defaults_path))
    overrides: dict[str, dict[str, Any]] = {}
    calendar_file = None
    if params_file is not None:
        path = Path(params_file)
        data = _read_yaml(path)
        unknown = set(data) - {"rules", "calendar"}
        if unknown:
            raise ParameterError(f"unknown key(s) {sorted(unknown)}; expected rules, calendar", file=str(path))
        overrides = data.get("rules") or {}
        validate_rule_params(overrides, source=str(path))
        if data.get("calendar"):
            calendar_file = str((path.parent / data["calendar"]).resolve())
    return Settings(packs, defaults, overrides, WorkCalendar.from_file(calendar_file), calendar_file)


@dataclass(frozen=True, eq=False)
class LegalValue:
    """A number of the law: its value depends on the rule pack in force when the rule's
    clock started (an inspection's override replaces it everywhere)."""

    settings: Settings
    rule_id: str
    name: str
    kind: type

    def at(self, clock_start: pd.Series) -> pd.Series:
        """The value in force on each date of ``clock_start`` (same index)."""
        return self.settings.pack_param(self.rule_id, self.name, clock_start).astype(
            "int64" if self.kind is int else "float64")

    def on(self, day: dt.date) -> Any:
        """The value in force on one day."""
        return self.kind(self.at(pd.Series([pd.Timestamp(day)])).iloc[0])
