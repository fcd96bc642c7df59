"""Check a cycle: the log's chain, the manifest, every commitment and every draw, recomputed.

``verify`` trusts nothing in the folder. In order, it checks

1. the sampling log: every line's hash, sequence number and link to the line before;
2. the manifest: its hash is the last one logged for the cycle, every file it lists
   is there unchanged, and no other file is;
3. each commitment: its inputs hash to the committed hash, its log line (time,
   hash, round) matches, and its public round is the one the rule assigns;
4. each draw: the revealed secret opens the commitment; the commitment line comes
   before the draw line; the draw is no earlier than the delay and the round's
   publication; the log's secret, public value, seed and file hash are the
   result's; the seed is HMAC-SHA-256 of the secret, the commitment and the public
   value; and the whole result — every unit or case, π, ``selected`` flag and
   reason — and its CSV, byte for byte, are what the committed frame gives;
5. every commitment of the cycle in the log is either in the folder or was
   replaced with a logged reason (abandoned commitments are listed, not hidden);
6. on request, the frame against the records (``source``), the commitment against
   the one published (``commitment``) and the public values against the ones read
   from their sources (``public_values``).

The first failure is a :class:`VerificationError` (one line, exit code 1); every
verification, passed or failed, is logged.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AuditError
from .cases import case_rows, cases_frame
from .commit import (
    VerificationError,
    check_commitment,
    commit_event,
    parse_time,
    paths_for,
    read_doc,
    secret_from,
)
from .draw import build_result, csv_text, public_value_for
from .log import append_log, check_log
from .manifest import MANIFEST, check_manifest
from .public import iso, normalise_value, parse_entry, parse_round
from .seal import commitment, derive_seed
from .units import frame_rows, units_frame

__all__ = ["VerificationError", "Verified", "Pending", "Abandoned", "CycleCheck", "verify", "abandoned"]


@dataclass(frozen=True)
class Verified:
    """One draw that checked out."""

    path: Path
    kind: str
    unit: str | None
    selected: list[str]
    commitment: str
    public: dict[str, str]
    drawn_at: str


@dataclass(frozen=True)
class Pending:
    """A commitment that checked out and waits for its draw."""

    path: Path
    kind: str
    unit: str | None
    commitment: str
    earliest_draw: str
    public: dict[str, str]


@dataclass(frozen=True)
class Abandoned:
    """A commitment of the cycle that was replaced by a later one."""

    kind: str
    unit: str | None
    commitment: str
    committed_at: str
    reason: str
    drawn: bool
    secret_revealed: bool
    public: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CycleCheck:
    """What :func:`verify` found: draws, pending commitments and abandoned ones."""

    folder: Path
    cycle: str
    draws: list[Verified]
    pending: list[Pending]
    abandoned: list[Abandoned]
    frame_checked: bool


def _fail(message: str, path: Path | None = None) -> None:
    raise VerificationError(message, file=str(path) if path else None)


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(
            a, b, rel_tol=1e-12, abs_tol=1e-15)
    return bool(a == b)


def _difference(recorded: Any, recomputed: Any, where: str = "") -> str | None:
    """The first path at which two JSON values differ, e.g. ``units[KV03].selected``."""
    if isinstance(recomputed, dict) and isinstance(recorded, dict):
        for key in list(recomputed) + [k for k in recorded if k not in recomputed]:
            if key not in recorded or key not in recomputed:
                return f"{where}.{key}".lstrip(".")
            found = _difference(recorded[key], recomputed[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(recomputed, list) and isinstance(recorded, list):
        if len(recorded) != len(recomputed):
            return f"{where} (recorded {len(recorded)} entries, recomputed {len(recomputed)})"
        for i, (a, b) in enumerate(zip(recorded, recomputed, strict=True)):
            label = (b.get("unit_id") or b.get("case_id")) if isinstance(b, dict) else None
            found = _difference(a, b, f"{where}[{label or i}]")
            if found:
                return found
        return None
    if isinstance(recorded, bool) != isinstance(recomputed, bool) or not _close(recorded, recomputed):
        return f"{where}: recorded {recorded!r}, recomputed {recomputed!r}"
    return None


def _csv_difference(path: Path, expected: str) -> str | None:
    try:
        actual = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return f"{path.name} is missing or not UTF-8 text"
    if actual == expected:
        return None
    a_lines, e_lines = actual.split("\n"), expected.split("\n")
    header = e_lines[0].split(",")
    for no, (a, e) in enumerate(zip(a_lines, e_lines, strict=False), start=1):
        if a != e:
            a_cells, e_cells = a.split(","), e.split(",")
            column = next((header[i] if i < len(header) else f"#{i + 1}"
                           for i in range(max(len(a_cells), len(e_cells)))
                           if (a_cells[i] if i < len(a_cells) else None) != (e_cells[i] if i < len(e_cells) else None)),
                          "?")
            return (f"{path.name} line {no}, column {column}: not what the draw gives "
                    f"(the row reads {a[:60]!r}, the draw gives {e[:60]!r})")
    return f"{path.name} has {len(a_lines)} lines, the draw gives {len(e_lines)}"


def _draws_of(events: list[dict[str, Any]], promise: str) -> list[dict[str, Any]]:
    return [e for e in events if e.get("event") == "draw" and e.get("commitment") == promise]


def _check_draw(doc: dict[str, Any], result: dict[str, Any], events: list[dict[str, Any]], paths: Any,
                folder: Path) -> Verified:
    from ..report.outputs import sha256

    inputs = doc["inputs"]
    if result.get("commitment") != doc["commitment"]:
        _fail(f"{paths.result.name} is the draw of another commitment than {paths.commitment.name}'s")
    try:
        secret = secret_from(result.get("secret"))
    except ValueError as exc:
        _fail(str(exc))
    if commitment(secret, doc["inputs_sha256"]) != doc["commitment"]:
        _fail("the revealed secret does not open the commitment (SHA-256 of secret and inputs ≠ commitment)")
    public = result.get("public") or {}
    r = parse_round(inputs["public"]["source"], inputs["public"]["round"])
    value = normalise_value(r.source, str(public.get("value")))
    if public.get("value") != value or {k: v for k, v in public.items() if k != "value"} != inputs["public"]:
        _fail("the result's public round or value is not the committed round's")
    commit_line = commit_event(events, doc["commitment"])
    draws = _draws_of(events, doc["commitment"])
    if not draws:
        _fail("the sampling log has no draw of this commitment")
    if len(draws) > 1:
        _fail(f"the sampling log records {len(draws)} draws of one commitment (lines "
              f"{', '.join(str(d.get('seq')) for d in draws)})")
    line = draws[0]
    assert commit_line is not None
    if line["seq"] < commit_line["seq"]:
        _fail(f"the draw (log line {line['seq']}) comes before its commitment (log line {commit_line['seq']})")
    drawn_at = str(result.get("drawn_at"))
    when = parse_time(drawn_at)
    if when <= parse_time(inputs["committed_at"]):
        _fail(f"the draw ({drawn_at}) is not later than its commitment ({inputs['committed_at']})")
    if when < parse_time(inputs["earliest_draw"]):
        _fail(f"the draw ({drawn_at}) is earlier than the delay allows ({inputs['earliest_draw']})")
    if when < r.published_at:
        _fail(f"the draw ({drawn_at}) is earlier than the publication of {r.source} round {r.round} "
              f"({iso(r.published_at)})")
    for key, value_logged, value_result in (
            ("time", line.get("at"), drawn_at), ("drawn_at", line.get("drawn_at"), drawn_at),
            ("public value", line.get("public_value"), public.get("value")),
            ("public round", line.get("public_round"), r.round),
            ("secret", line.get("secret"), result.get("secret")),
            ("seed", line.get("seed"), result.get("seed")),
            ("selection", line.get("selected"), result.get("selected"))):
        if value_logged != value_result:
            _fail(f"the {key} in the sampling log (line {line.get('seq')}) is not the result's")
    if line.get("result_sha256") != sha256(paths.result):
        _fail(f"{paths.result.name} was changed after the draw (its hash is not the one logged at line "
              f"{line.get('seq')})")
    expected_seed = derive_seed(secret, value, doc["commitment"]).hex()
    if result.get("seed") != expected_seed:
        _fail("the seed is not HMAC-SHA-256 of the revealed secret, the commitment and the public value: "
              "it was chosen, not derived")
    if result.get("commit_line") != {"seq": commit_line["seq"], "hash": commit_line["hash"]}:
        _fail("the result does not name its commitment's log line")
    expected = build_result(doc, commit_line, secret, value, drawn_at)
    diff = _difference(result, expected)
    if diff:
        _fail(f"{paths.result.name}: {diff} (the draw recomputed from the committed frame, the secret and "
              "the public value differs)")
    diff = _csv_difference(paths.csv, csv_text(expected))
    if diff:
        _fail(diff)
    return Verified(paths.result, inputs["kind"], inputs["unit"], list(result["selected"]), doc["commitment"],
                    dict(public), drawn_at)


def abandoned(events: list[dict[str, Any]], cycle: str, current: set[str]) -> list[Abandoned]:
    """The cycle's logged commitments that are not current, with their redraw reasons."""
    out = []
    for e in events:
        if e.get("event") != "commit" or e.get("cycle") != cycle or e.get("commitment") in current:
            continue
        redraw = next((r for r in events if r.get("event") == "redraw" and r.get("replaces") == e["commitment"]),
                      None)
        out.append(Abandoned(e.get("kind", ""), e.get("unit"), e["commitment"], e.get("committed_at", ""),
                             (redraw or {}).get("reason", ""), bool((redraw or {}).get("drawn")),
                             bool((redraw or {}).get("revealed_secret")),
                             {"source": e.get("public_source", ""), "round": e.get("public_round", "")}))
    return out


