"""Check a recorded draw: commitment, log, inputs, and the draw itself, recomputed.

For each result in a cycle's folder (``units.json``, ``cases/*.json``):

1. the revealed seed hashes to the recorded commitment;
2. the log holds that commitment with the same input hash *before* a draw
   event whose result hash is the file's (the file was not edited since);
3. the recorded inputs, parameters and history hash to what was committed;
4. the source, re-read, has the recorded fingerprint and the rule settings in
   force hash as recorded;
5. the draw recomputed from the seed selects the same units or cases with the
   same probabilities.

The first failure is a :class:`VerificationError` (one line, exit code 1);
every verification, passed or failed, is logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AuditError
from .commit import (
    LOG_NAME,
    append_log,
    commitment,
    file_sha256,
    input_sha256,
    read_log,
    read_result,
)
from .params import canonical_json, check_params, params_sha256

__all__ = ["VerificationError", "Verified", "verify"]


class VerificationError(AuditError):
    """A recorded draw does not check out."""

    exit_code = 1


@dataclass(frozen=True)
class Verified:
    """One result that checked out."""

    path: Path
    kind: str
    selected: list[str]
    commitment: str
    abandoned: int  # commitments for the same draw left without a draw in the log


def _fail(message: str) -> None:
    raise VerificationError(message)


def _check_log(events: list[dict[str, Any]], result: dict[str, Any], path: Path) -> int:
    promise = result["commitment"]
    commits = [i for i, e in enumerate(events) if e.get("event") == "commit" and e.get("commitment") == promise]
    draws = [i for i, e in enumerate(events) if e.get("event") == "draw" and e.get("commitment") == promise]
    if not commits:
        _fail(f"the commitment {promise[:16]}… is not in the sampling log")
    if not draws or draws[0] < commits[0]:
        _fail("the sampling log has no draw after the commitment")
    if events[commits[0]].get("input_sha256") != result["input"].get("input_sha256"):
        _fail("the input hash differs from the one committed before the draw")
    if events[draws[0]].get("result_sha256") != file_sha256(path):
        _fail("the result file was changed after the draw (its hash is not the logged one)")
    same = [e for e in events if e.get("kind") == result["kind"] and e.get("cycle") == result["cycle"]
            and e.get("unit") == result["request"].get("unit")]
    committed = {e["commitment"] for e in same if e.get("event") == "commit"}
    drawn = {e["commitment"] for e in same if e.get("event") == "draw"}
    return len(committed - drawn)


def _check_recorded(result: dict[str, Any]) -> dict[str, Any]:
    try:
        seed = bytes.fromhex(result["seed"])
    except (KeyError, TypeError, ValueError):
        _fail("the revealed seed is not a hexadecimal string")
    if len(seed) != 32 or commitment(seed) != result.get("commitment"):
        _fail("the revealed seed does not match the commitment (sha256(seed) ≠ recorded commitment)")
    inputs = dict(result["input"])
    recorded = inputs.pop("input_sha256", None)
    if input_sha256(inputs) != recorded:
        _fail("the recorded inputs were edited (they no longer hash to the committed input hash)")
    if inputs.get("request") != result.get("request"):
        _fail("the recorded request differs from the committed one")
    try:
        params = check_params(result["params"], "the recorded parameters")
    except AuditError as exc:
        _fail(str(exc))
    if params_sha256(params) != inputs["params_sha256"]:
        _fail("the recorded parameters were edited (their hash is not the committed one)")
    history = result.get("history") if result["kind"] == "units" else None
    if hashlib.sha256(canonical_json(history).encode()).hexdigest() != inputs["history_sha256"]:
        _fail("the recorded history was edited (its hash is not the committed one)")
    return {"seed": seed, "params": params, "history": history}


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(a, b, rel_tol=1e-9,
                                                                                            abs_tol=1e-12)
    return a == b


def _compare(recomputed: dict[str, Any], result: dict[str, Any], items: str, key: str) -> None:
    if recomputed["selected"] != result["selected"]:
        _fail(f"the draw recomputed from the seed selects {', '.join(recomputed['selected'][:8])} "
              f"— not the recorded {', '.join(result['selected'][:8])}")
    mine = {r[key]: r for r in recomputed[items]}
    theirs = {r[key]: r for r in result[items]}
    if set(mine) != set(theirs):
        _fail(f"the recorded {items} list differs from the recomputed one")
    for k, row in mine.items():
        for col, value in row.items():
            if not _close(value, theirs[k].get(col)):
                _fail(f"{items} {k}: recorded {col} {theirs[k].get(col)!r} ≠ recomputed {value!r}")


def _recompute(result: dict[str, Any], checked: dict[str, Any], source: str | None) -> None:
    req, recorded = result["request"], result["input"]
    src = source or req["source"]
    if "***" in src:
        _fail("the source was recorded without its password: pass --source")
    as_of = dt.date.fromisoformat(req["as_of"])

    def same_inputs(inputs: dict[str, Any]) -> None:
        # Before the findings are recomputed: a changed source fails fast and says so.
        if inputs["fingerprint"] != recorded["fingerprint"]:
            _fail(f"the source has changed since the draw (fingerprint {inputs['fingerprint'][:12]}… "
                  f"≠ recorded {recorded['fingerprint'][:12]}…)")
        if inputs["rules_sha256"] != recorded["rules_sha256"]:
            _fail("the rule parameters in force differ from those of the draw")

    if result["kind"] == "units":
        from .units import prepare_units, units_body

        prepared = prepare_units(src, as_of, checked["params"], req.get("rule_params"), checked["history"],
                                 check=same_inputs)
        body = units_body(prepared.data, req["count"], checked["history"], checked["params"], checked["seed"])
        _compare(body, result, "units", "unit_id")
    else:
        from .cases import draw_cases, prepare_cases

        prepared = prepare_cases(src, req["unit"], as_of, checked["params"], req.get("rule_params"),
                                 check=same_inputs)
        body = draw_cases(prepared.data, checked["params"], as_of, checked["seed"])
        _compare(body, result, "cases", "case_id")


def verify(folder: str | Path, source: str | None = None) -> list[Verified]:
    """Verify every draw recorded in a cycle's folder.

    Parameters
    ----------
    folder : path
        The cycle's folder (``units.json`` and/or ``cases/*.json``); the log is in its parent.
    source : str, optional
        Read the records from here instead of the recorded source (e.g. a URL with its password).

    Returns
    -------
    list of Verified

    Raises
    ------
    VerificationError
        At the first check that fails, naming the result file.
    """
    folder = Path(folder).resolve()
    root = folder.parent
    paths = ([folder / "units.json"] if (folder / "units.json").is_file() else []) + sorted(
        (folder / "cases").glob("*.json"))
    if not folder.is_dir() or not paths:
        raise VerificationError("no sampling result here (expected units.json or cases/*.json)",
                                file=str(folder))
    if not (root / LOG_NAME).is_file():
        raise VerificationError(f"no {LOG_NAME} next to the cycle's folder", file=str(root))
    done = []
    for path in paths:
        rel = str(path.relative_to(root))
        try:
            result = read_result(path)
            checked = _check_recorded(result)
            abandoned = _check_log(read_log(root), result, path)
            _recompute(result, checked, source)
        except AuditError as exc:
            append_log(root, {"event": "verify", "result_file": rel, "ok": False, "message": exc.message})
            raise VerificationError(exc.message, file=str(path)) from None
        except (KeyError, TypeError, ValueError) as exc:
            message = f"the result file is damaged ({type(exc).__name__}: {exc})"
            append_log(root, {"event": "verify", "result_file": rel, "ok": False, "message": message})
            raise VerificationError(message, file=str(path)) from None
        append_log(root, {"event": "verify", "result_file": rel, "ok": True, "commitment": result["commitment"],
                          "abandoned_commitments": abandoned})
        done.append(Verified(path, result["kind"], list(result["selected"]), result["commitment"], abandoned))
    return done
