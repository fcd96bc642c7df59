"""The run's files besides the report: findings, KPIs, the follow-up workbook,
the draft inspection conclusion and the manifest.

The notebook writes them from the very ``UnitAudit`` it displays, so the
figures in report.html and in the files cannot disagree. The runner then
completes the manifest with what only it knows (parameters as given, start
and end times, the hashes of the notebook and the HTML).

Files are plain UTF-8; dates are ISO ``YYYY-MM-DD``; money is whole VND.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import sys
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..contract import CONTRACT_VERSION
from ..errors import ParameterError
from ..export import write_findings, write_kpis
from ..redact import redact  # re-exported: the one helper every output uses
from ..verify import file_record, seal
from .conclusion.inspection import Inspection

if TYPE_CHECKING:
    from ..pipeline import UnitAudit

__all__ = ["FILES", "write_outputs", "update_manifest", "redact", "sha256", "utc_now",
           "read_manifest", "write_manifest", "environment"]

# The files of a successful run, by role.
FILES = {
    "report_html": "report.html",
    "executed_ipynb": "executed.ipynb",
    "findings_csv": "findings.csv",
    "findings_json": "findings.json",
    "findings_xlsx": "findings.xlsx",
    "kpis_csv": "kpis.csv",
    "conclusion_docx": "conclusion.docx",
    "conclusion_md": "conclusion.md",
    "manifest_json": "manifest.json",
}
_PACKAGES = ("pandas", "numpy", "pyarrow", "duckdb", "sqlalchemy", "openpyxl", "python-calamine", "pyyaml", "holidays",
             "scikit-learn", "matplotlib", "papermill", "nbconvert", "nbformat", "ipykernel",
             "python-docx")
def sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def utc_now() -> str:
    """The current time, ISO 8601 in UTC to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _json_value(value: Any) -> Any:
    if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=_json_value) + "\n",
                    encoding="utf-8")


def _versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def write_outputs(result: UnitAudit, output_dir: str | Path, *,
                  dispositions: str | Path | pd.DataFrame | None = None,
                  inspection: str | Path | Inspection | None = None,
                  remedy_days: int | None = None, register: str | Path | None = None,
                  operator: str | None = None) -> dict[str, Path]:
    """Write findings.csv/.json/.xlsx, kpis.csv, conclusion.docx/.md and manifest.json
    for one unit audit.

    Parameters
    ----------
    result : UnitAudit
        What :func:`audit.pipeline.audit_unit` returned.
    output_dir : str or Path
        Created if missing.
    dispositions : path or DataFrame, optional
        A reviewer's list of finding_id, disposition (confirmed or dismissed): with one,
        the conclusion states only the confirmed violations (:mod:`audit.report.dispositions`).
    inspection : path or Inspection, optional
        The inspection file: issuer, signer, legal bases, recipients, targets, deadlines
        (:mod:`audit.report.conclusion.inspection`); without it the conclusion shows
        visible placeholders.
    remedy_days : int, optional
        Days to remedy, overriding the inspection file's.
    register : path or database URL, optional
        The findings register (:mod:`audit.register`): the run's findings are recorded in
        it, a ``dispositions`` file is imported into it, the decisions it holds decide what
        the conclusion states, ``result.follow_up`` is set (the earlier conclusion's
        follow-up, shown by the report) and the conclusion's recommendations are recorded.
    operator : str, optional
        Who runs the audit (default: the account's name), recorded in the register.

    Returns
    -------
    dict of role -> Path
        The files written (roles as in ``FILES``).
    """
    from .. import __version__
    from ..contract import CONTRACT_VERSION
    from ..rules.registry import all_rules
    from .conclusion import load_inspection, remedy_deadline, write_conclusion
    from .dispositions import read_dispositions, split_findings
    from .workbook import write_workbook

    if remedy_days is not None and (isinstance(remedy_days, bool) or not isinstance(remedy_days, int)
                                    or remedy_days < 1):
        raise ParameterError(f"remedy_days must be a whole number of days, got {remedy_days!r}")
    insp = inspection if isinstance(inspection, Inspection) else load_inspection(inspection)
    if remedy_days is not None:
        insp = replace(insp, remedy_days=remedy_days, report_days=max(insp.report_days, remedy_days))
    disp = read_dispositions(dispositions)
    reg = run_id = None
    if register is not None and str(register) != "":
        from .recording import record_unit_run

        # The register's decisions (a file given with the run is imported first) decide.
        reg, run_id, disp = record_unit_run(result, register, dispositions=dispositions, operator=operator)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    # The same writers as the scan command's, so a unit run's files read like a scan's.
    write_findings(result.findings, out)
    write_kpis(result.kpis, out)
    kept, disposition, disp_counts = split_findings(result.findings, disp)
    deadline = remedy_deadline(insp.issue_date or result.as_of, insp.remedy_days)
    write_workbook(result, out / FILES["findings_xlsx"], disposition, deadline)
    reviewed = dispositions is not None or len(disp) > 0
    stated = write_conclusion(result, out / FILES["conclusion_docx"], out / FILES["conclusion_md"],
                              inspection=insp, disposition=disposition if reviewed else None)
    register_record = None
    if reg is not None and run_id is not None:
        from .recording import record_conclusion_of

        with reg:
            register_record = {"register": redact(reg.description), "run_id": run_id,
                               **record_conclusion_of(reg, result, run_id, disposition if reviewed else None,
                                                      deadline, insp.source or None),
                               "follow_up": result.follow_up.counts if result.follow_up is not None
                               and result.follow_up.has_baseline else None}
    paths = {role: out / FILES[role]
             for role in ("findings_csv", "findings_json", "findings_xlsx", "kpis_csv", "conclusion_docx",
                          "conclusion_md", "manifest_json")}

    rec, f = result.records, result.findings
    manifest = {
        "tool": "thads-audit",
        "version": __version__,
        "kind": "unit-run",
        "parameters": {
            "source": redact(rec.source), "unit_id": result.unit.get("unit_id"),
            "as_of": result.as_of.isoformat(), "lang": result.lang,
        },
        "unit": {k: _json_value(v) for k, v in result.unit.items()},
        "period": {"start": result.period_start.isoformat(), "end": result.period_end.isoformat(),
                   "kind": result.period.kind if result.period else None,
                   "defaulted": result.period.defaulted if result.period else None},
        "as_of": result.as_of.isoformat(),
        "input": {"source": redact(rec.source), "fingerprint": rec.fingerprint,
                  "tables_present": sorted(rec.present), "files": rec.files},
        "rows": _records(rec.counts),
        "data_issues": int(len(rec.issues)),
        "findings": {
            "total": int(len(f)),
            "by_category": {k: int(v) for k, v in f["category"].value_counts().sort_index().items()},
            "by_severity": {k: int(v) for k, v in f["severity"].value_counts().sort_index().items()},
        },
        "contract_version": CONTRACT_VERSION,
        "conclusion": {
            "remedy_days": insp.remedy_days, "report_days": insp.report_days,
            "remedy_deadline": deadline.isoformat(),
            "inspection_file": insp.source or None,
            "findings_not_dismissed": int(len(kept)),
            "stated": stated,
            "dispositions": None if not reviewed else {
                "source": "register" if dispositions is None else "frame"
                if isinstance(dispositions, pd.DataFrame) else redact(str(dispositions)),
                "sha256": None if dispositions is None or isinstance(dispositions, pd.DataFrame)
                else sha256(dispositions),
                **disp_counts},
        },
        "register": register_record,
        "rules_run": sorted(result.timings),
        "timings_seconds": {k: round(v, 4) for k, v in sorted(result.timings.items())},
        "settings": result.settings.effective([r.rule_id for r in all_rules()]),
        "started_at": None,
        "finished_at": utc_now(),
        "environment": environment(),
        "outputs": {},
    }
    _write_json(paths["manifest_json"], manifest)
    # Only what this call wrote: a report.html in the folder may be an earlier run's.
    update_manifest(out, files=[p.name for role, p in paths.items() if role != "manifest_json"])
    return paths


