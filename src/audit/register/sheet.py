"""The dispositions file a team fills in offline: CSV, or a workbook's sheet.

Columns: ``finding_id`` and ``disposition`` (required), ``reviewer``,
``decided_on``, ``reason``, ``evidence`` (optional); the headers of
findings.xlsx in Vietnamese or English are accepted too, and so are the
disposition labels it shows (``Xác nhận``, ``Loại trừ`` ...). A workbook is
read from its sheet with exactly these column names (the flat sheet of
findings.xlsx); without one, from every sheet that has a finding id and a
disposition column (the per-category sheets). Every row is checked and every
problem reported at once, in one error naming the file and the rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..errors import ParameterError
from ..i18n import LANGUAGES, catalogue

__all__ = ["STATES", "COLUMNS", "read_dispositions", "empty_dispositions", "row_problems"]

STATES = ("confirmed", "dismissed", "remedied", "pending")
COLUMNS = ("finding_id", "disposition", "reviewer", "decided_on", "reason", "evidence")
_WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
_MAX_LISTED = 50  # problems listed in the error; the count says how many more


def empty_dispositions() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in COLUMNS})
    frame["decided_on"] = pd.Series(dtype="object")
    frame["row"] = pd.Series(dtype="str")
    return frame


def _norm(text: object) -> str:
    return " ".join(str(text).strip().lower().split())


def _header_names() -> dict[str, str]:
    """Every accepted header (normalised) -> its column."""
    cat = catalogue()
    names = {c: c for c in COLUMNS}
    for column in COLUMNS:
        for prefix in ("register.columns", "workbook.columns"):
            # The workbook's "evidence" header names the finding's evidence, not a remedy's.
            if prefix == "workbook.columns" and column not in ("finding_id", "disposition"):
                continue
            for lang in LANGUAGES:
                text = cat.get(f"{prefix}.{column}", {}).get(lang)
                if text:
                    names[_norm(text)] = column
    return names


def _state_names() -> dict[str, str]:
    cat = catalogue()
    names = {s: s for s in STATES}
    for state in STATES:
        for lang in LANGUAGES:
            text = cat.get(f"workbook.disposition.{state}", {}).get(lang)
            if text:
                names[_norm(text)] = state
    return names


def _rename(frame: pd.DataFrame) -> pd.DataFrame:
    names = _header_names()
    mapping: dict[object, str] = {}
    for col in frame.columns:
        target = names.get(_norm(col))
        if target and target not in mapping.values():
            mapping[col] = target
    return frame[list(mapping)].rename(columns=mapping)


def _with_header(raw: pd.DataFrame, sheet: str | None) -> tuple[pd.DataFrame, int] | None:
    """The table under the first of the sheet's top rows that holds the required headers."""
    names = _header_names()
    for i in range(min(len(raw), 12)):
        found = {names.get(_norm(v)) for v in raw.iloc[i].tolist() if str(v).strip()}
        if {"finding_id", "disposition"} <= found:
            body = raw.iloc[i + 1:].copy()
            body.columns = [str(v) for v in raw.iloc[i].tolist()]
            return body, i + 2  # file row of the first data row
    return None


def _read_workbook(path: Path) -> tuple[pd.DataFrame, list[str]]:
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype="object", engine="calamine")
    except Exception as exc:  # calamine reports a bad workbook in its own exception types
        raise ParameterError(f"dispositions: cannot read the workbook ({str(exc).splitlines()[0]})",
                             file=str(path)) from None
    exact: list[pd.DataFrame] = []
    loose: list[pd.DataFrame] = []
    for name, raw in sheets.items():
        raw = raw.fillna("")
        found = _with_header(raw, name)
        if found is None:
            continue
        body, first = found
        part = _rename(body)
        part["row"] = [f"sheet {name!r} row {first + i}" for i in range(len(part))]
        header = {str(c).strip() for c in body.columns}
        (exact if {"finding_id", "disposition"} <= header else loose).append(part)
    chosen = exact or loose
    if not chosen:
        return empty_dispositions(), ["no sheet has a finding_id and a disposition column"]
    return pd.concat(chosen, ignore_index=True), []


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[str]]:
    try:
        raw = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ParameterError(f"dispositions: cannot read the CSV ({str(exc).splitlines()[0]})",
                             file=str(path)) from None
    frame = _rename(raw)
    frame["row"] = [f"row {i + 2}" for i in range(len(frame))]
    return frame, []


