"""Unpredictable but verifiable draws: seed, commitment, log, and one draw per cycle.

Every draw follows the same order, so that nobody — the operator included —
can pick a favourable sample:

1. the inputs are fixed (records fingerprint, parameters, history) and hashed;
2. a 32-byte seed is taken from the operating system's secure source and its
   SHA-256 *commitment* is appended to ``sampling-log.jsonl`` together with the
   input hash, before anything is drawn;
3. all randomness of the draw is derived from the seed (:func:`rng`), the
   result — seed revealed — is written, and a ``draw`` event with the result
   file's hash is logged.

A retried draw leaves a commitment without a draw in the log, and a second run
of a cycle returns the recorded draw (a scheduler firing twice cannot produce
two samples); replacing a draw needs ``redraw`` with a reason, which is logged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ParameterError, RunError
from .params import canonical_json

__all__ = ["LOG_NAME", "FORMAT", "Prepared", "new_seed", "commitment", "rng", "input_sha256",
           "append_log", "read_log", "draw_once", "check_redraw", "read_result", "check_cycle", "utc_now", "file_sha256"]

LOG_NAME = "sampling-log.jsonl"
FORMAT = "thads-sampling/1"
_CYCLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def utc_now() -> str:
    """Now in UTC, ISO 8601 to the microsecond (orders draws made within one second)."""
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


def check_cycle(cycle: str) -> str:
    """A cycle name is a folder name: letters, digits, ``.``, ``_``, ``-`` (e.g. ``2026-11``)."""
    if not isinstance(cycle, str) or not _CYCLE.match(cycle):
        raise ParameterError(f"cycle {cycle!r} must be 1-64 letters, digits, '.', '_' or '-' "
                             "(e.g. 2026-11)")
    return cycle


def new_seed() -> bytes:
    """32 bytes from the operating system's cryptographically secure source."""
    return secrets.token_bytes(32)


def commitment(seed: bytes) -> str:
    """SHA-256 of the seed: published before the draw, it binds the draw to this seed."""
    return hashlib.sha256(seed).hexdigest()


def rng(seed: bytes, purpose: str) -> np.random.Generator:
    """A PCG64 generator derived from the seed for one ``purpose``.

    Each part of a draw (the unit draw, the stratified cases, MUS) gets its own
    stream, so changing one part's code cannot shift another part's numbers.
    """
    digest = hashlib.sha256(seed + b"\x00" + purpose.encode()).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest, "big")))


