"""The Word template of the conclusion, and how it was made.

The shipped template (``templates/conclusion.docx``) is an ordinary Word file
with Jinja tags (docxtpl): an agency copies it, changes fonts, spacing,
wording around the tags or its letterhead in Word itself, and names its copy in
the inspection file (``template: our-conclusion.docx``). Paragraph styles carry
the layout of Decree 30/2020/ND-CP (A4, margins 20/20/30/15 mm, Times New Roman
14, justified body with a first-line indent, page numbers centred at the top
from page 2, annexes in their own landscape sections with their own numbers).

:func:`build_template` writes the shipped template from scratch with
python-docx; the test suite checks that the shipped file is what it builds.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

__all__ = ["TEMPLATE", "build_template", "FONT"]

TEMPLATE = Path(__file__).with_name("templates") / "conclusion.docx"
FONT = "Times New Roman"
BODY_PT = 14


def _font(style, size: float, bold: bool = False, italic: bool = False) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = italic
    style.font.color.rgb = None
    # East-Asian and complex-script slots too, or Word falls back for Vietnamese marks.
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _paragraph_style(doc, name: str, size: float = BODY_PT, *, bold: bool = False, italic: bool = False,
                     align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: float | None = 1.27, before: float = 0,
                     after: float = 6, keep_next: bool = False, left: float = 0):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if name != "Normal":
        style.base_style = styles["Normal"]
    _font(style, size, bold, italic)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.first_line_indent = Cm(indent) if indent else Cm(0)
    fmt.left_indent = Cm(left)
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.line_spacing = 1.15
    fmt.keep_with_next = keep_next
    fmt.widow_control = True
    return style


def _styles(doc) -> None:
    _paragraph_style(doc, "Normal")
    _paragraph_style(doc, "KL Heading 1", bold=True, before=6, keep_next=True)
    _paragraph_style(doc, "KL Heading 2", bold=True, before=3, keep_next=True)
    _paragraph_style(doc, "KL Heading 3", bold=True, italic=True, keep_next=True)
    gap = _paragraph_style(doc, "KL Gap", italic=True)
    gap.font.highlight_color = WD_COLOR_INDEX.YELLOW
    _paragraph_style(doc, "KL Case", left=0)
    _paragraph_style(doc, "KL Note", 12, italic=True)
    _paragraph_style(doc, "KL Basis", italic=True, after=3)
    _paragraph_style(doc, "KL Title", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _paragraph_style(doc, "KL Subtitle", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _paragraph_style(doc, "KL Period", 14, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=12)
    _paragraph_style(doc, "KL Header", 13, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _paragraph_style(doc, "KL Header Bold", 13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _paragraph_style(doc, "KL Motto", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _paragraph_style(doc, "KL Place Date", 14, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None,
                     before=6, after=0)
    _paragraph_style(doc, "KL Draft", 12, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=None, after=0)
    _paragraph_style(doc, "KL Recipients Label", 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT,
                     indent=None, after=0)
    _paragraph_style(doc, "KL Recipients", 11, align=WD_ALIGN_PARAGRAPH.LEFT, indent=None, after=0)
    _paragraph_style(doc, "KL Signer", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _paragraph_style(doc, "KL Seal", 14, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _paragraph_style(doc, "KL Annex Number", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _paragraph_style(doc, "KL Annex Title", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _paragraph_style(doc, "KL Annex Attached", 14, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None,
                     after=12)
    _paragraph_style(doc, "KL Table Text", 11, align=WD_ALIGN_PARAGRAPH.LEFT, indent=None, after=0)
    _paragraph_style(doc, "KL Table Number", 11, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=None, after=0)
    _paragraph_style(doc, "KL Table Head", 11, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)
    _paragraph_style(doc, "KL Page", 13, align=WD_ALIGN_PARAGRAPH.CENTER, indent=None, after=0)


def _rule(paragraph) -> None:
    """A solid rule under a paragraph (its indents set how wide it is)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    borders.append(bottom)
    ppr.append(borders)


