"""File and folder names made from data (unit ids, cycle names) that cannot escape their folder.

Every place that builds a path from a value it read or was given (report run
folders per unit, batch runs, sampling cycles) goes through
:func:`safe_component` for each name and :func:`safe_join` for the result:
an id such as ``../x``, ``a/b``, one holding NUL or control characters, a
Windows device name or a name too long for the file system becomes one
harmless, bounded name, and two different ids never share one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from .errors import ParameterError

__all__ = ["safe_component", "safe_join", "MAX_COMPONENT"]

MAX_COMPONENT = 96  # characters; far below the 255 bytes of common file systems, even in UTF-8
# Separators, NUL and control characters, and what Windows forbids in names.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\<>:"|?*]')
_DEVICES = re.compile(r"^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\..*)?$", re.IGNORECASE)


def safe_component(name: object, *, max_length: int = MAX_COMPONENT) -> str:
    """A single, safe path component standing for ``name``.

    A name that is already safe comes back unchanged (``KV01`` stays ``KV01``).
    Anything else is encoded: unsafe characters become ``_``, leading dots and
    trailing dots or spaces go, a device name gets a ``_`` in front, and the
    result is cut to ``max_length`` characters; then a short hash of the
    original name is appended so that ``../x`` and ``.._x`` stay apart.

    Parameters
    ----------
    name : object
        The id (converted with ``str``).
    max_length : int
        The longest result, hash suffix included (at least 16).

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        If ``name`` is empty or blank (there is nothing to name the folder after).
    """
    text = unicodedata.normalize("NFC", str(name))
    if not text.strip():
        raise ParameterError(f"an empty name cannot name a file or folder: {name!r}")
    max_length = max(16, max_length)
    safe = _UNSAFE.sub("_", text).lstrip(". ").rstrip(". ")
    if _DEVICES.match(safe):
        safe = "_" + safe
    if safe == text and len(safe) <= max_length:
        return safe
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{safe[: max_length - 11] or '_'}-{digest}"


def safe_join(base: str | Path, *names: object) -> Path:
    """``base / safe_component(n1) / safe_component(n2) …``, checked to stay inside ``base``.

    Raises
    ------
    ParameterError
        If the result would leave ``base`` (it cannot with safe components; the check
        guards against a symbolic link planted inside ``base``).
    """
    root = Path(base).resolve()
    path = root.joinpath(*(safe_component(n) for n in names))
    resolved = path.resolve()
    if resolved != root and root not in resolved.parents:
        raise ParameterError(f"{path} leads outside {root}")
    return path
