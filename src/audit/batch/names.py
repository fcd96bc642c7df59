"""Unit ids as folder names of a batch.

A unit id comes from the source and may hold anything: ``../x``, a slash, a
NUL, a Windows device name, a thousand characters. :func:`safe_name` is the
project's one rule for that (:func:`audit.paths.safe_component`), plus the two
names the batch itself writes beside the unit folders, which no unit may take.
"""

from __future__ import annotations

from ..paths import safe_component

__all__ = ["safe_name", "MAX_NAME", "RESERVED"]

MAX_NAME = 64  # characters, well under every file system's limit for one component
# Names the batch writes beside the unit folders.
RESERVED = frozenset({"index.html", "batch.json"})


def safe_name(unit_id: str) -> str:
    """A folder name for ``unit_id``: one path component, no ``..``, no separator or
    control character, at most ``MAX_NAME`` characters; an id that is safe already is
    kept as it is (``KV01``), and the batch's own file names are never given out."""
    if not str(unit_id).strip():  # a blank id still gets its own folder, never the batch's own
        return safe_component("\x00" + str(unit_id), max_length=MAX_NAME)
    name = safe_component(unit_id, max_length=MAX_NAME)
    if name.casefold() in RESERVED:
        name = safe_component(unit_id + "\x00", max_length=MAX_NAME)  # not safe as is: gets a hash
    return name
