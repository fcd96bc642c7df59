"""Rule packs, defaults and an inspection's overrides, merged and validated.

A rule's parameter is looked up, most specific first: the inspection's
override, then the rule pack in force on the day the rule's clock started
(legal deadlines), then ``params/defaults.yaml``, then the default the rule
declares. Every key is checked against the rule registry before any data is
read.
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
from .errors import ParameterError

__all__ = ["PARAMS_DIR", "RulePack", "Settings", "load_settings"]

PARAMS_DIR = Path(os.environ.get("AUDIT_PARAMS_DIR", Path(__file__).resolve().parents[2] / "params"))
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
        try:
            eff = data["effective_from"]
            eff = eff if isinstance(eff, dt.date) else dt.date.fromisoformat(str(eff))
        except (KeyError, ValueError) as exc:
            raise ParameterError("missing or invalid effective_from", file=str(path)) from exc
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
        """A scalar parameter (the newest pack's value for legal ones)."""
        if name in self.overrides.get(rule_id, {}):
            return self.overrides[rule_id][name]
        for pack in reversed(self.packs):
            if name in pack.rules.get(rule_id, {}):
                return pack.rules[rule_id][name]
        return self.defaults.get(rule_id, {}).get(name, default)

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
        from .rules.registry import get_rule

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
    from .rules.registry import validate_rule_params

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
