"""The sampling parameters: ``params/sampling.yaml``, an inspection's overrides, validated.

The layout is fixed (``units:`` and ``cases:``, see the YAML file); an unknown
or misspelled key is a :class:`~audit.errors.ParameterError` naming the file
and the dotted key, raised before any data is read. The values in force are
recorded in every draw and hashed into its input commitment.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import PARAMS_DIR, _read_yaml
from ..errors import ParameterError

__all__ = ["COMPONENTS", "STRATA", "DEFAULTS", "EXPANSION_FACTORS", "load_params", "check_params",
           "params_sha256", "canonical_json"]

# Risk components, in the order the report shows them (measured in audit.sampling.risk).
COMPONENTS = ("stalled_share", "deadline_rate", "low_completion", "completion_jump",
              "without_share", "valuation_auction")
# Case attributes the stratified part may stratify on.
STRATA = ("condition", "case_type", "executor_id", "initiation")
LEVELS = ("province", "regional", "district")
SEVERITIES = ("high", "medium", "low")
# Public randomness sources a draw can mix in (described in audit.sampling.public).
PUBLIC_SOURCES = ("xsmb", "drand-quicknet", "nist-beacon")
# AICPA Audit Sampling guide: expansion factor for expected misstatement, by confidence.
# Here rather than in .cases: the parameter checks need it and cases need the parameters.
EXPANSION_FACTORS = {0.99: 1.9, 0.95: 1.6, 0.90: 1.5, 0.85: 1.4, 0.80: 1.3, 0.75: 1.25, 0.70: 1.2,
                     0.63: 1.15, 0.50: 1.0}

# The same values as params/sampling.yaml (a test keeps them equal); used when the
# parameter folder has no sampling.yaml.
DEFAULTS: dict[str, dict[str, Any]] = {
    "units": {
        "window_days": 365, "floor": 0.15, "coverage_cycles": 6, "levels": list(LEVELS),
        "weights": {"stalled_share": 0.25, "deadline_rate": 0.15, "low_completion": 0.15,
                    "completion_jump": 0.15, "without_share": 0.15, "valuation_auction": 0.15},
    },
    "cases": {
        "confidence": 0.95, "tolerable_rate": 0.05, "expected_rate": 0.0,
        "tolerable_misstatement": 5_000_000_000, "expected_misstatement": 0, "window_days": 365,
        "strata": ["condition", "case_type", "executor_id"], "certainty_severities": ["high"],
    },
    "draw": {"delay_hours": 24.0, "public_source": "xsmb"},
}

Check = Callable[[Any, str], Any]


def _one_of(allowed: tuple[str, ...]) -> Check:
    def check(value: Any, key: str) -> Any:
        if value not in allowed:
            raise ParameterError(f"{key}: unknown value {value!r} (allowed: {', '.join(allowed)})")
        return value
    return check


def _number(kind: type, low: float | None = None, high: float | None = None, *,
            open_low: bool = False, open_high: bool = False) -> Check:
    def check(value: Any, key: str) -> Any:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if kind is int:
            ok = ok and isinstance(value, int)
        if not ok or (isinstance(value, float) and not math.isfinite(value)):
            raise ParameterError(f"{key}: expected {'a whole number' if kind is int else 'a number'}, "
                                 f"got {value!r}")
        if low is not None and (value < low or (open_low and value == low)):
            raise ParameterError(f"{key}: must be {'above' if open_low else 'at least'} {low}, got {value!r}")
        if high is not None and (value > high or (open_high and value == high)):
            raise ParameterError(f"{key}: must be {'below' if open_high else 'at most'} {high}, got {value!r}")
        return kind(value)
    return check


def _choices(allowed: tuple[str, ...]) -> Check:
    def check(value: Any, key: str) -> Any:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ParameterError(f"{key}: expected a non-empty list of {', '.join(allowed)}")
        bad = [v for v in value if v not in allowed]
        if bad:
            raise ParameterError(f"{key}: unknown value {bad[0]!r} (allowed: {', '.join(allowed)})")
        return list(dict.fromkeys(value))  # order kept, duplicates dropped
    return check


_SPEC: dict[str, dict[str, Any]] = {
    "units": {
        "window_days": _number(int, 30, 3660),
        "floor": _number(float, 0, open_low=True),
        "coverage_cycles": _number(int, 1, 120),
        "levels": _choices(LEVELS),
        "weights": {c: _number(float, 0) for c in COMPONENTS},
    },
    "cases": {
        "confidence": _number(float, 0, 1, open_low=True, open_high=True),
        "tolerable_rate": _number(float, 0, 1, open_low=True, open_high=True),
        "expected_rate": _number(float, 0, 1, open_high=True),
        "tolerable_misstatement": _number(int, 1),
        "expected_misstatement": _number(int, 0),
        "window_days": _number(int, 1, 3660),
        "strata": _choices(STRATA),
        "certainty_severities": _choices(SEVERITIES),
    },
    "draw": {
        # Up to 90 days: a longer wait is a mistake, not a policy.
        "delay_hours": _number(float, 0, 24 * 90),
        "public_source": _one_of(PUBLIC_SOURCES),
    },
}


def _merge(base: dict[str, Any], data: Any, spec: dict[str, Any], prefix: str, source: str) -> None:
    """Check ``data`` against ``spec`` and write its values into ``base`` (nested)."""
    if not isinstance(data, dict):
        raise ParameterError(f"{prefix or 'top level'}: expected a mapping", file=source)
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if key not in spec:
            known = ", ".join(spec)
            raise ParameterError(f"unknown key {dotted!r} (known: {known})", file=source)
        if isinstance(spec[key], dict):
            _merge(base[key], value, spec[key], dotted, source)
            continue
        try:
            base[key] = spec[key](value, dotted)
        except ParameterError as exc:
            raise ParameterError(exc.message, file=source) from None


def _cross_checks(params: dict[str, Any], source: str) -> None:
    u, c = params["units"], params["cases"]
    if not any(u["weights"].values()):
        raise ParameterError("units.weights: at least one weight must be above 0", file=source)
    if c["expected_rate"] >= c["tolerable_rate"]:
        raise ParameterError("cases.expected_rate must be below cases.tolerable_rate", file=source)
    if c["expected_misstatement"] > 0:
        if c["confidence"] not in EXPANSION_FACTORS:
            listed = ", ".join(f"{k:g}" for k in sorted(EXPANSION_FACTORS))
            raise ParameterError(f"cases.confidence {c['confidence']:g} has no expansion factor for an "
                                 f"expected misstatement (use one of {listed})", file=source)
        if c["expected_misstatement"] * EXPANSION_FACTORS[c["confidence"]] >= c["tolerable_misstatement"]:
            raise ParameterError("cases.expected_misstatement × expansion factor must stay below "
                                 "cases.tolerable_misstatement", file=source)


def check_params(data: dict[str, Any], source: str = "parameters") -> dict[str, Any]:
    """Complete ``data`` with the built-in defaults and validate it (e.g. a recorded draw's).

    Raises
    ------
    ParameterError
        Naming ``source`` and the dotted key at fault.
    """
    params = copy.deepcopy(DEFAULTS)
    _merge(params, data, _SPEC, "", source)
    _cross_checks(params, source)
    return params


def load_params(params_file: str | Path | None = None, params_dir: Path | None = None) -> dict[str, Any]:
    """The sampling parameters in force: ``sampling.yaml`` of the parameter folder, then ``params_file``.

    Parameters
    ----------
    params_file : path, optional
        An inspection's overrides, in the layout of ``params/sampling.yaml``.
    params_dir : Path, optional
        The parameter folder (default ``params/``, or ``$AUDIT_PARAMS_DIR``).

    Returns
    -------
    dict
        ``{"units": {...}, "cases": {...}, "draw": {...}}`` with every key.

    Raises
    ------
    ParameterError
        An unreadable file, an unknown key or a value out of range, naming the file and key.
    """
    params = copy.deepcopy(DEFAULTS)
    defaults = (params_dir or PARAMS_DIR) / "sampling.yaml"
    files = [defaults] if defaults.is_file() else []
    if params_file is not None:
        files.append(Path(params_file))
    for path in files:
        _merge(params, _read_yaml(path), _SPEC, "", str(path))
    _cross_checks(params, str(files[-1]) if files else "parameters")
    return params


def canonical_json(data: Any) -> str:
    """One spelling of ``data`` for hashing: sorted keys, no spaces, ASCII."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


def params_sha256(params: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(params).encode()).hexdigest()