def _check_abandoned(events: list[dict[str, Any]], cycle: str, current: set[str]) -> list[Abandoned]:
    found = abandoned(events, cycle, current)
    for a in found:
        redraw = next((r for r in events if r.get("event") == "redraw" and r.get("replaces") == a.commitment),
                      None)
        if redraw is None:
            _fail(f"commitment {a.commitment[:16]}… of cycle {cycle} was replaced without a logged redraw "
                  "and reason")
        assert redraw is not None
        if redraw.get("revealed_secret"):
            line = commit_event(events, a.commitment) or {}
            try:
                secret = secret_from(redraw["revealed_secret"])
            except ValueError as exc:
                _fail(f"abandoned commitment {a.commitment[:16]}…: {exc}")
            if commitment(secret, str(line.get("inputs_sha256"))) != a.commitment:
                _fail(f"the secret revealed for abandoned commitment {a.commitment[:16]}… does not open it")
    return found


def _check_frame(doc: dict[str, Any], source: str) -> None:
    inputs = doc["inputs"]
    if inputs["kind"] == "units":
        extra, table = units_frame(source, dt.date.fromisoformat(inputs["as_of"]), inputs["params"],
                                   inputs["request"].get("rule_params"))
        rows = frame_rows(table)
    else:
        extra, frame = cases_frame(source, inputs["unit"], dt.date.fromisoformat(inputs["as_of"]),
                                   inputs["request"].get("rule_params"))
        rows = case_rows(frame)
    if extra["fingerprint"] != inputs.get("fingerprint"):
        _fail(f"the records have changed since the commitment (fingerprint {extra['fingerprint'][:12]}… ≠ "
              f"committed {str(inputs.get('fingerprint'))[:12]}…)")
    if extra["rules_sha256"] != inputs.get("rules_sha256"):
        _fail("the rule parameters in force differ from those of the commitment")
    diff = _difference(inputs["frame"], rows, "frame")
    if diff:
        _fail(f"the committed frame is not the one the records give: {diff}")


