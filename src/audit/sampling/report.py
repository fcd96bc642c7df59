"""The cycle's sampling report: ``notebooks/surprise_sampling.ipynb`` run by papermill, then HTML.

The notebook reads the cycle's recorded draw (it draws nothing) and shows it;
the unit report's exporter turns it into one self-contained ``report.html``
without code, which then joins the cycle's manifest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import AuditError, ParameterError, RunError
from ..i18n import check_lang, t
from ..report.execute import _cell_reason, run_notebook
from ..resources import resource_dir
from .commit import paths_for, read_doc
from .log import check_log, locked, read_log
from .manifest import write_manifest
from .public import iso
from .verify import abandoned

__all__ = ["NOTEBOOK", "read_cycle", "render_report"]

NOTEBOOK = resource_dir("notebooks") / "surprise_sampling.ipynb"


def read_cycle(folder: str | Path) -> dict[str, Any]:
    """What a cycle's folder records, for display: the unit draw and its commitment, the
    case draws, and the cycle's abandoned commitments from the log.

    Nothing is verified here (that is :func:`audit.sampling.verify`).

    Raises
    ------
    ParameterError
        No unit draw in ``folder``.
    """
    folder = Path(folder).resolve()
    paths = paths_for(folder, None)
    if not paths.result.is_file():
        raise ParameterError("no unit draw here (units.json): commit and draw it first "
                             "(audit sample commit units …, then audit sample draw)", file=str(folder))
    units = read_doc(paths.result, "draw")
    cases = [read_doc(p, "draw") for p in sorted((folder / "cases").glob("*.json"))
             if not p.name.endswith(".commitment.json")]
    events = read_log(folder.parent)
    current = {units["commitment"], *(c["commitment"] for c in cases)}
    current |= {read_doc(p, "commitment")["commitment"] for p in (folder / "cases").glob("*.commitment.json")}
    gone = [dataclasses.asdict(a) for a in abandoned(events, units["cycle"], current)]
    return {"folder": str(folder), "units": units, "cases": cases, "abandoned": gone}


def _execute(params: dict[str, Any], output: Path, timeout: int | None) -> None:
    run_notebook(NOTEBOOK, params, output, timeout)


def render_report(folder: str | Path, lang: str = "vi", *, timeout: int | None = None) -> Path:
    """Render ``<folder>/report.html`` from the cycle's recorded unit draw, and publish it.

    Parameters
    ----------
    folder : path
        The cycle's folder holding ``units.json``.
    lang : {"vi", "en"}
    timeout : int, optional
        Seconds allowed per notebook cell.

    Returns
    -------
    Path
        The report.

    Raises
    ------
    ParameterError
        No unit draw in ``folder``, or a sampling log that no longer checks out.
    RunError
        The notebook or the export failed; the partial notebook is kept as
        ``.report-failed.ipynb`` and no report.html is left behind.
    """
    from ..report.html import export_html

    check_lang(lang)
    folder = Path(folder).resolve()
    draw = read_cycle(folder)["units"]
    report = folder / "report.html"
    failed = folder / ".report-failed.ipynb"
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
    try:
        executed = staging / "report.ipynb"
        try:
            _execute({"output_dir": str(folder), "lang": lang}, executed, timeout)
        except Exception as exc:  # the boundary: whatever the kernel did becomes one line
            if executed.is_file():
                os.replace(executed, failed)
            raise RunError(_cell_reason(exc), file=str(failed)) from exc
        export_html(executed, staging / "report.html", lang=lang,
                    title=f"{t('sampling.report.title', lang)} — {draw['cycle']}")
        with locked(folder.parent):
            try:
                check_log(folder.parent)
            except AuditError as exc:
                raise ParameterError(f"the report is not published: {exc.message}", file=exc.file,
                                     row=exc.row) from None
            os.replace(staging / "report.html", report)
            write_manifest(folder, folder.parent, draw["cycle"], iso(dt.datetime.now(dt.UTC)))
        failed.unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report