def _short_rule(cell, width_cm: float, cell_cm: float) -> None:
    p = cell.add_paragraph(style="KL Header")
    side = max((cell_cm - width_cm) / 2, 0)
    p.paragraph_format.left_indent = Cm(side)
    p.paragraph_format.right_indent = Cm(side)
    p.paragraph_format.space_after = Pt(4)
    _rule(p)
    run = p.add_run()
    run.font.size = Pt(2)


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _fixed(table, widths) -> None:
    """Fixed column widths, in the grid (LibreOffice) and in each cell (Word)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)


def _page_number(section, first_page_too: bool) -> None:
    section.header.is_linked_to_previous = False
    section.different_first_page_header_footer = not first_page_too
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            run._r.append(el)
    run.font.name, run.font.size = FONT, Pt(13)
    if not first_page_too:
        section.first_page_header.is_linked_to_previous = False


def _restart_numbering(section) -> None:
    pg = OxmlElement("w:pgNumType")
    pg.set(qn("w:start"), "1")
    section._sectPr.append(pg)


def _a4(section, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long_, short = Mm(297), Mm(210)
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)


def _tag(doc, text: str, style: str = "Normal") -> None:
    doc.add_paragraph(text, style=style)


def _blocks(doc, var: str) -> None:
    """The generic body loop: one branch per block style, a subdocument for tables."""
    _tag(doc, f"{{%p for b in {var} %}}")
    branches = (("h1", "KL Heading 1", "{{ b.text }}"), ("h2", "KL Heading 2", "{{ b.text }}"),
                ("h3", "KL Heading 3", "{{ b.text }}"), ("gap", "KL Gap", "{{ b.text }}"),
                ("case", "KL Case", "- {{ b.text }}"), ("note", "KL Note", "{{ b.text }}"),
                ("table", "Normal", "{{p b.sub }}"))
    for i, (style, word_style, text) in enumerate(branches):
        _tag(doc, f"{{%p {'if' if i == 0 else 'elif'} b.style == '{style}' %}}")
        _tag(doc, text, word_style)
    _tag(doc, "{%p else %}")
    _tag(doc, "{{ b.text }}")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")


def build_template(path: str | Path = TEMPLATE) -> Path:
    """Write the conclusion's Word template (see the module's docstring)."""
    doc = Document()
    _styles(doc)
    body = doc.sections[0]
    _a4(body, landscape=False)
    _page_number(body, first_page_too=False)
    doc.core_properties.author = ""
    doc.core_properties.title = "{{ title }}"

    _tag(doc, "{%p if draft %}")
    _tag(doc, "{{ header.draft }}", "KL Draft")
    _tag(doc, "{%p endif %}")
    head = doc.add_table(rows=1, cols=2)
    _no_borders(head)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Cm(6.3), Cm(10.2))
    _fixed(head, widths)
    left, right = head.rows[0].cells
    left.paragraphs[0].style = doc.styles["KL Header"]
    left.paragraphs[0].add_run("{{ header.parent }}")
    left.add_paragraph("{{ header.issuer }}", style="KL Header Bold")
    _short_rule(left, 2.5, 6.3)
    left.add_paragraph("{{ header.number }}", style="KL Header")
    right.paragraphs[0].style = doc.styles["KL Header Bold"]
    right.paragraphs[0].add_run("{{ header.nation }}")
    right.add_paragraph("{{ header.motto }}", style="KL Motto")
    _short_rule(right, 5.5, 10.2)
    right.add_paragraph("{{ header.place_date }}", style="KL Place Date")

    p = doc.add_paragraph("{{ title }}", style="KL Title")
    p.paragraph_format.space_before = Pt(24)
    doc.add_paragraph("{{ summary }}", style="KL Subtitle")
    doc.add_paragraph("{{ period_line }}", style="KL Period")
    _tag(doc, "{%p for line in bases %}")
    _tag(doc, "{{ line }}", "KL Basis")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{{ intro }}")
    _blocks(doc, "body")

    sign = doc.add_table(rows=1, cols=2)
    _no_borders(sign)
    _fixed(sign, (Cm(8.0), Cm(8.5)))
    left, right = sign.rows[0].cells
    left.paragraphs[0].style = doc.styles["KL Recipients Label"]
    left.paragraphs[0].add_run("{{ recipients_label }}")
    left.add_paragraph("{%p for line in recipients %}", style="KL Recipients")
    left.add_paragraph("{{ line }}", style="KL Recipients")
    left.add_paragraph("{%p endfor %}", style="KL Recipients")
    right.paragraphs[0].style = doc.styles["KL Signer"]
    right.paragraphs[0].add_run("{{ signature.authority }}")
    right.add_paragraph("{{ signature.title }}", style="KL Signer")
    right.add_paragraph("{{ signature.seal }}", style="KL Seal")
    for _ in range(4):
        right.add_paragraph("", style="KL Seal")
    right.add_paragraph("{{ signature.name }}", style="KL Signer")

    for i in range(4):
        landscape = i < 3
        section = doc.add_section(WD_SECTION.NEW_PAGE)
        _a4(section, landscape)
        _page_number(section, first_page_too=True)
        _restart_numbering(section)
        _tag(doc, f"{{{{ annexes[{i}].number }}}}", "KL Annex Number")
        _tag(doc, f"{{{{ annexes[{i}].title }}}}", "KL Annex Title")
        _tag(doc, f"{{{{ annexes[{i}].attached }}}}", "KL Annex Attached")
        _blocks(doc, f"annexes[{i}].blocks")
    # python-docx leaves an empty first paragraph in a new Document: none here, but keep the
    # last section's final paragraph a plain one so a tag never carries a section break.
    doc.add_paragraph("")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))
    return target
