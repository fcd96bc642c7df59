"""The inspection conclusion (kết luận kiểm tra): drafted from an audit, written as Word and Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .draft import draft_conclusion, remedy_deadline, report_deadline, source_name
from .inspection import Inspection, load_inspection
from .model import Annex, Block, Conclusion, Table
from .render import markdown_text, write_docx, write_markdown

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["draft_conclusion", "write_conclusion", "remedy_deadline", "report_deadline", "source_name",
           "Inspection", "load_inspection", "Annex", "Block", "Conclusion", "Table", "markdown_text",
           "write_docx", "write_markdown"]


def write_conclusion(result: UnitAudit, docx: str | Path, markdown: str | Path, *,
                     inspection: Inspection | None = None,
                     disposition: pd.Series | None = None) -> dict[str, Any]:
    """Draft the conclusion of ``result`` and write it as Word and Markdown.

    Returns the figures it states (for the manifest).
    """
    insp = inspection or Inspection()
    conclusion = draft_conclusion(result, inspection=insp, disposition=disposition)
    write_docx(conclusion, docx, template=insp.template)
    write_markdown(conclusion, markdown)
    return conclusion.numbers
