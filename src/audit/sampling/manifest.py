"""The cycle folder's manifest: every published file with its SHA-256 and size.

Rewritten after each step that changes the folder (commitment, draw, report),
and its own hash is then logged, so a file edited, added or removed later — or
a manifest rewritten to match — shows up in :func:`check_manifest`. The sealed
secrets (``sealed/``) and hidden working files are not outputs and are left out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .log import append_log

__all__ = ["MANIFEST", "SEALED", "listing", "write_manifest", "check_manifest"]

MANIFEST = "manifest.json"
SEALED = "sealed"


def _sha256(path: Path) -> str:
    from ..report.outputs import sha256

    return sha256(path)


def _published(folder: Path) -> list[Path]:
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if rel.parts[0] == SEALED or any(p.startswith(".") for p in rel.parts) or rel.name == MANIFEST:
            continue
        if path.is_file() or path.is_symlink():
            out.append(path)
    return out


def listing(folder: Path) -> dict[str, dict[str, Any]]:
    """``{relative path: {"sha256", "bytes"}}`` of every published file of the folder."""
    return {p.relative_to(folder).as_posix(): {"sha256": _sha256(p), "bytes": p.stat().st_size}
            for p in _published(folder)}


def write_manifest(folder: Path, root: Path, cycle: str, at: str) -> dict[str, Any]:
    """Write ``manifest.json`` and log its hash (hold the root's lock)."""
    from .. import __version__

    data = {"tool": "thads-audit", "version": __version__, "cycle": cycle, "written_at": at,
            "files": listing(folder)}
    path = folder / MANIFEST
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return append_log(root, at, {"event": "manifest", "cycle": cycle, "manifest_sha256": _sha256(path),
                                 "files": len(data["files"])})


def check_manifest(folder: Path, events: list[dict[str, Any]], cycle: str) -> str | None:
    """The first difference between the folder, its manifest and the log, or None.

    The manifest's hash must be the last one logged for the cycle; every file it
    lists must be there unchanged; no other published file may be there.
    """
    path = folder / MANIFEST
    if not path.is_file():
        return f"{MANIFEST} is missing"
    logged = [e for e in events if e.get("event") == "manifest" and e.get("cycle") == cycle]
    if not logged:
        return f"the sampling log has no {MANIFEST} entry for cycle {cycle!r}"
    if _sha256(path) != logged[-1].get("manifest_sha256"):
        return f"{MANIFEST} is not the one logged last for this cycle (line {logged[-1].get('seq')})"
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError):
        return f"{MANIFEST} is damaged"
    present = {p.relative_to(folder).as_posix(): p for p in _published(folder)}
    for name, meta in sorted(files.items()):
        if name not in present:
            return f"{name} is listed in the manifest but missing"
        if _sha256(present[name]) != meta.get("sha256"):
            return f"{name} was changed after it was published (its SHA-256 is not the manifest's)"
    extra = sorted(set(present) - set(files))
    if extra:
        return f"{extra[0]} is not in the manifest (added after the outputs were published)"
    return None
