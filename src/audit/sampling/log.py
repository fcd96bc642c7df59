"""The sampling log: append-only, one JSON event a line, each line chained to the one before.

Every line carries ``seq`` (1, 2, …), ``prev`` (the previous line's hash; 64 zeros
for the first) and ``hash``, the SHA-256 of the line's canonical JSON without
``hash``; a line must also read byte for byte as it was written. Editing,
re-ordering, inserting or deleting a line breaks the chain at that line;
:func:`check_log` names it. A log is only ever opened for appending,
and every line is forced to disk before the step it records goes on.

The last line's hash (the *log head*) is printed after each step: sent to the
inspection lead with the commitment, it fixes the whole history up to that point.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import AuditError
from .params import canonical_json

__all__ = ["LOG_NAME", "GENESIS", "LogError", "append_log", "read_log", "check_log", "log_head",
           "locked", "line_hash"]

LOG_NAME = "sampling-log.jsonl"
GENESIS = "0" * 64


class LogError(AuditError):
    """The sampling log is damaged or was edited."""

    exit_code = 1


def line_hash(record: dict[str, Any]) -> str:
    """SHA-256 of a line's canonical JSON without its own ``hash``."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def _redacted(value: Any) -> Any:
    from ..report.outputs import redact  # the one place credentials are taken out of text

    return redact(value) if isinstance(value, str) else value


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return []
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise LogError("the sampling log is not UTF-8 text (edited or damaged)", file=str(path),
                       row=line) from None
    return text.split("\n")


def read_log(root: Path) -> list[dict[str, Any]]:
    """Every event of the log in order, parsed but not checked (see :func:`check_log`)."""
    path = root / LOG_NAME
    events = []
    for no, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            raise LogError("the sampling log has a line that is not JSON (edited or damaged)",
                           file=str(path), row=no) from None
        if not isinstance(event, dict):
            raise LogError("the sampling log has a line that is not an event", file=str(path), row=no)
        events.append(event)
    return events


def check_log(root: Path) -> list[dict[str, Any]]:
    """The events, after checking the chain line by line.

    Raises
    ------
    LogError
        Naming the first line that is malformed, edited, out of order or missing.
    """
    path = root / LOG_NAME
    lines = _lines(path)
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    events: list[dict[str, Any]] = []
    prev = GENESIS
    for no, line in enumerate(lines, start=1):
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            raise LogError("the sampling log has a line that is not JSON (edited or damaged)",
                           file=str(path), row=no) from None
        if not isinstance(event, dict) or "hash" not in event or "seq" not in event:
            if no == 1 and isinstance(event, dict) and "seq" not in event:
                raise LogError("the sampling log was written without a hash chain by an earlier version: "
                               "move it aside to start a new one", file=str(path), row=no)
            raise LogError("the sampling log has a line without its sequence number and hash",
                           file=str(path), row=no)
        if event.get("hash") != line_hash(event):
            raise LogError("this line of the sampling log was edited (its hash does not match its content)",
                           file=str(path), row=no)
        if json.dumps(event, ensure_ascii=False) != line:
            # Same fields, other bytes (spacing, escapes): still not the line that was written.
            raise LogError("this line of the sampling log was edited (it is not in the form it was written)",
                           file=str(path), row=no)
        if event.get("seq") != no or event.get("prev") != prev:
            raise LogError(f"the sampling log's chain is broken here: line {no} does not follow the line "
                           "before it (a line was deleted, inserted or moved)", file=str(path), row=no)
        prev = event["hash"]
        events.append(event)
    return events


def log_head(root: Path) -> dict[str, Any]:
    """``{"seq": n, "hash": h}`` of the last line (``seq`` 0 and 64 zeros for an empty log)."""
    events = read_log(root)
    if not events:
        return {"seq": 0, "hash": GENESIS}
    return {"seq": events[-1].get("seq"), "hash": events[-1].get("hash")}


def append_log(root: Path, at: str, event: dict[str, Any]) -> dict[str, Any]:
    """Append one event, chained to the last line, and force it to disk (hold :func:`locked`).

    Text values pass through the one redaction helper: a message that quotes a
    database URL never writes its password into the log.
    """
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOG_NAME
    events = read_log(root)
    if events and "seq" not in events[0]:
        raise LogError("the sampling log was written without a hash chain by an earlier version: "
                       "move it aside to start a new one", file=str(path), row=1)
    head = events[-1] if events else None
    record: dict[str, Any] = {"seq": (head["seq"] + 1) if head else 1, "at": at}
    record.update({k: _redacted(v) for k, v in event.items()})
    record["prev"] = head["hash"] if head else GENESIS
    record["hash"] = line_hash(record)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())
    return record


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the sampling root's lock: two schedulers firing at once act one after the other."""
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
