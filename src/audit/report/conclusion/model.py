"""The conclusion as data: what the Word template, the Markdown and the tests read.

A conclusion is its fixed parts (header, title, legal bases, recipients,
signature) and a body and annexes made of blocks. A block has a style, which
the Word template maps to a paragraph style an agency can restyle in Word:

``h1`` part heading (I., II.), ``h2`` numbered item (1., 2.), ``h3`` point
(a), b)), ``p`` body text, ``gap`` text the inspection team writes itself (a
visible "[…]"), ``case`` one case told in a violation group, ``note`` small
print, ``table`` a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Block", "Table", "Annex", "Conclusion", "STYLES"]

STYLES = ("h1", "h2", "h3", "p", "gap", "case", "note", "table")


@dataclass
class Table:
    """A table: header cells, rows of cells (text), relative column widths, and which
    columns hold numbers (right-aligned)."""

    header: list[str]
    rows: list[list[str]]
    widths: list[float] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.header)
        self.widths = self.widths or [1.0] * n
        self.numeric = self.numeric or [False] * n
        if any(len(r) != n for r in self.rows) or len(self.widths) != n or len(self.numeric) != n:
            raise ValueError("every row, width and alignment must match the header")


@dataclass
class Block:
    style: str
    text: str = ""
    table: Table | None = None

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"unknown block style {self.style!r}")
        if (self.style == "table") != (self.table is not None):
            raise ValueError("a table block holds a table, and only a table block does")


@dataclass
class Annex:
    number: str
    title: str
    attached: str
    blocks: list[Block]
    landscape: bool = True


@dataclass
class Conclusion:
    """Everything the document says, in order."""

    lang: str
    draft: bool
    header: dict[str, str]
    title: str
    summary: str
    period_line: str
    bases: list[str]
    intro: str
    body: list[Block]
    recipients: list[str]
    signature: dict[str, str]
    annexes: list[Annex]
    # The figures the text states, for the manifest and the tests.
    numbers: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
