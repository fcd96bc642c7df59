"""Step one of a draw: fix every input, commit to it with a sealed secret, and publish.

A draw is made in two steps, apart in time, so that nobody — the operator
included — can pick a favourable sample:

1. **commit** (this module): the sampling frame (every unit's risk score and its
   components, or every case of a unit with its flags), the parameters, the
   history, the as-of date, the cycle and the toolkit version are written to the
   cycle's ``*.commitment.json``; a fresh secret is sealed; the commitment —
   the SHA-256 of the secret and of all those inputs — is logged with its UTC
   time, together with the public randomness round it will be mixed with: the
   source's first round after the configured delay (:mod:`.public`);
2. **draw** (:mod:`.draw`), not before the delay has passed and the round's
   value is published: the operator types the value in, the seed is derived from
   the secret, the commitment and that value (:mod:`.seal`), and the result —
   secret revealed — is written and logged.

One commitment per cycle (units) or per cycle and unit (cases): a second one
needs ``--redraw`` and a reason, and the first stays in the log with its secret
revealed, so a reader can see what was abandoned and why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AuditError, ParameterError
from .log import append_log, check_log, locked
from .manifest import SEALED, write_manifest
from .params import canonical_json
from .public import first_round, iso, parse_round
from .seal import commitment, new_secret, parse_hex, read_sealed, write_sealed

__all__ = ["FORMAT", "FORMATS", "VerificationError", "NotYet", "Paths", "paths_for", "check_cycle",
           "check_redraw", "file_stem", "moment", "parse_time", "read_doc", "write_json", "commit",
           "check_commitment", "commit_event", "inputs_sha256", "sealed_path", "sealed_secret", "secret_from"]

FORMAT = "thads-sampling/2"
FORMATS = ("thads-sampling/1", FORMAT)  # earlier cycles' draws still count as history
_CYCLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class VerificationError(AuditError):
    """A recorded commitment or draw does not check out."""

    exit_code = 1


class NotYet(AuditError):
    """The draw is not due yet, or its public value is not known yet: try again later.

    Exit code 75 (EX_TEMPFAIL): a scheduler treats it as "come back later", not as a failure.
    """

    exit_code = 75


@dataclass(frozen=True)
class Paths:
    """Where one draw's files live in the cycle's folder."""

    commitment: Path
    result: Path
    csv: Path
    label: str  # "units" or "cases of unit X", for messages
    stem: str  # "units" or "cases-<unit stem>", for sealed and archived files


def file_stem(unit: str) -> str:
    """A file name for a unit id: the id itself when it is safe, else a cleaned id and a hash."""
    clean = re.sub(r"[^A-Za-z0-9._-]", "_", unit)
    if clean == unit and not unit.startswith("."):
        return unit
    return f"{clean.lstrip('.')[:40]}-{hashlib.sha256(unit.encode()).hexdigest()[:8]}"


def paths_for(folder: Path, unit: str | None) -> Paths:
    if unit is None:
        return Paths(folder / "units.commitment.json", folder / "units.json", folder / "units.csv",
                     "units", "units")
    stem = file_stem(unit)
    cases = folder / "cases"
    return Paths(cases / f"{stem}.commitment.json", cases / f"{stem}.json", cases / f"{stem}.csv",
                 f"cases of unit {unit}", f"cases-{stem}")


def check_cycle(cycle: str) -> str:
    """A cycle name is a folder name: letters, digits, ``.``, ``_``, ``-`` (e.g. ``2026-11``)."""
    if not isinstance(cycle, str) or not _CYCLE.match(cycle):
        raise ParameterError(f"cycle {cycle!r} must be 1-64 letters, digits, '.', '_' or '-' "
                             "(e.g. 2026-11)")
    return cycle


def check_redraw(redraw: bool, reason: str | None) -> None:
    """A redraw without a reason is refused: the log must say why a commitment was replaced."""
    if redraw and not (reason or "").strip():
        raise ParameterError("--redraw needs --reason TEXT: every redraw is logged with its reason")


def moment(now: dt.datetime | None) -> dt.datetime:
    """The time a step happens: the clock's, or ``now`` when a caller passes one explicitly."""
    if now is None:
        return dt.datetime.now(dt.UTC)
    if not isinstance(now, dt.datetime) or now.tzinfo is None:
        raise ParameterError(f"now must be a date-time with a time zone, got {now!r}")
    return now.astimezone(dt.UTC)


def parse_time(text: Any) -> dt.datetime:
    """A recorded time (ISO 8601 UTC ``…Z``) back to a date-time; a ValueError if it is not one."""
    if not isinstance(text, str) or not text.endswith("Z"):
        raise ValueError(f"{text!r} is not a recorded UTC time")
    return dt.datetime.fromisoformat(text[:-1] + "+00:00")


def inputs_sha256(inputs: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(inputs).encode()).hexdigest()


