"""Findings and KPI files, written the same way by ``run`` and ``scan``.

CSV is UTF-8 with ISO dates and money as whole numbers; JSON is a list of
records with the same columns.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .contract import FINDING_COLUMNS

__all__ = ["write_findings", "write_kpis", "findings_records"]


def _iso_dates(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out


def findings_records(findings: pd.DataFrame) -> list[dict[str, object]]:
    """Findings as JSON-ready dicts (missing values as null, integers as ints)."""
    frame = _iso_dates(findings[list(FINDING_COLUMNS)]).astype(object)
    frame = frame.where(findings[list(FINDING_COLUMNS)].notna(), None)
    return frame.to_dict("records")


def write_findings(findings: pd.DataFrame, folder: Path) -> list[Path]:
    """Write ``findings.csv`` and ``findings.json`` into ``folder``."""
    folder = Path(folder)
    csv_path, json_path = folder / "findings.csv", folder / "findings.json"
    _iso_dates(findings[list(FINDING_COLUMNS)]).to_csv(csv_path, index=False)
    json_path.write_text(json.dumps(findings_records(findings), ensure_ascii=False, indent=1),
                         encoding="utf-8")
    return [csv_path, json_path]


def write_kpis(kpis: pd.DataFrame, folder: Path) -> Path:
    path = Path(folder) / "kpis.csv"
    _iso_dates(kpis).to_csv(path, index=False)
    return path
