"""The cycle's sampling report: ``notebooks/surprise_sampling.ipynb`` run by papermill, then HTML.

The notebook is parameterised with the recorded draw's request, so it reads
the recorded draw (a cycle is drawn once) and shows it; the unit report's
exporter turns it into one self-contained ``report.html`` without code.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ParameterError, RunError
from ..i18n import check_lang, t
from ..report.execute import _cell_reason, run_notebook
from ..report.paths import PROJECT_DIR
from .commit import read_result

__all__ = ["NOTEBOOK", "render_report"]

NOTEBOOK = PROJECT_DIR / "notebooks" / "surprise_sampling.ipynb"


def _execute(params: dict[str, Any], output: Path, timeout: int | None) -> None:
    run_notebook(NOTEBOOK, params, output, timeout)


def render_report(folder: str | Path, lang: str = "vi", *, timeout: int | None = None) -> Path:
    """Render ``<folder>/report.html`` from the cycle's recorded unit draw.

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
        No unit draw in ``folder``.
    RunError
        The notebook or the export failed; the partial notebook is kept as
        ``report-failed.ipynb`` and no report.html is left behind.
    """
    from ..report.html import export_html

    check_lang(lang)
    folder = Path(folder).resolve()
    path = folder / "units.json"
    if not path.is_file():
        raise ParameterError("no unit draw here (units.json): run `audit sample units` first", file=str(folder))
    draw = read_result(path)
    req = draw["request"]
    params = {"source": req["source"], "as_of": req["as_of"], "cycle": req["cycle"], "count": req["count"],
              "output_dir": str(folder), "lang": lang, "rule_params": req.get("rule_params")}
    report = folder / "report.html"
    failed = folder / "report-failed.ipynb"
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
    try:
        executed = staging / "report.ipynb"
        try:
            _execute(params, executed, timeout)
        except Exception as exc:  # the boundary: whatever the kernel did becomes one line
            report.unlink(missing_ok=True)
            if executed.is_file():
                os.replace(executed, failed)
            raise RunError(_cell_reason(exc), file=str(failed)) from exc
        export_html(executed, staging / "report.html", lang=lang,
                    title=f"{t('sampling.report.title', lang)} — {draw['cycle']}")
        os.replace(staging / "report.html", report)
        failed.unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report