def _cell(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id typed as a number
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat() if hasattr(value, "date") else str(value)
    return str(value).strip()


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    for parse in (dt.date.fromisoformat, lambda s: dt.datetime.strptime(s, "%d/%m/%Y").date()):
        try:
            return parse(text[:10] if len(text) > 10 and text[10] in " T" else text)
        except ValueError:
            continue
    raise ValueError(text)


def row_problems(state: str, reason: str, evidence: str) -> list[str]:
    """What a decision lacks to be recorded (shared by the file and the command line)."""
    if state not in STATES:
        return [f"disposition must be one of {', '.join(STATES)}, got {state!r}"]
    if state == "dismissed" and not reason:
        return ["a dismissed finding needs a reason"]
    if state == "remedied" and not evidence:
        return ["a remedied finding needs the evidence of the remedy"]
    return []


def read_dispositions(source: str | Path | pd.DataFrame | None) -> pd.DataFrame:
    """The dispositions as a frame, one row per finding.

    Parameters
    ----------
    source : path to a CSV (UTF-8) or a workbook (xlsx, xls, ods), a DataFrame, or None

    Returns
    -------
    DataFrame
        finding_id, disposition (one of :data:`STATES`), reviewer, decided_on (date or
        None), reason, evidence (text, "" when not given) and row (where the row is in
        the file, for messages).

    Raises
    ------
    ParameterError
        One error naming the file and listing every row at fault: an empty finding id,
        an unknown disposition, a dismissal without a reason, a remedy without evidence,
        a date that is not one, and findings given different decisions in one file.
    """
    if source is None:
        return empty_dispositions()
    where = None
    if isinstance(source, pd.DataFrame):
        frame = _rename(source.copy())
        frame["row"] = [f"row {i + 1}" for i in range(len(frame))]
        problems: list[str] = []
    else:
        path = Path(source)
        where = str(source)
        if not path.is_file():
            raise ParameterError("dispositions: file not found", file=where)
        reader = _read_workbook if path.suffix.lower() in _WORKBOOKS else _read_csv
        frame, problems = reader(path)
    missing = [c for c in ("finding_id", "disposition") if c not in frame.columns]
    if missing:
        raise ParameterError(f"dispositions: missing column {', '.join(missing)}", file=where)
    for col in COLUMNS:
        frame[col] = [_cell(v) for v in frame[col]] if col in frame else ""
    states = _state_names()
    frame["disposition"] = [states.get(_norm(v), _norm(v)) for v in frame["disposition"]]
    # A row left entirely blank (the end of a sheet) is no decision at all, and neither is a
    # finding the reviewer left undecided (findings.xlsx lists every finding, most left blank).
    undecided = (frame["disposition"] == "") & (frame["reason"] == "") & (frame["evidence"] == "")
    blank = ((frame["finding_id"] == "") & (frame["disposition"] == "")) | undecided
    frame = frame.loc[~blank].reset_index(drop=True)
    days: list[dt.date | None] = []
    for r in frame.itertuples(index=False):
        where_row = f"{r.row}"
        if not r.finding_id:
            problems.append(f"{where_row}: finding_id is empty")
        problems += [f"{where_row}: finding {r.finding_id}: {p}" for p in row_problems(r.disposition, r.reason,
                                                                                         r.evidence)]
        try:
            days.append(_date(r.decided_on))
        except ValueError:
            problems.append(f"{where_row}: finding {r.finding_id}: decided_on {r.decided_on!r} is not a date "
                            "(YYYY-MM-DD)")
            days.append(None)
    frame["decided_on"] = pd.Series(days, index=frame.index, dtype="object")
    decision = ["disposition", "reviewer", "reason", "evidence"]
    distinct = frame.drop_duplicates(["finding_id", *decision])
    clash = distinct.loc[distinct["finding_id"].ne("") & distinct.duplicated("finding_id", keep=False)]
    for fid, rows in clash.groupby("finding_id", sort=True):
        problems.append(f"{', '.join(frame.loc[frame['finding_id'] == fid, 'row'])}: finding {fid} is given "
                        f"conflicting decisions ({', '.join(dict.fromkeys(rows['disposition']))})")
    if problems:
        listed = problems[:_MAX_LISTED]
        more = f"; and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
        raise ParameterError(f"dispositions: {len(problems)} problem(s), nothing applied: "
                             + "; ".join(listed) + more, file=where)
    out = frame.drop_duplicates("finding_id").reset_index(drop=True)
    return out[[*COLUMNS, "row"]]
