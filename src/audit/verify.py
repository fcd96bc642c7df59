"""Checking an output folder against its manifest: which file changed, and where.

Every run, scan or batch folder holds a ``manifest.json`` whose ``outputs``
lists each file the run wrote with its SHA-256, its size and the SHA-256 of
each block of it (:func:`file_record`), and whose ``seal`` is the SHA-256 of
the manifest itself (:func:`seal`). :func:`verify_folder` recomputes all of
them and says, for a changed file, the first block that differs (so the byte
range a reviewer should look at), and names files that are missing, added or
of another size. The manifest also records what the outputs were made from
(source fingerprint, parameters, rule pack values, toolkit and contract
versions), which the check reports alongside.

The seal guards against accidental edits of the manifest; it is not a
signature: whoever can rewrite every file can rewrite the manifest too, so a
manifest worth trusting is one kept (or its seal sent) elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SourceError

__all__ = ["file_record", "seal", "verify_folder", "Verification", "MANIFEST", "BLOCK_HASH_CHARS"]

MANIFEST = "manifest.json"
BLOCK_HASH_CHARS = 16  # 64 bits per block: enough to tell a changed block, short enough to list
_MIN_BLOCK = 4096
_MAX_BLOCKS = 4096


def _block_size(size: int) -> int:
    """Blocks of 4 KiB, doubled until a file has at most 4096 of them."""
    block = _MIN_BLOCK
    while size > block * _MAX_BLOCKS:
        block *= 2
    return block


def file_record(path: str | Path) -> dict[str, Any]:
    """What the manifest records of one output file.

    Returns
    -------
    dict
        ``sha256`` (whole file), ``bytes``, ``block_size`` and ``blocks`` (the first
        16 hex digits of each block's SHA-256, in order).
    """
    path = Path(path)
    size = path.stat().st_size
    block = _block_size(size)
    whole = hashlib.sha256()
    blocks = []
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(block), b""):
            whole.update(chunk)
            blocks.append(hashlib.sha256(chunk).hexdigest()[:BLOCK_HASH_CHARS])
    return {"sha256": whole.hexdigest(), "bytes": size, "block_size": block, "blocks": blocks}


def seal(manifest: dict[str, Any]) -> str:
    """SHA-256 of the manifest without its own ``seal`` (keys sorted, compact JSON)."""
    body = {k: v for k, v in manifest.items() if k != "seal"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Verification:
    """The outcome of checking one folder."""

    folder: Path
    files: int = 0
    problems: list[str] = field(default_factory=list)
    made_from: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _first_change(path: Path, want: dict[str, Any]) -> str:
    block = int(want.get("block_size") or _MIN_BLOCK)
    blocks = want.get("blocks") or []
    with path.open("rb") as fh:
        for i, chunk in enumerate(iter(lambda: fh.read(block), b"")):
            if i >= len(blocks) or hashlib.sha256(chunk).hexdigest()[:BLOCK_HASH_CHARS] != blocks[i]:
                end = i * block + len(chunk) - 1
                return f"first change in bytes {i * block:,}–{end:,} (block {i + 1} of {len(blocks)})"
    return f"first change at byte {len(blocks) * block:,} (the file is longer)"


def _listed(folder: Path, outputs: dict[str, Any]) -> set[str]:
    return {name for name in outputs if (folder / name).resolve().is_relative_to(folder.resolve())}


def verify_folder(folder: str | Path) -> Verification:
    """Check every file of an output folder against its manifest.

    Parameters
    ----------
    folder : path
        A run, scan or batch output folder holding ``manifest.json``.

    Returns
    -------
    Verification
        ``problems`` lists one line per file missing, added, resized or changed (with the
        first changed byte range), and a manifest whose seal does not match; empty when
        everything matches.

    Raises
    ------
    SourceError
        If the folder has no readable manifest.
    """
    root = Path(folder)
    path = root / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError("no manifest.json: not an output folder of this toolkit", file=str(root)) from None
    except (OSError, ValueError) as exc:
        raise SourceError(f"the manifest cannot be read: {exc}".splitlines()[0], file=str(path)) from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("outputs"), dict):
        raise SourceError("the manifest lists no outputs", file=str(path))
    result = Verification(root, made_from={k: manifest.get(k) for k in (
        "tool", "version", "contract_version", "kind", "parameters", "input", "finished_at") if k in manifest})
    if "seal" not in manifest:
        result.problems.append(f"{MANIFEST}: not sealed (written by an older version, or the seal removed)")
    elif manifest["seal"] != seal(manifest):
        result.problems.append(f"{MANIFEST}: changed after it was written (its seal does not match)")
    outputs: dict[str, Any] = manifest["outputs"]
    listed = _listed(root, outputs)
    for name in sorted(outputs):
        want = outputs[name]
        target = root / name
        if name not in listed:
            result.problems.append(f"{name}: the manifest points outside the folder")
            continue
        if not target.is_file():
            result.problems.append(f"{name}: missing")
            continue
        result.files += 1
        got = file_record(target)
        if got["sha256"] == want.get("sha256") and got["bytes"] == want.get("bytes"):
            continue
        size = "" if got["bytes"] == want.get("bytes") else \
            f"{got['bytes']:,} bytes instead of {want.get('bytes', 0):,}; "
        result.problems.append(f"{name}: changed: {size}{_first_change(target, want)}")
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    for name in sorted(present - set(outputs) - {MANIFEST}):
        result.problems.append(f"{name}: not in the manifest (added after the run)")
    return result
