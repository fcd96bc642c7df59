"""Who issues the conclusion, on what authority, with which targets and deadlines.

These details come from an inspection file (YAML, see
``params/inspection-example.yaml``); any detail left out reads as a visible
placeholder "[…]" in the draft, so the team sees what it still has to fill in.
Nothing here is guessed from the data except the issuer's default name (the
audited unit's supervising unit) and the procuracy's level.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from ...errors import ParameterError

__all__ = ["Inspection", "load_inspection", "PLACEHOLDER"]

PLACEHOLDER = "[…]"


def placeholder(what: str) -> str:
    """A visible gap for the team to fill: ``[what]``."""
    return f"[{what}]"


@dataclass(frozen=True)
class Inspection:
    """An inspection's administrative details (all optional)."""

    # The issuing body and the body above it (Decree 30/2020 header, cells 1-2).
    parent_body: str = ""
    issuer: str = ""
    issuer_code: str = ""
    place: str = ""
    # The head of the issuer, and the deputy who signs "KT." for them (if any).
    head_title: str = ""
    signer_title: str = ""
    signer_name: str = ""
    # Legal bases: the act giving the issuer its powers, the check regulation, the
    # decision ordering the check and the team's report.
    powers: str = ""
    regulation: str = ""
    decision: str = ""
    team_report: str = ""
    drafting_unit: str = ""
    # Recipients beyond the unit, its supervising unit and the archive.
    procuracy: str = ""
    superior: str = ""
    other_recipients: tuple[str, ...] = ()
    # Days after the conclusion is received to remedy, and to report in writing.
    remedy_days: int = 30
    report_days: int = 45
    # The day the conclusion is signed, when known (then deadlines are dates).
    issue_date: dt.date | None = None
    # Completion-rate targets per statistical year ("2025-2026": {cases: 0.84, money: 0.56}).
    targets: dict[str, dict[str, float]] = field(default_factory=dict)
    # Cases followed closely: at least this amount due (đồng), or of these types.
    key_case_amount: int = 10_000_000_000
    # Cases told one by one in the body per group; the annex lists every case.
    cases_in_body: int = 10
    # A Word template of the agency's own, in place of the shipped one.
    template: str | None = None
    source: str = ""

    def target(self, year: str) -> dict[str, float]:
        return self.targets.get(year, {})


_STR = {f.name for f in fields(Inspection) if f.type in ("str", str)} - {"source"}


def _whole(value: Any, name: str, where: str, least: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ParameterError(f"{name}: expected a whole number of at least {least}, got {value!r}", file=where)
    return value


def _targets(value: Any, where: str) -> dict[str, dict[str, float]]:
    if not isinstance(value, dict):
        raise ParameterError("targets: expected a mapping of statistical year to cases/money rates", file=where)
    out: dict[str, dict[str, float]] = {}
    for year, rates in value.items():
        y = str(year)
        parts = y.split("-")
        if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[1]) != int(parts[0]) + 1:
            raise ParameterError(f"targets: {y!r} is not a statistical year such as 2025-2026", file=where)
        if not isinstance(rates, dict) or not rates or set(rates) - {"cases", "money"}:
            raise ParameterError(f"targets.{y}: expected cases and/or money", file=where)
        for k, v in rates.items():
            ok = isinstance(v, int | float) and not isinstance(v, bool)
            # 84 and 0.84 both mean 84 %.
            rate = float(v) / 100 if ok and v > 1 else float(v) if ok else -1.0
            if not 0 <= rate <= 1:
                raise ParameterError(f"targets.{y}.{k}: expected a rate such as 0.84 or 84, got {v!r}",
                                     file=where)
            out.setdefault(y, {})[k] = rate
    return out


def load_inspection(path: str | Path | None) -> Inspection:
    """Read an inspection file; ``None`` gives the defaults (placeholders everywhere).

    Raises
    ------
    ParameterError
        Naming the file and the key that is unknown or ill-typed.
    """
    if path is None or str(path) == "":
        return Inspection()
    where = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ParameterError(f"cannot read: {exc.strerror}", file=where) from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"not valid YAML: {exc}".splitlines()[0], file=where) from None
    if not isinstance(data, dict):
        raise ParameterError("expected a mapping at the top level", file=where)
    known = {f.name for f in fields(Inspection)} - {"source"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ParameterError(f"unknown key(s) {unknown}; known: {', '.join(sorted(known))}", file=where)
    values: dict[str, Any] = {"source": Path(path).name}
    for key, value in data.items():
        if value is None:
            continue
        if key in _STR:
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise ParameterError(f"{key}: expected text, got {value!r}", file=where)
            values[key] = " ".join(str(value).split())
        elif key == "other_recipients":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ParameterError("other_recipients: expected a list of texts", file=where)
            values[key] = tuple(v.strip() for v in value if v.strip())
        elif key in ("remedy_days", "report_days", "cases_in_body"):
            values[key] = _whole(value, key, where, least=1)
        elif key == "key_case_amount":
            values[key] = _whole(value, key, where)
        elif key == "issue_date":
            if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
                try:
                    value = dt.date.fromisoformat(str(value))
                except ValueError:
                    raise ParameterError(f"issue_date: {value!r} is not a date (YYYY-MM-DD)", file=where) from None
            values[key] = value
        elif key == "targets":
            values[key] = _targets(value, where)
        elif key == "template":
            file = (Path(path).parent / str(value)).resolve()
            if not file.is_file() or file.suffix.lower() != ".docx":
                raise ParameterError(f"template: {value!r} is not a .docx file", file=where)
            values[key] = str(file)
    if values.get("report_days", 45) < values.get("remedy_days", 30):
        raise ParameterError("report_days is before remedy_days: the unit reports on remedies it made",
                             file=where)
    return Inspection(**values)
