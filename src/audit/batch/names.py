"""Unit ids as folder names.

A unit id comes from the source and may hold anything: ``../x``, a slash, a
NUL, a Windows device name, a thousand characters. :func:`safe_name` turns it
into one path component that stays inside the batch folder and is the same on
every run, so a resumed batch finds the unit's earlier outputs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["safe_name", "MAX_NAME"]

MAX_NAME = 64  # characters, well under every file system's limit for one component
# Letters and digits of any script, and - _ . ; everything else becomes "_".
_UNSAFE = re.compile(r"[^\w.-]")
_WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                              *(f"lpt{i}" for i in range(1, 10))})
# Names the batch writes beside the unit folders.
RESERVED = frozenset({"index.html", "batch.json"})


def safe_name(unit_id: str) -> str:
    """A folder name for ``unit_id``: one path component, no ``..``, no separator or
    control character, at most ``MAX_NAME`` characters.

    An id that is safe already is kept as it is (``KV01`` → ``KV01``). Any other
    gets its unsafe characters replaced and a short hash of the original
    appended, so two ids that differ only in unsafe characters never share a
    folder (``a/b`` → ``a_b-…``, ``a:b`` → ``a_b-…`` with another hash).

    Parameters
    ----------
    unit_id : str

    Returns
    -------
    str
    """
    text = unicodedata.normalize("NFC", str(unit_id))
    cleaned = _UNSAFE.sub("_", text.replace("\x00", "_")).strip(" .")
    cleaned = cleaned.lstrip(".") or "_"
    changed = (cleaned != str(unit_id) or len(cleaned) > MAX_NAME or cleaned.split(".")[0].casefold()
               in _WINDOWS_DEVICES or cleaned.casefold() in RESERVED)
    if not changed:
        return cleaned
    digest = hashlib.sha256(str(unit_id).encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{cleaned[:MAX_NAME - 11]}-{digest}"
