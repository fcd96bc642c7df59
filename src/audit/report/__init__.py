"""The unit report: notebook execution, the HTML export and the run's files.

``run_unit_report`` is what the command line calls; ``write_outputs``,
``project_path`` and the :mod:`audit.report.display` helpers are what the
notebook calls.
"""

from .execute import KERNEL, RunOutputs, check_parameters, run_unit_report
from .outputs import FILES, read_manifest, write_outputs
from .paths import NOTEBOOK, project_path

__all__ = ["KERNEL", "FILES", "NOTEBOOK", "RunOutputs", "check_parameters", "run_unit_report",
           "write_outputs", "read_manifest", "project_path"]