def _check_public(entries: list[str], draws: list[Verified]) -> None:
    for entry in entries:
        source, name, text = parse_entry(entry)
        if source is None:
            targets = [d for d in draws if d.kind == "units"] or draws[:1]
        else:
            targets = [d for d in draws if d.public["source"] == source
                       and d.public["round"] == parse_round(source, str(name)).round]
        if not targets:
            _fail(f"no draw of this cycle used {source} round {name}" if source else "no draw to check the "
                  "public value against")
        for d in targets:
            given = public_value_for(d.public["source"], d.public["round"], text)
            if given != d.public["value"]:
                _fail(f"the recorded value of {d.public['source']} round {d.public['round']} is "
                      f"{d.public['value']}, not the published {given}")


def _docs(folder: Path) -> list[Path]:
    units = [folder / "units.commitment.json"] if (folder / "units.commitment.json").is_file() else []
    return units + sorted((folder / "cases").glob("*.commitment.json"))


def _check(folder: Path, root: Path, source: str | None, published: str | None,
           public_values: list[str]) -> CycleCheck:
    try:
        events = check_log(root)
    except AuditError as exc:
        raise VerificationError(exc.message, file=exc.file, row=exc.row) from None
    docs_paths = _docs(folder)
    results = ([folder / "units.json"] if (folder / "units.json").is_file() else []) + sorted(
        p for p in (folder / "cases").glob("*.json") if not p.name.endswith(".commitment.json"))
    if not docs_paths:
        if results:
            _fail(f"{results[0].name} has no commitment file: a draw without a commitment is not a draw")
        _fail("no sampling commitment here (expected units.commitment.json or cases/*.commitment.json)")
    docs = [(p, read_doc(p, "commitment")) for p in docs_paths]
    cycles = {d["inputs"]["cycle"] for _, d in docs}
    if len(cycles) != 1:
        _fail(f"the commitments here belong to several cycles ({', '.join(sorted(cycles))})")
    cycle = cycles.pop()
    problem = check_manifest(folder, events, cycle)
    if problem:
        _fail(problem, folder / MANIFEST)
    draws, pending = [], []
    current = set()
    for path, doc in docs:
        paths = paths_for(folder, doc["inputs"]["unit"])
        if paths.commitment != path:
            _fail("the commitment file is not where its unit's commitment belongs", path)
        problem = check_commitment(doc, events, path)
        if problem:
            _fail(problem, path)
        current.add(doc["commitment"])
        if paths.result.is_file():
            try:
                result = read_doc(paths.result, "draw")
                draws.append(_check_draw(doc, result, events, paths, folder))
            except VerificationError as exc:
                raise VerificationError(exc.message, file=str(paths.result)) from None
        elif _draws_of(events, doc["commitment"]):
            _fail(f"the sampling log records a draw of this commitment but {paths.result.name} is missing", path)
        else:
            pending.append(Pending(path, doc["inputs"]["kind"], doc["inputs"]["unit"], doc["commitment"],
                                   doc["inputs"]["earliest_draw"], doc["inputs"]["public"]))
    orphans = [p for p in results if p not in {paths_for(folder, d["inputs"]["unit"]).result for _, d in docs}]
    if orphans:
        _fail(f"{orphans[0].name} has no commitment file: a draw without a commitment is not a draw")
    found = _check_abandoned(events, cycle, current)
    if source is not None:
        for path, doc in docs:
            try:
                _check_frame(doc, source)
            except VerificationError as exc:
                raise VerificationError(exc.message, file=str(path)) from None
    if published is not None:
        wanted = published.strip().lower()
        if wanted not in current:
            gone = next((a for a in found if a.commitment == wanted), None)
            if gone is not None:
                _fail(f"the published commitment {wanted[:16]}… was abandoned ({gone.reason or 'no reason'}); "
                      f"the draw here is from {', '.join(sorted(c[:16] + '…' for c in current))}")
            _fail(f"the published commitment {wanted[:16]}… is not a commitment of this cycle")
    _check_public(public_values, draws)
    return CycleCheck(folder, cycle, draws, pending, found, source is not None)