def environment() -> dict[str, Any]:
    """Python, platform and the versions of the packages that shape the results."""
    return {"python": sys.version.split()[0], "platform": platform.platform(), "packages": _versions()}


def write_manifest(output_dir: str | Path, manifest: dict[str, Any], files: list[str]) -> dict[str, Any]:
    """Write ``manifest.json`` into ``output_dir`` recording ``files`` (names relative to it)
    with their hashes, and seal it. Used by scans and other runs without a notebook."""
    out = Path(output_dir)
    base = {"tool": "thads-audit", "contract_version": CONTRACT_VERSION, "outputs": {}}
    _write_json(out / FILES["manifest_json"], {**base, **manifest})
    return update_manifest(out, files=files)


def read_manifest(output_dir: str | Path) -> dict[str, Any]:
    """The manifest.json of a run folder."""
    return json.loads((Path(output_dir) / FILES["manifest_json"]).read_text(encoding="utf-8"))


def update_manifest(output_dir: str | Path, files: list[str] | None = None,
                    **fields: Any) -> dict[str, Any]:
    """Merge ``fields`` into the manifest and record the hashes of the run's files.

    Parameters
    ----------
    output_dir : str or Path
        A run folder holding manifest.json.
    files : list of str, optional
        The file names to hash; by default every file of ``FILES`` present.
    **fields
        Top-level keys to set; a dict value is merged into the existing dict.

    Returns
    -------
    dict
        The manifest as written.
    """
    out = Path(output_dir)
    manifest = read_manifest(out)
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(manifest.get(key), dict):
            manifest[key] = {**manifest[key], **value}
        else:
            manifest[key] = value
    if files is None:
        files = [name for role, name in FILES.items()
                 if role != "manifest_json" and (out / name).is_file()]
    manifest["outputs"] = {name: file_record(out / name) for name in files}
    # What `audit verify` checks: each file's hash, size and block hashes, and the manifest's seal.
    manifest["seal"] = seal(manifest)
    _write_json(out / FILES["manifest_json"], manifest)
    return manifest
