"""The one line ``audit run`` ends with: what was found, over which period, and where it is."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ..contract import FINDING_KINDS, SEVERITIES
from .outputs import FILES, read_manifest

__all__ = ["run_summary"]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def run_summary(out_dir: str | Path) -> str:
    """One line summing up a finished unit run from its own files.

    Parameters
    ----------
    out_dir : path
        The run folder (holding findings.json and manifest.json).

    Returns
    -------
    str
        E.g. ``KV01: 87 findings: 47 violations (12 high, 30 medium, 5 low), 40 indicators
        (…); period 2025-10-01 – 2026-09-30 (statistical-year), as of 2026-10-15; outputs in …``.
    """
    out = Path(out_dir)
    manifest = read_manifest(out)
    findings = json.loads((out / FILES["findings_json"]).read_text(encoding="utf-8"))
    by_kind = Counter(f.get("finding_kind") for f in findings)
    parts = []
    for kind in FINDING_KINDS:
        if not by_kind.get(kind):
            continue
        severity = Counter(f.get("severity") for f in findings if f.get("finding_kind") == kind)
        graded = ", ".join(f"{severity[s]:,} {s}" for s in SEVERITIES if severity.get(s))
        parts.append(_plural(by_kind[kind], kind) + (f" ({graded})" if graded else ""))
    found = _plural(len(findings), "finding") + (": " + ", ".join(parts) if parts else "")
    period = manifest.get("period") or {}
    kind = f" ({str(period['kind']).replace('_', ' ')})" if period.get("kind") else ""
    unit = manifest.get("unit") or {}
    return (f"{unit.get('unit_id')}: {found}; period {period.get('start')} – {period.get('end')}{kind}, "
            f"as of {manifest.get('as_of')}; outputs in {out} ({FILES['report_html']})")
