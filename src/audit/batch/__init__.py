"""Many units audited at once, above the pipeline and beside the command line.

:func:`run_batch` runs the unit audit (the notebook, the report, the files of
``audit run``) for every unit chosen, on a local process pool or a Dask
cluster, skips units whose outputs verify, isolates the units that fail, and
writes ``index.html`` (every unit in one sortable table) and ``batch.json``.
"""

from .names import safe_name
from .run import EXIT_OK, EXIT_UNITS_FAILED, BatchResult, UnitOutcome, run_batch

__all__ = ["run_batch", "BatchResult", "UnitOutcome", "safe_name", "EXIT_OK", "EXIT_UNITS_FAILED"]
