"""Pictures of the valuation and auction market: values per m² against comparable
assets, and the groups of bidders who bid together (see :mod:`audit.report.charts`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .charts import FLAG_COLOUR, PEER_COLOUR, UNIT_COLOUR, Formatter, _style, to_data_uri

__all__ = ["ratio_strip", "bidder_networks"]


def ratio_strip(frame: pd.DataFrame, types: Sequence[tuple[str, str]], band: tuple[float, float],
                legend: tuple[str, str, str], ylabel: str, fmt: Formatter) -> str:
    """One column of dots per asset type: each asset's value per m² as a multiple of its
    comparables' median (log scale), the normal band shaded, flagged assets labelled.

    Parameters
    ----------
    frame : DataFrame
        asset_id, asset_type, ratio, audited, flagged (:func:`audit.report.facts.per_m2_ratios`).
    types : sequence of (asset_type, label)
    band : (low, high)
        The multiples outside which a value is irregular.
    legend : (province, unit, flagged)
    ylabel : str
    fmt : callable
        Formats a multiple (0.5 → "0,5×").
    """
    fig = Figure(figsize=(5.8, 3.6))
    ax = fig.subplots()
    rng = np.random.default_rng(7)  # a fixed jitter: the same picture on every run
    low, high = band
    ax.axhspan(low, high, color="#eef4ea", zorder=0)
    ax.axhline(1.0, color="#8a9bb0", linewidth=0.8, zorder=1)
    for x, (kind, _label) in enumerate(types):
        rows = frame[frame["asset_type"] == kind]
        jitter = rng.uniform(-0.3, 0.3, len(rows))
        groups = (("peer", ~rows["audited"], PEER_COLOUR, 10, legend[0]),
                  ("unit", rows["audited"] & ~rows["flagged"], UNIT_COLOUR, 14, legend[1]),
                  ("flag", rows["flagged"], FLAG_COLOUR, 46, legend[2]))
        for _key, mask, colour, size, name in groups:
            pts = rows[mask.to_numpy()]
            ax.scatter(x + jitter[mask.to_numpy()], pts["ratio"], s=size, color=colour,
                       edgecolor="white" if size < 40 else "#4d0d14", linewidth=0.4,
                       label=name if x == 0 else None, zorder=3 if size > 40 else 2)
        for pos, (_, row) in zip(jitter[rows["flagged"].to_numpy()],
                                 rows[rows["flagged"]].iterrows(), strict=True):
            ax.annotate(row["asset_id"], (x + pos, row["ratio"]), xytext=(6, 0),
                        textcoords="offset points", fontsize=7.5, va="center", color="#4d0d14")
    ax.set_yscale("log")
    ticks = [t for t in (0.125, 0.25, 0.5, 1, 2, 4, 8)
             if frame["ratio"].min() / 1.5 <= t <= frame["ratio"].max() * 1.5 or t in band or t == 1]
    ax.set_yticks(ticks, [fmt(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xticks(range(len(types)), [label for _, label in types])
    ax.set_xlim(-0.6, len(types) - 0.4)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.legend(fontsize=8, frameon=False, ncol=3, loc="lower left", bbox_to_anchor=(0, 1.0))
    _style(ax)
    fig.tight_layout()
    return to_data_uri(fig)


def bidder_networks(groups: Sequence[tuple[Sequence[str], pd.DataFrame]], titles: Sequence[str]) -> str:
    """One small network per group: bidders on a circle, a line between two bidders as
    thick as the number of auctions they bid in together, that number written on it."""
    n = len(groups)
    fig = Figure(figsize=(min(4.2 * n, 11.7), 3.4))
    axes = fig.subplots(1, n, squeeze=False)[0]
    top = max((int(e["together"].max()) for _, e in groups if not e.empty), default=1)
    for ax, (members, edges), title in zip(axes, groups, titles, strict=True):
        k = len(members)
        pos = {m: (math.cos(math.pi / 2 + 2 * math.pi * i / k), math.sin(math.pi / 2 + 2 * math.pi * i / k))
               for i, m in enumerate(members)}
        for a, b, together in edges[["bidder_id_a", "bidder_id_b", "together"]].itertuples(index=False):
            (xa, ya), (xb, yb) = pos[a], pos[b]
            ax.plot([xa, xb], [ya, yb], color=FLAG_COLOUR, alpha=0.35 + 0.5 * together / top,
                    linewidth=0.8 + 5 * together / top, zorder=1, solid_capstyle="round")
            ax.text((xa + xb) / 2, (ya + yb) / 2, str(int(together)), fontsize=8, ha="center",
                    va="center", zorder=3,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
        for m, (x, y) in pos.items():
            ax.scatter([x], [y], s=420, color=UNIT_COLOUR, edgecolor="white", linewidth=1.5, zorder=2)
            # Labels outside the circle: beside a node on the left or right, above or below it
            # at the top or bottom, so no label covers a node or a line.
            ha = "right" if x < -0.3 else ("left" if x > 0.3 else "center")
            lx = x + (-0.2 if ha == "right" else 0.2 if ha == "left" else 0)
            ly = y + (0.0 if ha != "center" else (0.24 if y > 0 else -0.24))
            ax.text(lx, ly, m, fontsize=8, ha=ha, va="center")
        ax.set_title(title, fontsize=9.5)
        ax.set_xlim(-2.1, 2.1)
        ax.set_ylim(-1.45, 1.45)
        ax.set_aspect("equal")
        ax.axis("off")
    fig.tight_layout()
    return to_data_uri(fig)
