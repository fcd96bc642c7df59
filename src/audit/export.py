"""Findings and KPI files, written the same way by ``run`` and ``scan``.

CSV is UTF-8 with a byte-order mark (so that Excel, which otherwise guesses a
legacy code page, shows Vietnamese right), ISO dates and money as whole
numbers; every text cell a spreadsheet would run as a formula is neutralised
(:func:`neutralise`). JSON is a list of records with the same columns, values
as they are.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .contract import FINDING_COLUMNS

__all__ = ["write_findings", "write_kpis", "findings_records", "write_csv", "neutralise",
           "CSV_ENCODING", "scan_manifest"]

CSV_ENCODING = "utf-8-sig"
# What makes a spreadsheet read a cell as a formula (OWASP, CSV injection), with the
# full-width forms some input methods type.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, prefixed with a single quote.

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (OWASP's
    CSV-injection list) gets a leading ``'``, which Excel and LibreOffice show as
    text and never evaluate. Numbers, including negative ones, stay as they are:
    number columns are not touched, nor text that is just a number (``-5``).

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    DataFrame
        A copy; ``frame`` is not changed.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            continue
        starts = s.str.startswith(FORMULA_START).fillna(False).astype(bool)
        if not starts.any():
            continue
        number = s.str.fullmatch(_NUMBER).fillna(False).astype(bool)
        risky = starts & ~number
        out[col] = s.astype(object).mask(risky, "'" + s[risky].astype("str"))
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as the toolkit's CSV: BOM, ISO dates, formulas neutralised, no index.

    Every CSV meant for a spreadsheet goes through this function.
    """
    path = Path(path)
    # CRLF, as RFC 4180 and Excel have it: the csv writer then quotes any cell holding a
    # bare CR too, which a spreadsheet would otherwise take as the start of a new row.
    neutralise(_iso_dates(frame)).to_csv(path, index=False, encoding=CSV_ENCODING, lineterminator="\r\n")
    return path


def _iso_dates(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out


def findings_records(findings: pd.DataFrame) -> list[dict[str, object]]:
    """Findings as JSON-ready dicts (missing values as null, integers as ints)."""
    frame = _iso_dates(findings[list(FINDING_COLUMNS)])
    columns = []
    for name in FINDING_COLUMNS:
        values = frame[name].tolist()  # Python scalars, which the JSON encoder takes as they are
        for i in np.flatnonzero(findings[name].isna().to_numpy()):
            values[i] = None
        columns.append(values)
    return [dict(zip(FINDING_COLUMNS, row, strict=True)) for row in zip(*columns, strict=True)]


def write_findings(findings: pd.DataFrame, folder: Path) -> list[Path]:
    """Write ``findings.csv`` and ``findings.json`` (a list, one finding per line) into ``folder``."""
    folder = Path(folder)
    csv_path, json_path = folder / "findings.csv", folder / "findings.json"
    write_csv(findings[list(FINDING_COLUMNS)], csv_path)
    # One compact finding per line: json's C encoder (an indented dump goes through the
    # pure-Python one, 20 s for a national scan's findings) and still readable line by line.
    lines = [json.dumps(r, ensure_ascii=False) for r in findings_records(findings)]
    json_path.write_text("[\n" + ",\n".join(lines) + "\n]" if lines else "[]", encoding="utf-8")
    return [csv_path, json_path]


def write_kpis(kpis: pd.DataFrame, folder: Path) -> Path:
    return write_csv(kpis, Path(folder) / "kpis.csv")


def scan_manifest(result: Any, args: Any, started: str) -> dict[str, Any]:
    """What a scan's manifest.json records besides its files: parameters as given (the source
    without credentials), the input's fingerprint, rows read, findings, rule parameters in
    force (the rule pack), toolkit and environment."""
    from . import __version__
    from .redact import redact
    from .report.outputs import environment, utc_now
    from .rules.registry import all_rules
    from .verify import file_record

    rec, f = result.records, result.findings
    params_file = getattr(args, "rule_params", None)
    return {
        "version": __version__,
        "kind": "scan",
        "parameters": {
            "source": redact(args.source), "as_of": args.as_of.isoformat(),
            "period_start": args.period_start.isoformat() if args.period_start else None,
            "period_end": args.period_end.isoformat() if args.period_end else None,
            "lang": args.lang, "params_file": str(params_file) if params_file else None,
            "params_file_sha256": file_record(params_file)["sha256"] if params_file else None,
        },
        "input": {"source": redact(rec.source), "fingerprint": rec.fingerprint,
                  "tables_present": sorted(rec.present), "files": rec.files},
        "rows": json.loads(rec.counts.to_json(orient="records")),
        "data_issues": int(len(rec.issues)),
        "findings": {
            "total": int(len(f)),
            "by_category": {str(k): int(v) for k, v in f["category"].value_counts().sort_index().items()},
            "by_severity": {str(k): int(v) for k, v in f["severity"].value_counts().sort_index().items()},
        },
        "units": int(result.kpis["unit_id"].nunique()) if len(result.kpis) else 0,
        "settings": _settings(all_rules(), args),
        "started_at": started, "finished_at": utc_now(),
        "environment": environment(),
    }


def _settings(rules: Any, args: Any) -> dict[str, Any]:
    from .config import load_settings

    return load_settings(getattr(args, "rule_params", None)).effective([r.rule_id for r in rules])