def verify(folder: str | Path, source: str | None = None, *, commitment: str | None = None,
           public_values: list[str] | tuple[str, ...] = ()) -> CycleCheck:
    """Verify everything recorded for a cycle.

    Parameters
    ----------
    folder : path
        The cycle's folder; the log is in its parent.
    source : str, optional
        Also rebuild the committed frames from these records (a path or a URL, with
        its password if it needs one) and check they are the ones committed.
    commitment : str, optional
        The commitment as it was published (e.g. sent to the inspection lead before the
        draw): it must be the one the cycle's draw used.
    public_values : list of str, optional
        Public values as read from their sources (``VALUE`` for the units draw, or
        ``SOURCE ROUND VALUE``): each must be the one recorded.

    Returns
    -------
    CycleCheck

    Raises
    ------
    VerificationError
        At the first check that fails, naming the file or log line.
    """
    folder = Path(folder).resolve()
    root = folder.parent
    if not folder.is_dir():
        raise VerificationError("no sampling cycle here", file=str(folder))
    try:
        checked = _check(folder, root, source, commitment, list(public_values))
    except VerificationError as exc:
        _log(root, folder, {"ok": False, "message": str(exc)})
        raise
    except AuditError as exc:
        _log(root, folder, {"ok": False, "message": str(exc)})
        raise VerificationError(exc.message, file=exc.file, row=exc.row) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        message = f"a sampling file is damaged ({type(exc).__name__}: {exc})"
        _log(root, folder, {"ok": False, "message": message})
        raise VerificationError(message, file=str(folder)) from None
    _log(root, folder, {"ok": True, "draws": len(checked.draws), "pending": len(checked.pending),
                        "abandoned": len(checked.abandoned), "frame_checked": checked.frame_checked})
    return checked


def _log(root: Path, folder: Path, fields: dict[str, Any]) -> None:
    """Record the verification, unless the log itself is broken (then nothing is added to it)."""
    from .log import locked

    with locked(root):
        try:
            check_log(root)
        except AuditError:
            return
        append_log(root, iso(dt.datetime.now(dt.UTC)), {"event": "verify", "folder": folder.name, **fields})



