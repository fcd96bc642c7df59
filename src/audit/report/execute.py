"""Run the unit notebook with papermill and turn it into the run's files.

Parameters are checked before any kernel starts. The notebook runs in a
staging folder beside the output folder, which is swapped in whole when the
run ends (:mod:`audit.publish`), so ``<out>`` always holds one complete run:
``<out>/report.html`` is never the report of a failed or half-finished run,
and a kill at any moment leaves the earlier output as it was. A failed run
publishes only its partial notebook, under ``<out>/failed/``, for diagnosis
and raises one :class:`RunError` line naming the cell.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ParameterError, RunError
from ..i18n import check_lang, t
from ..logs import stage_logger
from ..publish import check_output_folder, publishing
from ..resources import project_dir
from .dispositions import read_dispositions
from .outputs import FILES, read_manifest, redact, sha256, update_manifest, utc_now
from .paths import NOTEBOOK

__all__ = ["KERNEL", "RunOutputs", "run_unit_report", "check_parameters"]

KERNEL = "thads-audit"
log = stage_logger("run")


@dataclass(frozen=True)
class RunOutputs:
    """The files of one successful unit run."""

    out_dir: Path
    report_html: Path
    executed_ipynb: Path
    findings_csv: Path
    findings_json: Path
    findings_xlsx: Path
    kpis_csv: Path
    conclusion_docx: Path
    conclusion_md: Path
    manifest_json: Path

    @classmethod
    def in_folder(cls, out: Path) -> RunOutputs:
        return cls(out, **{role: out / name for role, name in FILES.items()})


def _iso(value: Any, name: str) -> str | None:
    from ..pipeline import as_date

    if value is None or value == "":
        return None
    return as_date(value, name).isoformat()


def check_parameters(source: str | Path, unit: str, as_of: Any, out: str | Path,
                     period_start: Any = None, period_end: Any = None, lang: str = "vi",
                     params_file: str | Path | None = None, dispositions: str | Path | None = None,
                     remedy_days: int | None = None, inspection: str | Path | None = None,
                     register: str | Path | None = None) -> dict[str, Any]:
    """Validate a unit run's parameters and return them as the notebook receives them.

    Paths become absolute (the kernel does not share our working directory),
    dates become ISO strings.

    Raises
    ------
    ParameterError
        One line naming the parameter at fault.
    """
    from ..config import load_settings
    from .conclusion.inspection import load_inspection

    if not isinstance(unit, str) or not unit.strip():
        raise ParameterError(f"unit must be a non-empty unit id, got {unit!r}")
    check_lang(lang)
    as_of_iso = _iso(as_of, "as_of")
    if as_of_iso is None:
        raise ParameterError("as_of is required (YYYY-MM-DD)")
    start, end = _iso(period_start, "period_start"), _iso(period_end, "period_end")
    if start and end and start > end:
        raise ParameterError(f"period_start {start} is after period_end {end}")
    src = str(source)
    if "://" not in src:
        if not src.strip() or not Path(src).expanduser().exists():
            raise ParameterError("source not found", file=src)
        src = str(Path(src).expanduser().resolve())
    pfile = None
    if params_file is not None and str(params_file) != "":
        pfile = str(Path(params_file).expanduser().resolve())
        load_settings(pfile)  # refuses an unreadable file, unknown rules and ill-typed values
    disp = None
    if dispositions is not None and str(dispositions) != "":
        disp = str(Path(dispositions).expanduser().resolve())
        read_dispositions(disp)  # refuses an unreadable file, missing columns and unknown values
    if remedy_days is not None and (isinstance(remedy_days, bool) or not isinstance(remedy_days, int)
                                    or remedy_days < 1):
        raise ParameterError(f"remedy_days must be a whole number of days, got {remedy_days!r}")
    insp = None
    if inspection is not None and str(inspection) != "":
        insp = str(Path(inspection).expanduser().resolve())
        load_inspection(insp)  # refuses an unreadable file, unknown keys and ill-typed values
    reg = None
    if register is not None and str(register).strip() != "":
        reg = str(register) if "://" in str(register) else str(Path(register).expanduser().resolve())
        if "://" not in reg and Path(reg).is_dir():
            raise ParameterError("the register is a folder: give a .duckdb file or a database URL", file=reg)
    out_dir = check_output_folder(out).resolve()  # a file in its place or no write access: exit 2
    return {"source": src, "unit_id": unit, "as_of": as_of_iso, "period_start": start,
            "period_end": end, "lang": lang, "output_dir": str(out_dir), "params_file": pfile,
            "dispositions": disp, "inspection": insp, "remedy_days": remedy_days, "register": reg}


def _scrub(path: Path, secret: str, replacement: str | None = None) -> None:
    """Remove credentials from a saved notebook: the source as given (in the injected
    parameters cell and papermill's metadata), then anything else :func:`redact` finds."""
    if not path.is_file():
        return
    replacement = redact(secret) if replacement is None else replacement
    original = text = path.read_text(encoding="utf-8")
    if secret != replacement:
        for a, b in ((secret, replacement), (repr(secret)[1:-1], repr(replacement)[1:-1])):
            text = text.replace(a, b)
    text = redact(text)
    if text != original:
        path.write_text(text, encoding="utf-8")


def _first_line(text: object) -> str:
    return next((ln.strip() for ln in str(text or "").splitlines() if ln.strip()), "")


def _describe(name: str, message: object) -> str:
    first = _first_line(message)
    return f"{name}: {first}" if first else name


# Raised in the notebook, these mean the input is at fault, not the run.
_INPUT_ERRORS = ("SourceError", "ParameterError", "ValidationError")


def kernel_install_command() -> str:
    """The command that registers the notebook's kernel for this Python (``make setup`` runs it)."""
    import sys

    where = "--sys-prefix" if sys.prefix != sys.base_prefix else "--user"  # a virtual environment's own
    return f"{sys.executable} -m ipykernel install {where} --name {KERNEL}"


def _cell_reason(exc: Exception) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        code = _first_line(exc.source)
        if len(code) > 60:
            code = code[:57] + "..."
        return (f"notebook cell {exc.cell_index} (In [{exc.exec_count}]: {code}) raised "
                + _describe(exc.ename, exc.evalue))
    if type(exc).__name__ == "NoSuchKernel":
        return f"the Jupyter kernel {KERNEL!r} is not installed (run: {kernel_install_command()})"
    return "notebook execution failed: " + _describe(type(exc).__name__, exc)


def _fail(staging: Path, out_dir: Path, reason: str, secret: str) -> RunError:
    """Leave in ``staging`` only the partial notebook and the reason, under ``failed/``:
    published in place of the earlier run, whose files would read as this run's results."""
    failed = staging / "failed"
    failed.mkdir(exist_ok=True)
    partial = staging / FILES["executed_ipynb"]
    if partial.is_file():
        _scrub(partial, secret)
        os.replace(partial, failed / FILES["executed_ipynb"])
    (failed / "error.txt").write_text(redact(reason) + "\n", encoding="utf-8")
    for item in staging.iterdir():
        if item != failed:
            shutil.rmtree(item) if item.is_dir() else item.unlink()
    return RunError(reason, file=str(out_dir / "failed" / FILES["executed_ipynb"]))


def run_unit_report(source: str | Path, unit: str, as_of: Any, out: str | Path,
                    period_start: Any = None, period_end: Any = None, lang: str = "vi",
                    params_file: str | Path | None = None, *, dispositions: str | Path | None = None,
                    inspection: str | Path | None = None, remedy_days: int | None = None,
                    register: str | Path | None = None, timeout: int | None = None) -> RunOutputs:
    """Audit one unit through the notebook and write the run's files into ``out``.

    Parameters
    ----------
    source : str or Path
        A case-records source: a file or folder path, or a database URL.
    unit : str
        The unit id.
    as_of : date or ISO string
        The audit date.
    out : str or Path
        The run folder; created if missing.
    period_start, period_end : date or ISO string, optional
        By default the statistical year up to ``as_of``.
    lang : {"vi", "en"}
        The report's language.
    params_file : path, optional
        An inspection's parameter file.
    dispositions : path, optional
        A CSV of finding_id, disposition (confirmed or dismissed): with one, the
        conclusion states only the confirmed violations.
    inspection : path, optional
        The inspection file (issuer, signer, legal bases, recipients, targets, deadlines).
    remedy_days : int, optional
        Days to remedy, overriding the inspection file's (default 30).
    register : path or database URL, optional
        The findings register (:mod:`audit.register`): the run is recorded in it, its
        decisions decide what the conclusion states and the report follows up the unit's
        earlier conclusion. None: no register.
    timeout : int, optional
        Seconds allowed per notebook cell (default: no limit).

    Returns
    -------
    RunOutputs
        report.html, executed.ipynb, findings.csv/.json/.xlsx, kpis.csv,
        conclusion.docx/.md and manifest.json in ``out``.

    Raises
    ------
    ParameterError
        Before anything runs, when a parameter is unusable; ``OutputError`` (one)
        when ``out`` is a file, cannot be written or another run is writing into it.
    RunError
        When the notebook or the export fails; the partial notebook is kept in
        ``out/failed/`` and no report.html is left in ``out``.
    """
    params = check_parameters(source, unit, as_of, out, period_start, period_end, lang, params_file,
                              dispositions, remedy_days, inspection, register)
    out_dir = Path(params["output_dir"])
    started = utc_now()
    error: RunError | None = None
    # Everything is written into a staging folder beside out_dir and swapped in whole
    # (a failed run publishes only failed/); a second run into out_dir is refused.
    with publishing(out_dir) as staging:
        try:
            _produce(params, staging, out_dir, started, lang, unit, timeout)
        except _Failed as failed:
            error = failed.error
    if error is not None:
        raise error from error.__cause__
    return RunOutputs.in_folder(out_dir)


class _Failed(Exception):
    """A run that failed: its error is raised once the failed/ folder is published."""

    def __init__(self, error: RunError) -> None:
        super().__init__(str(error))
        self.error = error


def _produce(params: dict[str, Any], staging: Path, out_dir: Path, started: str, lang: str, unit: str,
             timeout: int | None) -> None:
    """Run the notebook into ``staging`` and complete every file there."""
    from .html import export_html

    secret = params["source"]
    register_url = params.get("register") or ""

    def fail(reason: str, cause: BaseException | None = None, exit_code: int | None = None) -> _Failed:
        error = _fail(staging, out_dir, reason, secret)
        error.__cause__ = cause
        if exit_code is not None:
            error.exit_code = exit_code
        return _Failed(error)

    log.info("notebook: reading the records of unit %s and applying the rules", unit)
    try:
        _execute(params | {"output_dir": str(staging)}, staging / FILES["executed_ipynb"], timeout)
    except Exception as exc:  # the boundary: whatever the kernel did becomes one line
        # An input's fault (unreadable source, unknown unit) exits 2, as without a notebook.
        raise fail(_cell_reason(exc), exc, 2 if getattr(exc, "ename", None) in _INPUT_ERRORS else None) \
            from exc
    _scrub(staging / FILES["executed_ipynb"], secret)
    if "://" in register_url:  # the register's URL as given (its password) leaves the notebook too
        _scrub(staging / FILES["executed_ipynb"], register_url)
    missing = [name for role, name in FILES.items()
               if role != "report_html" and not (staging / name).is_file()]
    if missing:
        raise fail(f"the notebook did not write {', '.join(missing)} "
                   "(it must call audit.report.write_outputs)")
    written = read_manifest(staging)
    unit_name = written["unit"].get("name") or unit
    rows = sum(int(r.get("rows_read") or 0) for r in written.get("rows") or [] if isinstance(r, dict))
    log.info("notebook: done (%s rows read, %d rules applied in %.1f s)", f"{rows:,}",
             len(written.get("rules_run") or []), sum((written.get("timings_seconds") or {}).values()))
    slowest = sorted((written.get("timings_seconds") or {}).items(), key=lambda kv: -kv[1])[:3]
    log.debug("notebook: slowest rules %s", ", ".join(f"{rid} {sec:.1f} s" for rid, sec in slowest) or "none")
    log.debug("notebook: %s data-quality issues in the unit's rows", f"{written.get('data_issues', 0):,}")
    log.info("rendering report.html")
    try:
        export_html(staging / FILES["executed_ipynb"], staging / FILES["report_html"], lang=lang,
                    title=f"{t('report.title', lang)} — {unit_name}")
    except Exception as exc:
        raise fail("HTML export failed: " + _describe(type(exc).__name__, exc), exc) from exc
    update_manifest(
        staging,
        parameters={k: (redact(v) if k in ("source", "register") else v) for k, v in params.items()
                    if k != "output_dir"},
        started_at=started, finished_at=utc_now(),
        run={"notebook": str(NOTEBOOK), "notebook_sha256": sha256(NOTEBOOK), "kernel": KERNEL,
             "output_dir": str(out_dir)},
    )


def _execute(params: dict[str, Any], output: Path, timeout: int | None) -> None:
    # NOTEBOOK is looked up at call time, so a test can point the runner at another notebook.
    run_notebook(NOTEBOOK, params, output, timeout)


def run_notebook(notebook: Path, params: dict[str, Any], output: Path, timeout: int | None) -> None:
    """Execute ``notebook`` with papermill into ``output`` (shared with the sampling report)."""
    import papermill as pm
    from traitlets.config import Config

    config = Config()
    with tempfile.TemporaryDirectory(prefix="thads-") as sockets:
        if os.name == "posix":
            # Talk to the kernel over Unix sockets in a private folder: the case data
            # never crosses a TCP port other users of the machine could reach (and
            # ipykernel has no plain-text warning to print on our console).
            config.KernelManager.transport = "ipc"
            config.KernelManager.ip = os.path.join(sockets, "kernel")
        pm.execute_notebook(
            str(notebook), str(output), parameters=params, kernel_name=KERNEL,
            progress_bar=False, log_output=False, cwd=str(project_dir()),
            execution_timeout=timeout, config=config,
        )
