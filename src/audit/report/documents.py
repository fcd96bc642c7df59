"""The inspection conclusion's blocks written as Markdown and as a Word document.

The Word file follows the presentation of Vietnamese administrative documents
(Decree 30/2020/ND-CP): A4, Times New Roman 13 pt, the issuing body and the
national motto side by side at the top, the signature block at the bottom
right, so the team edits a draft that already looks like the document it issues.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .conclusion import Block

__all__ = ["write_markdown", "write_docx", "markdown_text"]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_text(blocks: Sequence[Block]) -> str:
    """The conclusion as Markdown."""
    out: list[str] = []
    for b in blocks:
        if b.kind in ("letterhead", "signature"):
            left, right = b.rows
            out.append("| " + " | ".join(_md_cell(x) for x in (left[0], right[0])) + " |")
            out.append("|:---:|:---:|")
            for i in range(1, max(len(left), len(right))):
                cells = [left[i] if i < len(left) else "", right[i] if i < len(right) else ""]
                out.append("| " + " | ".join(_md_cell(x) for x in cells) + " |")
        elif b.kind == "title":
            out.append({1: "# ", 2: "**", 3: "*"}[b.level] + b.text + {1: "", 2: "**", 3: "*"}[b.level])
        elif b.kind == "heading":
            out.append(("## " if b.level == 1 else "### ") + b.text)
        elif b.kind == "para":
            out.append(b.text)
        elif b.kind == "note":
            out.append(f"_{b.text}_")
        elif b.kind in ("bullets", "numbered"):
            out.append("\n".join((f"{i}. " if b.kind == "numbered" else "- ") + item
                                 for i, item in enumerate(b.items, start=1)))
        elif b.kind == "table":
            out.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            out.append("|" + "|".join("---" for _ in b.header) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
        out.append("")
    return "\n".join(out)


def write_markdown(blocks: Sequence[Block], path: str | Path) -> Path:
    path = Path(path)
    path.write_text(markdown_text(blocks), encoding="utf-8")
    return path


def _no_borders(table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def _columns(doc, left: list[str], right: list[str], *, bold_first: bool, centre_left: bool) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    for cell, lines, centre in ((table.rows[0].cells[0], left, centre_left),
                                (table.rows[0].cells[1], right, True)):
        cell.paragraphs[0].text = ""
        for i, line in enumerate(lines):
            p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            run = p.add_run(line)
            run.bold = (i == 0 and bold_first) or (i == 1 and bold_first and centre)
            run.italic = line.startswith(("(", "……,"))
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if centre else WD_ALIGN_PARAGRAPH.LEFT
            p.paragraph_format.space_after = 0


def write_docx(blocks: Sequence[Block], path: str | Path, *, title: str = "") -> Path:
    """The conclusion as a Word document (python-docx)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(30), Mm(20)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(13)
    normal.paragraph_format.space_after = Pt(6)
    for name in ("Heading 1", "Heading 2", "Title"):
        style = doc.styles[name]
        style.font.name, style.font.bold = "Times New Roman", True
        style.font.color.rgb = None
    doc.styles["Heading 1"].font.size = Pt(13)
    doc.styles["Heading 2"].font.size = Pt(13)
    doc.core_properties.title = title
    doc.core_properties.author = "thads-audit"
    for b in blocks:
        if b.kind == "letterhead":
            _columns(doc, b.rows[0], b.rows[1], bold_first=True, centre_left=True)
        elif b.kind == "signature":
            _columns(doc, b.rows[0], b.rows[1], bold_first=True, centre_left=False)
        elif b.kind == "title":
            p = doc.add_paragraph()
            run = p.add_run(b.text)
            run.bold, run.italic = b.level < 3, b.level == 3
            run.font.size = Pt(14 if b.level == 1 else 13)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.space_before = Pt(12 if b.level == 1 else 0)
        elif b.kind == "heading":
            doc.add_heading(b.text, level=b.level)
        elif b.kind == "para":
            p = doc.add_paragraph(b.text)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            p.paragraph_format.first_line_indent = Mm(10)
        elif b.kind == "note":
            p = doc.add_paragraph()
            run = p.add_run(b.text)
            run.italic, run.font.size = True, Pt(10)
        elif b.kind in ("bullets", "numbered"):
            style = "List Number" if b.kind == "numbered" else "List Bullet"
            for item in b.items:
                doc.add_paragraph(item, style=style).alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        elif b.kind == "table":
            table = doc.add_table(rows=1, cols=len(b.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, b.header, strict=True):
                cell.paragraphs[0].add_run(text).bold = True
            for row in b.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.paragraphs[0].text = text
            doc.add_paragraph()
    path = Path(path)
    doc.save(str(path))
    return path