def input_sha256(inputs: dict[str, Any]) -> str:
    """The hash committed before a draw: request, records fingerprint, parameter and history hashes."""
    return hashlib.sha256(canonical_json(inputs).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the log -----------------------------------------------------------------
def append_log(root: Path, event: dict[str, Any]) -> None:
    """Append one event to ``root/sampling-log.jsonl`` and force it to disk.

    The file is only ever opened for appending; a commitment must be on disk
    before the draw it commits to.
    """
    root.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"at": utc_now(), **event}, ensure_ascii=False, sort_keys=False) + "\n"
    with open(root / LOG_NAME, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def read_log(root: Path) -> list[dict[str, Any]]:
    """Every event of the log, in order (a damaged line is a :class:`RunError`)."""
    path = root / LOG_NAME
    if not path.is_file():
        return []
    events = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            raise RunError("the sampling log has a damaged line", file=str(path), row=no) from None
    return events


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Hold the output root's lock: two schedulers firing at once draw one after the other."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".sampling.lock", "a+") as fh:
        try:
            import fcntl
        except ImportError:  # not POSIX: no concurrent schedulers to fear
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# -- results -----------------------------------------------------------------
def read_result(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParameterError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise ParameterError(f"not a sampling result (invalid JSON: {exc.msg})", file=str(path)) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ParameterError(f"not a sampling result (format is not {FORMAT})", file=str(path))
    return data


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def check_redraw(redraw: bool, reason: str | None) -> None:
    """A redraw without a reason is refused: the log must say why a sample was replaced."""
    if redraw and not (reason or "").strip():
        raise ParameterError("--redraw needs --reason TEXT: every redraw is logged with its reason")


@dataclass(frozen=True)
class Prepared:
    """A draw's fixed inputs: what is hashed and committed, and what the draw reads.

    Attributes
    ----------
    inputs : dict
        JSON-able: ``request``, ``fingerprint``, ``params_sha256``, ``rules_sha256``,
        ``history_sha256`` (recorded in the result and hashed into the commitment).
    data : object
        What the draw function needs (frames); never written as such.
    record : dict
        Inputs the result keeps in full (e.g. the history snapshot).
    """

    inputs: dict[str, Any]
    data: Any
    record: dict[str, Any] = field(default_factory=dict)  # more fields for the result (JSON-able)


def _same_request(recorded: dict[str, Any], asked: dict[str, Any]) -> list[str]:
    return [k for k in sorted(set(recorded) | set(asked)) if recorded.get(k) != asked.get(k)]


def draw_once(path: Path, root: Path, request: dict[str, Any], prepare: Callable[[], Prepared],
              draw: Callable[[Any, bytes], dict[str, Any]], *, redraw: bool = False,
              reason: str | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the cycle's recorded draw, or make it (commit, draw, write, log).

    Parameters
    ----------
    path : Path
        The result file (``units.json`` or ``cases/<unit>.json``).
    root : Path
        The sampling output root holding the log.
    request : dict
        What was asked (kind, cycle, source, as_of, ...); a second run must ask the same.
    prepare : callable
        Reads the inputs; called only when a draw is made, under the root's lock.
    draw : callable
        ``draw(prepared.data, seed) -> body``: pure, everything random from the seed.
    redraw, reason : bool, str
        Replace a recorded draw; the reason is mandatory and logged.
    extra : dict, optional
        More JSON-able fields for the result (e.g. the parameters in force).
    """
    check_redraw(redraw, reason)
    with _locked(root):
        previous = read_result(path) if path.is_file() else None
        if previous is not None and not redraw:
            differ = _same_request(previous["request"], request)
            if differ:
                shown = ", ".join(f"{k} {previous['request'].get(k)!r}" for k in differ)
                raise ParameterError(f"cycle {request['cycle']!r} was already drawn with {shown}; "
                                     "use --redraw --reason TEXT to replace it", file=str(path))
            return {**previous, "status": "recorded", "result_file": str(path)}
        prepared = prepare()
        inputs = {**prepared.inputs, "request": request}
        in_hash = input_sha256(inputs)
        where = {"kind": request["kind"], "cycle": request["cycle"], "unit": request.get("unit"),
                 "result_file": str(path.relative_to(root))}
        if previous is not None:
            archived = path.parent / "superseded" / f"{path.stem}-{previous['commitment'][:16]}.json"
            append_log(root, {"event": "redraw", **where, "reason": reason.strip() if reason else "",
                              "replaces": previous["commitment"], "archived": str(archived.relative_to(root))})
        seed = new_seed()
        promise = commitment(seed)
        append_log(root, {"event": "commit", **where, "commitment": promise, "input_sha256": in_hash,
                          "fingerprint": inputs.get("fingerprint")})
        body = draw(prepared.data, seed)
        result = {"format": FORMAT, "kind": request["kind"], "cycle": request["cycle"],
                  "request": request, "input": {**inputs, "input_sha256": in_hash},
                  "commitment": promise, "seed": seed.hex(), "drawn_at": utc_now(),
                  **(extra or {}), **prepared.record, **body}
        if previous is not None:
            archived.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, archived)
            result["replaces"] = {"commitment": previous["commitment"], "reason": reason.strip() if reason else ""}
        _write_atomic(path, result)
        append_log(root, {"event": "draw", **where, "commitment": promise, "seed": seed.hex(),
                          "selected": body.get("selected"), "result_sha256": file_sha256(path)})
        # Not in the file: whether this call drew, and where the result is.
        return {**result, "status": "drawn", "result_file": str(path)}