def read_doc(path: Path, document: str) -> dict[str, Any]:
    """A commitment or draw file of this format, or a :class:`ParameterError` saying why not."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParameterError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParameterError(f"not a sampling {document} (invalid JSON: {exc})", file=str(path)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("document") != document:
        raise ParameterError(f"not a sampling {document} of format {FORMAT}", file=str(path))
    return data


def write_json(path: Path, data: Any) -> None:
    """Write a whole file or nothing (a temporary file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    from ..report.outputs import sha256

    return sha256(path)


def commit_event(events: list[dict[str, Any]], promise: str) -> dict[str, Any] | None:
    return next((e for e in events if e.get("event") == "commit" and e.get("commitment") == promise), None)


def check_commitment(doc: dict[str, Any], events: list[dict[str, Any]], path: Path) -> str | None:
    """The first reason a commitment file cannot be trusted, or None.

    Its inputs hash to the committed hash; the log holds its commitment line with
    the same hash, time, round and file hash; the round is the one the rule assigns
    (the source's first round after commitment time + delay), not one of the
    operator's choosing.
    """
    try:
        inputs = doc["inputs"]
        if inputs_sha256(inputs) != doc["inputs_sha256"]:
            return "the committed inputs were edited (they no longer hash to the committed input hash)"
        line = commit_event(events, doc["commitment"])
        if line is None:
            return f"the commitment {doc['commitment'][:16]}… is not in the sampling log"
        for key, value in (("inputs_sha256", doc["inputs_sha256"]), ("committed_at", inputs["committed_at"]),
                           ("public_round", inputs["public"]["round"]),
                           ("public_source", inputs["public"]["source"])):
            if line.get(key) != value:
                return f"the commitment file's {key} is not the one logged (line {line.get('seq')})"
        if line.get("at") != inputs["committed_at"]:
            return f"the commitment's time is not the time of its log line {line.get('seq')}"
        if line.get("commitment_file_sha256") != _sha256(path):
            return "the commitment file was changed after it was logged"
        committed = parse_time(inputs["committed_at"])
        draw = inputs["params"]["draw"]
        if inputs["delay_hours"] != draw["delay_hours"] or inputs["public"]["source"] != draw["public_source"]:
            return "the commitment's delay or public source is not the one of its parameters"
        earliest = committed + dt.timedelta(hours=draw["delay_hours"])
        if inputs["earliest_draw"] != iso(earliest):
            return "the commitment's earliest draw time is not its time plus the delay"
        named = parse_round(inputs["public"]["source"], inputs["public"]["round"])
        due = first_round(inputs["public"]["source"], earliest)
        if named != due or named.as_dict() != inputs["public"]:
            return (f"the commitment names {named.source} round {named.round}, not the first round after "
                    f"its earliest draw time ({due.round}): the round was chosen, not assigned")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return f"the commitment file is damaged ({type(exc).__name__}: {exc})"
    except ParameterError as exc:
        return f"the commitment file is damaged ({exc.message})"
    return None


def _supersede(folder: Path, root: Path, paths: Paths, previous: dict[str, Any], reason: str, at: str) -> None:
    """Move the replaced commitment (and its draw) aside and log the redraw, secret revealed.

    Revealing the abandoned secret lets anybody compute, from its public round's value,
    what the abandoned commitment would have drawn.
    """
    old = previous["commitment"]
    drawn = paths.result.is_file()
    revealed: str | None = None
    if drawn:
        try:
            revealed = read_doc(paths.result, "draw").get("secret")
        except ParameterError:
            revealed = None
    else:
        sealed = sealed_path(folder, previous)
        try:
            revealed = read_sealed(sealed).hex()
            sealed.unlink()
        except ParameterError:
            revealed = None  # deleted by someone: the log will say the secret was not revealed
    archive = folder / "superseded"
    archive.mkdir(parents=True, exist_ok=True)
    moved = []
    for path in (paths.commitment, paths.result, paths.csv):
        if path.is_file():
            target = archive / f"{old[:16]}-{path.relative_to(folder).as_posix().replace('/', '_')}"
            os.replace(path, target)
            moved.append(target.relative_to(folder).as_posix())
    append_log(root, at, {"event": "redraw", "kind": previous["inputs"]["kind"],
                          "cycle": previous["inputs"]["cycle"], "unit": previous["inputs"]["unit"],
                          "replaces": old, "reason": reason, "drawn": drawn, "revealed_secret": revealed,
                          "archived": moved})


def sealed_path(folder: Path, doc: dict[str, Any]) -> Path:
    where = Path(doc["sealed_file"])
    return where if where.is_absolute() else folder / where


def commit(folder: Path, *, kind: str, unit: str | None, request: dict[str, Any], params: dict[str, Any],
           prepare: Callable[[], tuple[dict[str, Any], list[dict[str, Any]]]],
           secrets_dir: str | Path | None = None, redraw: bool = False, reason: str | None = None,
           now: dt.datetime | None = None) -> dict[str, Any]:
    """Commit to a draw: inputs fixed and published, secret sealed, commitment logged.

    Parameters
    ----------
    folder : Path
        The cycle's folder; its parent is the sampling root holding the log.
    kind : {"units", "cases"}
    unit : str or None
        The unit whose cases are drawn (``kind == "cases"``).
    request : dict
        What was asked (cycle, source without credentials, as-of date, count, …).
    params : dict
        The sampling parameters in force (delay and public source in ``draw``).
    prepare : callable
        Returns ``(inputs, frame rows)``: the records' fingerprint and other input
        hashes, and the sampling frame. Called under the root's lock, after the checks.
    secrets_dir : path, optional
        Where the sealed secret goes (default the cycle's ``sealed/`` folder).
    redraw, reason : bool, str
        Replace the existing commitment; the reason is mandatory and logged.
    now : datetime, optional
        The commitment's time (default the clock's), for a caller that must pass the time in.

    Returns
    -------
    dict
        The commitment document, with ``status``, ``commit_line`` and ``log_head``.

    Raises
    ------
    ParameterError
        A commitment already exists for this draw and no redraw with a reason was asked for.
    """
    from .. import __version__

    cycle = check_cycle(request["cycle"])
    check_redraw(redraw, reason)
    folder = Path(folder).resolve()
    root = folder.parent
    paths = paths_for(folder, unit)
    with locked(root):
        try:
            check_log(root)  # nothing is added to a log that no longer checks out
        except AuditError as exc:
            raise ParameterError(exc.message, file=exc.file, row=exc.row) from None
        previous = read_doc(paths.commitment, "commitment") if paths.commitment.is_file() else None
        if previous is not None and not redraw:
            message = (f"cycle {cycle!r} already has a commitment for its {paths.label} "
                       f"({previous['commitment'][:16]}…, {previous['inputs']['committed_at']}): "
                       "a second one needs --redraw --reason TEXT, and both stay in the log")
            append_log(root, iso(moment(None)), {"event": "refused", "action": "commit", "kind": kind,
                                                 "cycle": cycle, "unit": unit, "message": message})
            raise ParameterError(message, file=str(paths.commitment))
        extra, frame = prepare()
        when = moment(now)
        at = iso(when)
        delay = params["draw"]["delay_hours"]
        earliest = when + dt.timedelta(hours=delay)
        named = first_round(params["draw"]["public_source"], earliest)
        inputs = {"format": FORMAT, "kind": kind, "cycle": cycle, "unit": unit, "request": request,
                  "as_of": request["as_of"], "toolkit_version": __version__, "params": params,
                  "committed_at": at, "delay_hours": delay, "earliest_draw": iso(earliest),
                  "public": named.as_dict(),
                  "replaces": ({"commitment": previous["commitment"], "reason": (reason or "").strip()}
                               if previous is not None else None),
                  **extra, "frame": frame}
        in_hash = inputs_sha256(inputs)
        secret = new_secret()
        promise = commitment(secret, in_hash)
        sealed_dir = Path(secrets_dir).resolve() if secrets_dir is not None else folder / SEALED
        sealed = sealed_dir / f"{cycle}-{paths.stem}-{promise[:16]}.key"
        write_sealed(sealed, secret)
        if previous is not None:
            _supersede(folder, root, paths, previous, (reason or "").strip(), at)
        doc = {"format": FORMAT, "document": "commitment", "inputs": inputs, "inputs_sha256": in_hash,
               "commitment": promise,
               "sealed_file": (sealed.relative_to(folder).as_posix() if sealed.is_relative_to(folder)
                               else str(sealed))}
        write_json(paths.commitment, doc)
        line = append_log(root, at, {
            "event": "commit", "kind": kind, "cycle": cycle, "unit": unit, "commitment": promise,
            "inputs_sha256": in_hash, "committed_at": at, "earliest_draw": inputs["earliest_draw"],
            "public_source": named.source, "public_round": named.round,
            "commitment_file": paths.commitment.relative_to(root).as_posix(),
            "commitment_file_sha256": _sha256(paths.commitment)})
        head = write_manifest(folder, root, cycle, at)
    return {**doc, "status": "committed", "commitment_file": str(paths.commitment),
            "commit_line": {"seq": line["seq"], "hash": line["hash"]},
            "log_head": {"seq": head["seq"], "hash": head["hash"]}}


def sealed_secret(folder: Path, doc: dict[str, Any]) -> bytes:
    """The sealed secret of a commitment, checked against it."""
    from .seal import commitment as open_with

    secret = read_sealed(sealed_path(folder, doc))
    if open_with(secret, doc["inputs_sha256"]) != doc["commitment"]:
        raise ParameterError("the sealed secret does not open this commitment (it was replaced)",
                             file=str(sealed_path(folder, doc)))
    return secret


def secret_from(text: Any) -> bytes:
    """A revealed secret (hex) back to bytes, or a ValueError."""
    return parse_hex(text, 32, "the revealed secret")
