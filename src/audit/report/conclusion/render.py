"""The conclusion written out: Word from the agency's template (docxtpl), and Markdown.

Both read the same :class:`~.model.Conclusion`, so they say the same thing.
Text from the records is escaped for each format: a name such as
``<script>`` is text in Word and in Markdown, never markup.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm

from ...errors import RunError
from .model import Block, Conclusion, Table
from .template import TEMPLATE

__all__ = ["write_docx", "write_markdown", "markdown_text", "template_variables"]

# Text width of the body and of a landscape annex page, in cm (A4 less the margins).
_PORTRAIT_CM, _LANDSCAPE_CM = 16.5, 25.2


def fixed_widths(table: Any, widths: list[Any]) -> None:
    """Column widths every word processor keeps: the grid, each cell, and a fixed layout
    (LibreOffice reads the grid; Word reads the cells)."""
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _table_subdoc(tpl: Any, table: Table, width_cm: float) -> Any:
    sub = tpl.new_subdoc()
    t = sub.add_table(rows=1, cols=len(table.header))
    t.style = sub.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    total = sum(table.widths)
    widths = [Cm(width_cm * w / total) for w in table.widths]
    fixed_widths(t, widths)
    for cell, text, width in zip(t.rows[0].cells, table.header, widths, strict=True):
        cell.width = width
        cell.paragraphs[0].style = sub.styles["KL Table Head"]
        cell.paragraphs[0].add_run(text)
    _repeat_header(t.rows[0])
    for row in table.rows:
        cells = t.add_row().cells
        for cell, text, width, numeric in zip(cells, row, widths, table.numeric, strict=True):
            cell.width = width
            cell.paragraphs[0].style = sub.styles["KL Table Number" if numeric else "KL Table Text"]
            cell.paragraphs[0].add_run(text)
    return sub


def _blocks(tpl: Any, blocks: list[Block], width_cm: float) -> list[dict[str, Any]]:
    out = []
    for b in blocks:
        item: dict[str, Any] = {"style": b.style, "text": b.text}
        if b.table is not None:
            item["sub"] = _table_subdoc(tpl, b.table, width_cm)
        out.append(item)
    return out


def _context(tpl: Any, c: Conclusion) -> dict[str, Any]:
    return {
        "draft": c.draft, "header": c.header, "title": c.title, "summary": c.summary,
        "period_line": c.period_line, "bases": c.bases, "intro": c.intro,
        "body": _blocks(tpl, c.body, _PORTRAIT_CM),
        "recipients_label": c.recipients[0], "recipients": c.recipients[1:], "signature": c.signature,
        "annexes": [{"number": a.number, "title": a.title, "attached": a.attached,
                     "blocks": _blocks(tpl, a.blocks, _LANDSCAPE_CM if a.landscape else _PORTRAIT_CM)}
                    for a in c.annexes],
    }


def template_variables(template: str | Path = TEMPLATE) -> set[str]:
    """The top-level names a Word template uses (to check an agency's copy before a run)."""
    from docxtpl import DocxTemplate

    return set(DocxTemplate(str(template)).get_undeclared_template_variables())


def write_docx(conclusion: Conclusion, path: str | Path, template: str | Path | None = None) -> Path:
    """Render the conclusion into a Word file from ``template`` (default: the shipped one).

    Raises
    ------
    RunError
        When the template cannot be rendered (an agency's copy with a broken tag).
    """
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    source = Path(template) if template else TEMPLATE
    tpl = DocxTemplate(str(source))
    try:
        tpl.render(_context(tpl, conclusion), autoescape=True)
    except TemplateError as exc:
        raise RunError(f"the conclusion template cannot be filled: {exc}", file=str(source)) from None
    tpl.docx.core_properties.title = f"{conclusion.title} — {conclusion.meta.get('unit', '')}"
    tpl.docx.core_properties.author = conclusion.meta.get("issuer", "")
    out = Path(path)
    tpl.save(str(out))
    return out


# -- Markdown -----------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def _md(text: str) -> str:
    """Text from the records, inert in Markdown (and in the HTML a viewer renders it to)."""
    text = text.replace("&", "&amp;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _md_gap(text: str) -> str:
    return f"*{_md(text)}*"


def _md_table(table: Table) -> list[str]:
    def row(cells: list[str]) -> str:
        return "| " + " | ".join(_md(c) for c in cells) + " |"

    align = "|" + "|".join("---:" if n else "---" for n in table.numeric) + "|"
    return [row(table.header), align, *(row(r) for r in table.rows), ""]


def _md_blocks(blocks: list[Block]) -> list[str]:
    out: list[str] = []
    prev = ""
    for b in blocks:
        if prev == "case" and b.style != "case":
            out.append("")  # a list ends before the next paragraph
        prev = b.style
        if b.style == "h1":
            out += [f"## {_md(b.text)}", ""]
        elif b.style == "h2":
            out += [f"### {_md(b.text)}", ""]
        elif b.style == "h3":
            out += [f"#### {_md(b.text)}", ""]
        elif b.style == "gap":
            out += [_md_gap(b.text), ""]
        elif b.style == "case":
            out.append(f"- {_md(b.text)}")
        elif b.style == "note":
            out += [f"<small>{_md(b.text)}</small>", ""]
        elif b.style == "table" and b.table is not None:
            out += ["", *_md_table(b.table)]
        else:
            out += [_md(b.text), ""]
    return out


def markdown_text(c: Conclusion) -> str:
    """The conclusion as Markdown."""
    h = c.header
    lines = []
    if c.draft:
        lines += [f"**{_md(h['draft'])}**", ""]
    lines += [f"| {_md(h['parent'])} | {_md(h['nation'])} |", "|:---:|:---:|",
              f"| **{_md(h['issuer'])}** | **{_md(h['motto'])}** |",
              f"| {_md(h['number'])} | *{_md(h['place_date'])}* |", "",
              f"# {_md(c.title)}", "", f"**{_md(c.summary)}**", "", f"*{_md(c.period_line)}*", ""]
    lines += [f"*{_md(b)}*  " for b in c.bases] + [""]
    lines += [_md(c.intro), ""]
    lines += _md_blocks(c.body)
    lines += ["", f"***{_md(c.recipients[0])}***", ""] + [f"{_md(r)}  " for r in c.recipients[1:]] + [""]
    s = c.signature
    lines += [f"**{_md(s['authority'])}**  " if s["authority"] else "", f"**{_md(s['title'])}**  ",
              f"*{_md(s['seal'])}*", "", f"**{_md(s['name'])}**", ""]
    for a in c.annexes:
        lines += ["---", "", f"## {_md(a.number)}", "", f"**{_md(a.title)}**", "", f"*{_md(a.attached)}*", ""]
        lines += _md_blocks(a.blocks)
    return "\n".join(lines).rstrip() + "\n"


def write_markdown(conclusion: Conclusion, path: str | Path) -> Path:
    out = Path(path)
    out.write_text(markdown_text(conclusion), encoding="utf-8")
    return out


def as_dict(conclusion: Conclusion) -> dict[str, Any]:
    """The conclusion as plain data (for a JSON view or a test)."""
    return asdict(conclusion)
