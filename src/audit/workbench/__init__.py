"""The inspector's workbench: review one unit's findings in JupyterLab and record
decisions into the findings register (notebooks/workbench.ipynb; ``make lab``).

:mod:`review` holds what the workbench shows and does, :mod:`widgets` the widgets
(itables, ipywidgets) that the notebook displays. The widgets come with the ``lab``
extra; :func:`open_workbench` says so in one line when they are missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ParameterError
from .review import Review, open_review

if TYPE_CHECKING:
    from .widgets import Workbench

__all__ = ["open_workbench", "open_review", "Review"]


def open_workbench(source: str | Path, unit_id: str, as_of: object, *, register: str | Path | None = None,
                   reviewer: str = "", lang: str = "vi") -> Workbench:
    """Audit the unit, open its review against the register and build the widgets."""
    try:
        from .widgets import Workbench
    except ImportError as exc:
        raise ParameterError(f"the workbench needs the lab extra (pip install 'thads-audit[lab]'): {exc}") from None
    return Workbench(open_review(source, unit_id, as_of, register=register, reviewer=reviewer, lang=lang))
