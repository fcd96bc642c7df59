"""Which units were inspected when: previous cycles' draws and inspections outside the tool.

The history is the ``units.json`` of every earlier cycle under the sampling
output root (ordered by as-of date, then by when they were drawn), plus an
optional CSV (``unit_id,inspected_on``) of inspections done outside the tool.
A draw records the snapshot it used, so a verification recomputes the
coverage rule from exactly that snapshot.

Coverage rule: once the history holds ``N`` earlier cycles, a unit neither
drawn in the last ``N`` of them nor inspected (per the CSV) since the first of
those cycles' as-of dates is drawn with certainty. With fewer than ``N`` earlier
cycles the rule is not yet in force: nobody can say who went uninspected for
``N`` cycles.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from .commit import FORMATS

__all__ = ["read_history", "coverage"]


def _date(text: str) -> dt.date:
    text = text.strip()
    try:
        if "/" in text:  # dd/mm/yyyy, as Vietnamese office exports write dates
            d, m, y = text.split("/")
            return dt.date(int(y), int(m), int(d))
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or dd/mm/yyyy)") from None


def _external(path: Path, as_of: dt.date) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = {"unit_id", "inspected_on"} - set(header)
            if missing:
                raise ParameterError(f"missing column(s) {', '.join(sorted(missing))} "
                                     "(expected unit_id,inspected_on)", file=str(path))
            rows = []
            for no, row in enumerate(reader, start=2):
                row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
                if not row["unit_id"]:
                    raise ParameterError("empty unit_id", file=str(path), row=no, column="unit_id")
                try:
                    day = _date(row["inspected_on"])
                except ValueError as exc:
                    raise ParameterError(str(exc), file=str(path), row=no, column="inspected_on") from None
                if day <= as_of:  # a planned inspection has not happened yet
                    rows.append({"unit_id": row["unit_id"], "inspected_on": day.isoformat()})
    except OSError as exc:
        raise ParameterError(f"cannot read: {exc.strerror or exc}", file=str(path)) from exc
    return sorted(rows, key=lambda r: (r["inspected_on"], r["unit_id"]))


def _cycles(root: Path, cycle: str, as_of: dt.date) -> list[dict[str, Any]]:
    found = []
    for path in sorted(root.glob("*/units.json")):
        if path.parent.name == cycle:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            raise ParameterError("an earlier cycle's result cannot be read", file=str(path)) from None
        if not isinstance(data, dict) or data.get("format") not in FORMATS or data.get("kind") != "units":
            continue
        if data["request"]["as_of"] > as_of.isoformat():  # a later cycle is not history
            continue
        found.append({"cycle": data["cycle"], "as_of": data["request"]["as_of"],
                      "drawn_at": data["drawn_at"], "selected": sorted(data["selected"])})
    return sorted(found, key=lambda c: (c["as_of"], c["drawn_at"], c["cycle"]))


def read_history(root: Path, cycle: str, as_of: dt.date, history_file: str | Path | None = None
                 ) -> dict[str, Any]:
    """The snapshot of the inspection history a draw uses (JSON-able).

    Parameters
    ----------
    root : Path
        The sampling output root (the parent of the cycles' folders).
    cycle : str
        The cycle being drawn: its own earlier result is not history.
    as_of : date
        Cycles with a later as-of date and inspections after it are left out.
    history_file : path, optional
        CSV of inspections outside the tool: ``unit_id,inspected_on``.
    """
    return {"cycles": _cycles(root, cycle, as_of) if root.is_dir() else [],
            "external": _external(Path(history_file), as_of) if history_file else [],
            "file": str(Path(history_file).resolve()) if history_file else None}


def coverage(history: dict[str, Any], units: list[str], cycles: int) -> dict[str, Any]:
    """Apply the coverage rule.

    Parameters
    ----------
    history : dict
        From :func:`read_history`.
    units : list of str
        The eligible units.
    cycles : int
        ``N``: the number of earlier cycles a unit may go uninspected.

    Returns
    -------
    dict
        ``in_force``, ``cycles`` (N), ``known`` (earlier cycles recorded), ``window``
        (the cycles considered), ``since`` (first as-of date of the window), ``last_inspected``
        (per unit, latest known date or null) and ``forced`` (sorted unit ids).
    """
    earlier = history["cycles"]
    window = earlier[-cycles:] if len(earlier) >= cycles else []
    since = window[0]["as_of"] if window else None
    last: dict[str, str | None] = dict.fromkeys(units)
    for c in earlier:
        for u in c["selected"]:
            if u in last:
                last[u] = max(last[u] or "", c["as_of"])
    for row in history["external"]:
        if row["unit_id"] in last:
            last[row["unit_id"]] = max(last[row["unit_id"]] or "", row["inspected_on"])
    forced = []
    if window:
        drawn = {u for c in window for u in c["selected"]}
        first = window[0]["as_of"]
        forced = sorted(u for u in units if u not in drawn and (last[u] or "") < first)
    return {"in_force": bool(window), "cycles": cycles, "known": len(earlier),
            "window": [c["cycle"] for c in window], "since": since, "last_inspected": last,
            "forced": forced}
