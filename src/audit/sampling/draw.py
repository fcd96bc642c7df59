"""Step two of a draw: after the delay, mix the sealed secret with the public value and draw.

:func:`build_result` is the whole draw as a pure function of the commitment
file, the secret, the public value and the time: :func:`draw` calls it once,
and verification calls it again to recompute every field and every CSV row.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import AuditError, ParameterError
from .cases import CSV_COLUMNS, case_table, draw_cases
from .commit import (
    FORMAT,
    NotYet,
    VerificationError,
    check_commitment,
    commit_event,
    moment,
    parse_time,
    paths_for,
    read_doc,
    sealed_path,
    sealed_secret,
    write_json,
)
from .log import append_log, check_log, locked
from .manifest import write_manifest
from .public import iso, normalise_value, parse_entry, parse_round, read_values, where_to_read
from .seal import derive_seed
from .units import frame_table, units_body

__all__ = ["draw", "build_result", "csv_text", "public_value_for"]


def _units_body(inputs: dict[str, Any], seed: bytes) -> dict[str, Any]:
    return units_body(frame_table(inputs["frame"]), inputs["request"]["count"], inputs["history"],
                      inputs["params"], seed)


def _cases_body(inputs: dict[str, Any], seed: bytes) -> dict[str, Any]:
    return draw_cases(case_table(inputs["frame"]), inputs["params"], dt.date.fromisoformat(inputs["as_of"]),
                      seed)


def _units_csv(result: dict[str, Any]) -> str:
    return str(pd.DataFrame(result["units"]).to_csv(index=False, lineterminator="\n"))


def _cases_csv(result: dict[str, Any]) -> str:
    table = pd.DataFrame(result["cases"], columns=list(CSV_COLUMNS))
    table["reasons"] = table["reasons"].map(", ".join)
    return str(table.to_csv(index=False, lineterminator="\n"))


_BODIES: dict[str, Callable[[dict[str, Any], bytes], dict[str, Any]]] = {"units": _units_body,
                                                                          "cases": _cases_body}
_CSV: dict[str, Callable[[dict[str, Any]], str]] = {"units": _units_csv, "cases": _cases_csv}


def csv_text(result: dict[str, Any]) -> str:
    """The spreadsheet copy of a result (``units.csv`` or ``cases/<unit>.csv``), derived from it."""
    return _CSV[result["kind"]](result)


def build_result(doc: dict[str, Any], commit_line: dict[str, Any], secret: bytes, public_value: str,
                 drawn_at: str) -> dict[str, Any]:
    """The draw result: pure, everything random from HMAC(secret, commitment, public value).

    Parameters
    ----------
    doc : dict
        The commitment document (its ``inputs`` hold the frame and the parameters).
    commit_line : dict
        ``seq`` and ``hash`` of the commitment's log line.
    secret : bytes
        The revealed secret.
    public_value : str
        The public round's value, normalised.
    drawn_at : str
        The draw's time as recorded.
    """
    inputs = doc["inputs"]
    seed = derive_seed(secret, public_value, doc["commitment"])
    body = _BODIES[inputs["kind"]](inputs, seed)
    return {"format": FORMAT, "document": "draw", "kind": inputs["kind"], "cycle": inputs["cycle"],
            "unit": inputs["unit"], "commitment": doc["commitment"], "inputs_sha256": doc["inputs_sha256"],
            "commit_line": {"seq": commit_line["seq"], "hash": commit_line["hash"]},
            "committed_at": inputs["committed_at"], "earliest_draw": inputs["earliest_draw"], "drawn_at": drawn_at,
            "public": {**inputs["public"], "value": public_value}, "secret": secret.hex(), "seed": seed.hex(),
            "request": inputs["request"], "params": inputs["params"], "fingerprint": inputs.get("fingerprint"),
            "replaces": inputs.get("replaces"), **body}


def public_value_for(source: str, round_name: str, value: str | None = None,
                     values_file: str | Path | None = None) -> str:
    """The public value of the committed round, from what the operator typed or from a values file.

    ``value`` is ``VALUE`` or ``SOURCE ROUND VALUE``; the latter must name the committed
    round. A values file without the round's line means the value is not known yet.
    """
    r = parse_round(source, round_name)
    if value is not None:
        given_source, given_round, text = parse_entry(value)
        if given_source is not None and given_round is not None and (
                given_source != source or parse_round(given_source, given_round).round != r.round):
            raise ParameterError(f"the value given is for {given_source} round {given_round}, but the "
                                 f"commitment named {source} round {r.round}")
        return normalise_value(source, text)
    if values_file is not None:
        found = read_values(values_file).get((source, r.round))
        if found is None:
            raise NotYet(f"no value for {source} round {r.round} in the public values file yet "
                         f"(read it from {where_to_read(r)})", file=str(values_file))
        return found
    raise ParameterError(f"the draw needs the public value of {source} round {r.round}: "
                         f"--public-value VALUE ({where_to_read(r)})")


def draw(folder: str | Path, unit: str | None = None, *, public_value: str | None = None,
         values_file: str | Path | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Make the committed draw of a cycle's units (or of one unit's cases).

    Parameters
    ----------
    folder : path
        The cycle's folder.
    unit : str, optional
        Draw this unit's cases instead of the units.
    public_value : str, optional
        The committed round's value as published (``VALUE`` or ``SOURCE ROUND VALUE``).
    values_file : path, optional
        Lines ``SOURCE ROUND VALUE``; used when ``public_value`` is not given.
    now : datetime, optional
        The draw's time (default the clock's), for a caller that must pass the time in.

    Returns
    -------
    dict
        The result, with ``status`` ("drawn", or "recorded" when it was drawn before)
        and ``result_file``.

    Raises
    ------
    NotYet
        Before the delay has passed or before the round's value is published (exit code 75).
    ParameterError
        No commitment, a malformed value, or a different value for a draw already made.
    VerificationError
        The commitment file or the log no longer check out: nothing is drawn from them.
    """
    folder = Path(folder).resolve()
    root = folder.parent
    paths = paths_for(folder, unit)
    with locked(root):
        if not paths.commitment.is_file():
            raise ParameterError(f"no commitment for the {paths.label} here: run `audit sample commit` first",
                                 file=str(folder))
        try:
            events = check_log(root)
        except AuditError as exc:  # a damaged or edited log: nothing is drawn on top of it
            raise VerificationError(exc.message, file=exc.file, row=exc.row) from None
        doc = read_doc(paths.commitment, "commitment")
        problem = check_commitment(doc, events, paths.commitment)
        if problem:
            raise VerificationError(f"{problem}: nothing is drawn from it", file=str(paths.commitment))
        inputs = doc["inputs"]
        r = parse_round(inputs["public"]["source"], inputs["public"]["round"])
        if paths.result.is_file():
            recorded = read_doc(paths.result, "draw")
            if recorded.get("commitment") == doc["commitment"]:
                if public_value is not None:
                    given = public_value_for(r.source, r.round, public_value)
                    if given != recorded["public"]["value"]:
                        raise ParameterError(f"this commitment was drawn with {r.source} round {r.round} = "
                                             f"{recorded['public']['value']}; another value is refused",
                                             file=str(paths.result))
                return {**recorded, "status": "recorded", "result_file": str(paths.result)}
        when = moment(now)
        earliest = parse_time(inputs["earliest_draw"])
        if when < earliest:
            raise NotYet(f"the draw is not due before {inputs['earliest_draw']} "
                         f"({inputs['delay_hours']:g} h after the commitment of {inputs['committed_at']})")
        if when < r.published_at:
            raise NotYet(f"{r.source} round {r.round} is not published before {iso(r.published_at)}: "
                         f"draw after it, with {where_to_read(r)}")
        value = public_value_for(r.source, r.round, public_value, values_file)
        secret = sealed_secret(folder, doc)
        line = commit_event(events, doc["commitment"])
        assert line is not None  # check_commitment found it
        at = iso(when)
        result = build_result(doc, line, secret, value, at)
        write_json(paths.result, result)
        tmp = paths.csv.with_name(f".{paths.csv.name}.tmp")
        tmp.write_text(csv_text(result), encoding="utf-8")
        os.replace(tmp, paths.csv)
        from ..report.outputs import sha256

        drawn = append_log(root, at, {
            "event": "draw", "kind": inputs["kind"], "cycle": inputs["cycle"], "unit": inputs["unit"],
            "commitment": doc["commitment"], "public_source": r.source, "public_round": r.round,
            "public_value": value, "secret": secret.hex(), "seed": result["seed"], "drawn_at": at,
            "selected": result["selected"], "result_file": paths.result.relative_to(root).as_posix(),
            "result_sha256": sha256(paths.result)})
        # Revealed in the result and the log: the sealed copy has served its purpose.
        sealed_path(folder, doc).unlink(missing_ok=True)
        head = write_manifest(folder, root, inputs["cycle"], at)
    return {**result, "status": "drawn", "result_file": str(paths.result),
            "draw_line": {"seq": drawn["seq"], "hash": drawn["hash"]},
            "log_head": {"seq": head["seq"], "hash": head["hash"]}}
