"""The report's charts: small matplotlib figures rendered to PNG data URIs.

Figures are built with ``matplotlib.figure.Figure`` rather than ``pyplot`` so
no backend or global figure state is involved: the same code runs in a
headless papermill kernel and in JupyterLab, and the PNG is embedded in the
HTML (the report must open offline).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

__all__ = ["bar_chart", "stacked_barh", "line_chart", "paired_barh", "histogram", "to_data_uri",
           "SEVERITY_COLOURS", "UNIT_COLOUR", "PEER_COLOUR", "FLAG_COLOUR"]

# Colour-blind-safe, and printable in greyscale (dark → light = high → low).
SEVERITY_COLOURS = {"high": "#b2182b", "medium": "#ef8a62", "low": "#fddbc7"}
BAR_COLOUR = "#2166ac"
# The audited unit, its province (the peers) and a flagged item, in every chart.
UNIT_COLOUR, PEER_COLOUR, FLAG_COLOUR = "#2166ac", "#b8c4d0", "#b2182b"
PREVIOUS_COLOUR = "#7f8c99"
Formatter = Callable[[float], str]


def to_data_uri(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)


def bar_chart(labels: Sequence[str], panels: Sequence[tuple[str, Sequence[float]]]) -> str:
    """Side-by-side vertical bar charts sharing the category labels.

    Parameters
    ----------
    labels : sequence of str
        One per bar.
    panels : sequence of (title, values)
        One subplot each.

    Returns
    -------
    str
        A PNG data URI.
    """
    fig = Figure(figsize=(4.2 * len(panels), 3.0))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, values) in zip(axes, panels, strict=True):
        ax.bar(range(len(labels)), values, color=BAR_COLOUR)
        ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
        ax.set_title(title, fontsize=10)
        _style(ax)
    fig.tight_layout()
    return to_data_uri(fig)


def stacked_barh(labels: Sequence[str], stacks: Sequence[tuple[str, str, Sequence[int]]],
                 xlabel: str) -> str:
    """Horizontal bars, one per label, stacked by series.

    Parameters
    ----------
    labels : sequence of str
        One per bar, drawn top to bottom.
    stacks : sequence of (key, legend label, values)
        ``key`` picks the colour (a severity).
    xlabel : str

    Returns
    -------
    str
        A PNG data URI.
    """
    fig = Figure(figsize=(7.5, 0.45 * len(labels) + 1.2))
    ax = fig.subplots()
    y = list(range(len(labels)))[::-1]
    left = [0] * len(labels)
    for key, name, values in stacks:
        ax.barh(y, values, left=left, color=SEVERITY_COLOURS.get(key, BAR_COLOUR),
                edgecolor="#555555", linewidth=0.4, label=name)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.legend(fontsize=8, frameon=False, ncol=len(stacks), loc="lower left",
              bbox_to_anchor=(0, 1.0))
    _style(ax)
    fig.tight_layout()
    return to_data_uri(fig)


def _axis_format(axis, fmt: Formatter | None) -> None:
    if fmt is not None:
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt(v)))


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None], str]],
               ylabel: str, fmt: Formatter | None = None) -> str:
    """Lines over shared x labels (months), one per ``(legend, values, kind)``; ``kind`` is
    ``unit``, ``peer`` or ``previous`` and picks the colour and line style."""
    styles = {"unit": (UNIT_COLOUR, "-", 2.4), "peer": ("#8a9bb0", "-", 1.6),
              "previous": (PREVIOUS_COLOUR, "--", 1.4)}
    fig = Figure(figsize=(5.6, 3.0))
    ax = fig.subplots()
    x = list(range(len(labels)))
    for name, values, kind in series:
        colour, style, width = styles.get(kind, styles["unit"])
        ys = [float("nan") if v is None else v for v in values]
        ax.plot(x, ys, style, color=colour, linewidth=width, marker="o", markersize=3, label=name)
    ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_ylim(bottom=0)
    _axis_format(ax.yaxis, fmt)
    ax.grid(axis="y", color="#e5e8eb", linewidth=0.6)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    _style(ax)
    fig.tight_layout()
    return to_data_uri(fig)


def paired_barh(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float], str]],
                xlabel: str, fmt: Formatter | None = None,
                highlight: Sequence[bool] | None = None) -> str:
    """Horizontal bars, one group per label (top to bottom), one bar per series
    ``(legend, values, colour)``; ``highlight`` marks labels drawn in bold."""
    n = len(series)
    height = 0.8 / n
    fig = Figure(figsize=(5.6, 0.2 * len(labels) * max(n, 1.5) + 1.1))
    ax = fig.subplots()
    base = list(range(len(labels)))[::-1]
    for i, (name, values, colour) in enumerate(series):
        y = [b + (n - 1 - 2 * i) * height / 2 for b in base]
        bars = ax.barh(y, values, height=height * 0.92, color=colour, label=name)
        if fmt is not None:
            ax.bar_label(bars, labels=[fmt(v) for v in values], fontsize=7.5, padding=2,
                         color="#444444")
    ax.set_yticks(base, labels)
    if highlight is not None:
        for tick, bold in zip(ax.get_yticklabels(), highlight, strict=True):
            if bold:
                tick.set_fontweight("bold")
    ax.set_xlabel(xlabel, fontsize=9)
    _axis_format(ax.xaxis, fmt)
    ax.margins(x=0.12)
    if n > 1:
        ax.legend(fontsize=8, frameon=False, ncol=n, loc="lower left", bbox_to_anchor=(0, 1.0))
    _style(ax)
    fig.tight_layout()
    return to_data_uri(fig)


def histogram(series: Sequence[tuple[str, Sequence[float], str]], edges: Sequence[float],
              xlabel: str, ylabel: str, fmt: Formatter | None = None) -> str:
    """Side-by-side histograms as shares of each series' total, one per
    ``(legend, values, colour)``, on the shared bin ``edges``."""
    import numpy as np

    fig = Figure(figsize=(5.6, 3.0))
    ax = fig.subplots()
    centres = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:], strict=True)]
    width = (edges[1] - edges[0]) / (len(series) + 0.6)
    for i, (name, values, colour) in enumerate(series):
        counts, _ = np.histogram(np.clip(values, edges[0], edges[-1] - 1e-9), bins=edges)
        share = counts / max(counts.sum(), 1)
        offset = (i - (len(series) - 1) / 2) * width
        ax.bar([c + offset for c in centres], share, width=width * 0.95, color=colour,
               label=f"{name} ({len(values)})")
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    _axis_format(ax.xaxis, fmt)
    _axis_format(ax.yaxis, fmt)
    ax.legend(fontsize=8, frameon=False)
    _style(ax)
    fig.tight_layout()
    return to_data_uri(fig)
