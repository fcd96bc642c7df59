"""What a batch will do, decided before any unit runs: which units, in which
folders, which are done already, and the targets to compare them with.

Everything here raises :class:`~audit.errors.ParameterError` or
:class:`~audit.errors.SourceError` for bad input, so ``audit batch`` stops
with exit code 2 before it starts a single unit.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ParameterError, SourceError
from ..io.base import normalise_name
from .names import safe_name

__all__ = ["Selection", "select_units", "assign_folders", "read_targets", "target_for", "outputs_verified",
           "source_fingerprint"]


@dataclass(frozen=True)
class Selection:
    """The units chosen, in order, with their names (for the index)."""

    unit_ids: list[str]
    names: dict[str, str]


def _units_with_cases(source: str) -> set[str]:
    """Units that handle at least one (valid) case: a store answers in SQL, any other
    source is read once."""
    from ..io import load_records, source_kind

    if "://" not in source and source_kind(source) == "store":
        from ..io.store import store_unit_ids

        return set(store_unit_ids(source))
    cases = load_records(source).cases
    return set(cases["unit_id"].dropna().unique().tolist())


def select_units(source: str, units: str | Sequence[str] | None, province: str | None) -> Selection:
    """The units a batch audits.

    Parameters
    ----------
    source : str
        The source (already checked to exist).
    units : "all", a list of unit ids, or None
        ``"all"``: every unit that has cases. A list: exactly those units.
    province : str, optional
        Instead of ``units``: the units under this supervising unit (and the
        unit itself) that have cases.

    Raises
    ------
    ParameterError
        Neither or both of ``units`` and ``province``; an unknown unit; a
        province with no unit under it; nothing to audit.
    """
    from ..io import load_records

    if (units is None) == (province is None):
        raise ParameterError("give either --units (all, or a comma-separated list of unit ids) or --province")
    table = load_records(source, unit=[]).units  # the units table alone: no case is read
    known = table.drop_duplicates("unit_id").set_index("unit_id")
    names = {str(k): str(v) for k, v in known["name"].items()}
    if isinstance(units, str) and units.strip().lower() == "all":
        chosen = sorted(_units_with_cases(source) & set(names))
        if not chosen:
            raise ParameterError("the source has no unit with cases to audit", file=source)
        return Selection(chosen, names)
    if province is not None:
        province = province.strip()
        if province not in names:
            raise ParameterError(f"--province {province!r} is not a unit of the source", file=source)
        under = set(known.index[known["parent_id"] == province]) | {province}
        if len(under) == 1:
            raise ParameterError(f"no unit has {province!r} as its supervising unit", file=source)
        chosen = sorted(under & _units_with_cases(source))
        if not chosen:
            raise ParameterError(f"no unit under {province!r} has cases to audit", file=source)
        return Selection(chosen, names)
    parts = units.split(",") if isinstance(units, str) else list(units or [])
    wanted = list(dict.fromkeys(u.strip() for u in parts if u.strip()))
    if not wanted:
        raise ParameterError("--units lists no unit id")
    unknown = [u for u in wanted if u not in names]
    if unknown:
        raise ParameterError(f"not units of the source: {', '.join(map(repr, unknown[:10]))}"
                             f"{' …' if len(unknown) > 10 else ''}", file=source)
    return Selection(wanted, names)


def assign_folders(unit_ids: Sequence[str]) -> dict[str, str]:
    """Each unit's folder name (:func:`safe_name`), distinct even on a file system that
    ignores case: ids that would meet get their hash appended."""
    folders = {u: safe_name(u) for u in unit_ids}
    seen: dict[str, list[str]] = {}
    for u, name in folders.items():
        seen.setdefault(name.casefold(), []).append(u)
    for group in seen.values():
        if len(group) > 1:
            for u in group:
                folders[u] = safe_name(u + "\x00")  # never safe as is: gets its own hash
    return folders


# ---- targets -------------------------------------------------------------------------------
_TARGET_COLUMNS = {
    "unit_id": ("unit_id", "Mã đơn vị"),
    "cases_target": ("cases_target", "Chỉ tiêu việc", "Chỉ tiêu về việc", "Chỉ tiêu việc (%)"),
    "money_target": ("money_target", "Chỉ tiêu tiền", "Chỉ tiêu về tiền", "Chỉ tiêu tiền (%)"),
}
_NUMBER = re.compile(r"^\s*(\d{1,3}(?:[.,]\d+)?)\s*%?\s*$")


def read_targets(path: str | Path) -> pd.DataFrame:
    """The completion-rate targets of a CSV file ``unit_id,cases_target,money_target``.

    Targets are percentages (``84`` or ``84,5`` or ``84.5%``); an empty cell is no
    target. A row with unit id ``*`` gives the target of every unit not listed.

    Returns
    -------
    DataFrame
        Indexed by unit id, columns ``cases_target`` and ``money_target`` as
        fractions (0.845), missing where no target was given.

    Raises
    ------
    ParameterError
        Unreadable file, missing column, repeated unit, or a value that is not a
        percentage between 0 and 100, naming the file, row and column.
    """
    where = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"cannot read the targets file ({exc})".splitlines()[0], file=where) from exc
    if not rows:
        raise ParameterError("the targets file is empty (expected unit_id,cases_target,money_target)",
                             file=where)
    header = [normalise_name(h) for h in rows[0]]
    index: dict[str, int] = {}
    for column, aliases in _TARGET_COLUMNS.items():
        for alias in aliases:
            if normalise_name(alias) in header:
                index[column] = header.index(normalise_name(alias))
                break
    if "unit_id" not in index or len(index) < 2:
        raise ParameterError("the targets file needs the columns unit_id and cases_target and/or "
                             f"money_target (found: {', '.join(rows[0]) or 'none'})", file=where)
    out: dict[str, dict[str, Any]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        unit = row[index["unit_id"]].strip() if index["unit_id"] < len(row) else ""
        if not unit:
            raise ParameterError("the unit id is missing", file=where, row=line, column="unit_id")
        if unit in out:
            raise ParameterError(f"unit {unit!r} is listed twice", file=where, row=line, column="unit_id")
        values: dict[str, Any] = {}
        for column in ("cases_target", "money_target"):
            cell = row[index[column]].strip() if column in index and index[column] < len(row) else ""
            if not cell:
                values[column] = float("nan")
                continue
            match = _NUMBER.match(cell)
            number = float(match.group(1).replace(",", ".")) if match else -1.0
            if not 0 <= number <= 100:
                raise ParameterError(f"{cell!r} is not a percentage between 0 and 100", file=where,
                                     row=line, column=column)
            values[column] = number / 100
        out[unit] = values
    frame = pd.DataFrame.from_dict(out, orient="index", columns=["cases_target", "money_target"])
    return frame.astype("float64")


def target_for(targets: pd.DataFrame | None, unit_id: str) -> tuple[float, float]:
    """(cases target, money target) of a unit, from its own row or the ``*`` row."""
    nan = float("nan")
    if targets is None:
        return nan, nan
    for key in (unit_id, "*"):
        if key in targets.index:
            row = targets.loc[key]
            return float(row["cases_target"]), float(row["money_target"])
    return nan, nan


# ---- resume -------------------------------------------------------------------------------
def outputs_verified(folder: Path, expected: dict[str, Any], version: str,
                     fingerprint: str | None = None) -> bool:
    """Whether ``folder`` holds a finished run of these parameters whose files match
    the hashes in its manifest (and so need not run again).

    Parameters
    ----------
    folder : Path
        The unit's output folder.
    expected : dict
        The run's parameters as its manifest records them (source redacted).
    version : str
        The toolkit version: a run by another version is run again.
    fingerprint : str, optional
        The input's fingerprint when known without reading it (a store's).
    """
    import json

    from ..report.outputs import FILES, sha256

    try:
        manifest = json.loads((folder / FILES["manifest_json"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get("version") != version:
        return False
    recorded = manifest.get("parameters") or {}
    if any(recorded.get(k) != v for k, v in expected.items()):
        return False
    if fingerprint is not None and (manifest.get("input") or {}).get("fingerprint") != fingerprint:
        return False
    outputs = manifest.get("outputs") or {}
    needed = {name for role, name in FILES.items() if role != "manifest_json"}
    if not needed <= set(outputs):
        return False
    for name, meta in outputs.items():
        path = folder / name
        try:
            if not path.is_file() or sha256(path) != meta.get("sha256"):
                return False
        except OSError:
            return False
    return True


def source_fingerprint(source: str) -> str | None:
    """A store's fingerprint (from its verified manifest); None for other sources."""
    from ..io import source_kind

    if "://" in source:
        return None
    try:
        if source_kind(source) != "store":
            return None
    except SourceError:
        return None
    from ..io.store import verify_store

    return str(verify_store(source)["source"]["fingerprint"])
