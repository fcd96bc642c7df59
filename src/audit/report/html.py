"""The executed notebook → one self-contained report.html, with no code in it.

Reviewers read the report; they do not run code. So the export keeps only
the cells' outputs, drops setup cells, stderr streams and empty cells, and
uses the ``audit`` template (``templates/audit``), which loads nothing from
the network: charts are embedded PNGs and the styles are inline.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from .paths import TEMPLATES

__all__ = ["HIDDEN_TAGS", "export_html", "report_cells", "external_references"]

# Cells that only set things up. papermill tags the cell it injects.
HIDDEN_TAGS = frozenset({"setup", "parameters", "injected-parameters"})
_EXTERNAL = re.compile(r"""<script[^>]*\bsrc\s*=|(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""",
                       re.IGNORECASE)


def report_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` holding only what the report shows.

    Setup cells, markdown cells written for notebook users, stderr streams
    (warnings, logging) and cells left without output are removed.
    """
    nb = nbformat.from_dict(nb)
    kept = []
    for cell in nb.cells:
        if cell.cell_type != "code" or HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        cell.outputs = [o for o in cell.get("outputs", [])
                        if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        if cell.outputs:
            kept.append(cell)
    nb.cells = kept
    return nb


def export_html(notebook: str | Path | nbformat.NotebookNode, out: str | Path, *, title: str,
                lang: str) -> Path:
    """Write the report of an executed notebook.

    Parameters
    ----------
    notebook : path or NotebookNode
        The executed notebook.
    out : path
        Where to write report.html.
    title : str
        The page title.
    lang : {"vi", "en"}
        The page's ``lang`` attribute.

    Returns
    -------
    Path
    """
    from nbconvert import HTMLExporter

    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(notebook, as_version=4)
    nb = report_cells(nb)
    nb.metadata["title"] = title
    exporter = HTMLExporter(template_name="audit", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True, language_code=lang)
    body, _ = exporter.from_notebook_node(nb)
    found = external_references(body)
    if found:  # the template is ours: a hit means a library started injecting something
        raise ValueError(f"report.html would load {found[0]!r} from outside the file")
    path = Path(out)
    path.write_text(body, encoding="utf-8")
    return path


def external_references(html: str) -> list[str]:
    """The ``<script src>`` tags and ``src``/``href`` attributes pointing off the page."""
    return [m.group(0) for m in _EXTERNAL.finditer(html)]


def render_executed(notebook: str | Path, out: str | Path | None = None) -> Path:
    """Render a unit notebook that papermill executed (outside ``audit run``) as its report.

    The language and the unit come from the parameters papermill recorded in the
    notebook. ``out`` defaults to ``report.html`` beside the notebook.

    Raises
    ------
    ParameterError
        When the file is not an executed unit notebook, or one whose run failed.
    """
    from ..errors import ParameterError
    from ..i18n import t

    path = Path(notebook)
    try:
        nb = nbformat.read(str(path), as_version=4)
    except (OSError, ValueError) as exc:  # nbformat raises ValueError subclasses on bad JSON
        raise ParameterError(f"not a readable notebook: {exc}".splitlines()[0], file=str(path)) from None
    meta = nb.metadata.get("papermill") or {}
    if not meta:
        raise ParameterError("not a notebook executed by papermill (no papermill metadata)", file=str(path))
    if meta.get("exception"):
        raise ParameterError("the notebook's run failed: fix its input and run it again", file=str(path))
    params = meta.get("parameters") or {}
    lang = str(params["lang"]) if params.get("lang") in ("vi", "en") else "vi"
    unit = params.get("unit_id") or ""
    title = f"{t('report.title', lang)} — {unit}" if unit else t("report.title", lang)
    return export_html(nb, Path(out) if out else path.with_name("report.html"), title=title, lang=lang)
