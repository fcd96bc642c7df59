"""The unit notebook's parameters, declared once, and the check its first cell runs.

Papermill injects the parameters it is given as a cell of assignments right
after the notebook's ``parameters`` cell, and only warns about a name the
notebook does not declare: ``-p unit KV99`` would leave ``unit_id`` at its
default and audit the demo unit. The notebook's first setup cell therefore
calls :func:`check_injected`, which reads the injected cell back from the
kernel's input history and stops the run, before any work, on an unknown name,
a value of the wrong type, or a run with parameters of its own but no
``output_dir`` (it would write into the project's demo folder).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError

__all__ = ["NotebookParameter", "UNIT_AUDIT", "WORKBENCH", "check_injected", "injected_names"]

# The first line of the cell papermill injects.
_INJECTED_MARK = "# Parameters"


@dataclass(frozen=True)
class NotebookParameter:
    name: str
    kind: str  # "str", "int" or "Optional[str]" / "Optional[int]", as papermill shows it
    default: Any
    help: str

    def accepts(self, value: Any) -> bool:
        base = self.kind.removeprefix("Optional[").removesuffix("]")
        if value is None:
            return self.kind.startswith("Optional[")
        if base == "int":
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, str)


UNIT_AUDIT = (
    NotebookParameter("source", "str", "outputs/demo/demo.duckdb",
                      "case records: a CSV/Parquet folder, a workbook, a DuckDB/SQLite file or a database URL"),
    NotebookParameter("unit_id", "str", "KV01", "the unit to audit"),
    NotebookParameter("as_of", "str", "2026-10-15", "audit date, YYYY-MM-DD: later events are ignored"),
    NotebookParameter("period_start", "Optional[str]", None,
                      "first day of the period; None: the last complete statistical year before as_of"),
    NotebookParameter("period_end", "Optional[str]", None, "last day of the period"),
    NotebookParameter("lang", "str", "vi", "report language: vi or en"),
    NotebookParameter("output_dir", "str", "outputs/demo/KV01", "folder for the findings and the conclusion"),
    NotebookParameter("params_file", "Optional[str]", None, "an inspection's rule thresholds (YAML)"),
    NotebookParameter("dispositions", "Optional[str]", None, "reviewers' dispositions (CSV)"),
    NotebookParameter("inspection", "Optional[str]", None,
                      "the inspection file: issuer, signer, targets and deadlines of the conclusion"),
    NotebookParameter("remedy_days", "Optional[int]", None, "days to remedy, overriding the inspection file"),
    NotebookParameter("register", "Optional[str]", None,
                      "the findings register: a DuckDB file or a database URL; None: none"),
)

# The inspector's workbench (notebooks/workbench.ipynb): it reads and records decisions, and
# writes no output folder.
WORKBENCH = (
    NotebookParameter("source", "str", "outputs/demo/demo.duckdb",
                      "case records: a CSV/Parquet folder, a workbook, a DuckDB/SQLite file or a database URL"),
    NotebookParameter("unit_id", "str", "KV01", "the unit whose findings are reviewed"),
    NotebookParameter("as_of", "str", "2026-10-15", "audit date, YYYY-MM-DD"),
    NotebookParameter("register", "str", "outputs/register.duckdb",
                      "the findings register: a DuckDB file or a database URL"),
    NotebookParameter("reviewer", "Optional[str]", None, "who records the decisions; None: this account's name"),
    NotebookParameter("lang", "str", "vi", "language: vi or en"),
)


def injected_names(history: list[str]) -> dict[str, Any]:
    """The names and values of every papermill-injected cell in an IPython input history."""
    out: dict[str, Any] = {}
    for source in history:
        if not isinstance(source, str) or not source.lstrip().startswith(_INJECTED_MARK):
            continue
        for node in ast.parse(source).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    out[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    out[node.targets[0].id] = ...
    return out


def check_injected(namespace: dict[str, Any], declared: tuple[NotebookParameter, ...] = UNIT_AUDIT, *,
                   writes: bool = True) -> None:
    """Stop the notebook on parameters it does not know or cannot use.

    Parameters
    ----------
    namespace : dict
        The notebook's ``globals()`` (its ``In`` history holds the injected cell).
    declared : tuple of NotebookParameter
        The parameters the notebook declares.
    writes : bool
        Whether the notebook writes an ``output_dir`` (which must then be given).

    Raises
    ------
    ParameterError
        One line naming the unknown or ill-typed parameter and the known ones.
    """
    injected = injected_names(list(namespace.get("In") or []))
    if not injected:
        return  # opened and run by hand (the demo in JupyterLab): the defaults apply
    known = {p.name: p for p in declared}
    unknown = sorted(set(injected) - set(known))
    if unknown:
        raise ParameterError(f"unknown notebook parameter {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(known)}")
    for name, value in injected.items():
        if not known[name].accepts(value):
            raise ParameterError(f"notebook parameter {name}: expected {known[name].kind}, got {value!r}")
    if writes and "output_dir" not in injected:
        raise ParameterError("give output_dir with the other parameters: without it the run would write "
                             "into the project's demo folder")
