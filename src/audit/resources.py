"""Where the notebooks and the parameter files are: the checkout's, or the installed package's.

Developers edit ``notebooks/`` and ``params/`` at the top of the checkout, and
the code reads them there. A built wheel carries a copy of both inside the
package (``audit/_data/``, copied by ``setup.py`` at build time), read through
:mod:`importlib.resources`, so an ordinary ``pip install`` runs the audit with
no checkout at all.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["CHECKOUT", "resource_dir", "project_dir"]

_HERE = Path(__file__).resolve()
# src/audit/resources.py in a checkout: the project folder is two levels above src/audit.
_ROOT = _HERE.parents[2]
CHECKOUT: Path | None = (_ROOT if _HERE.parent.parent.name == "src" and (_ROOT / "pyproject.toml").is_file()
                         and (_ROOT / "notebooks").is_dir() else None)


def resource_dir(name: str) -> Path:
    """The folder ``notebooks`` or ``params``: the checkout's, else the one shipped in the package.

    Parameters
    ----------
    name : {"notebooks", "params"}

    Returns
    -------
    Path
    """
    if CHECKOUT is not None:
        return CHECKOUT / name
    return Path(str(resources.files("audit").joinpath("_data", name)))


def project_dir() -> Path:
    """The folder relative paths are read against: the checkout, or else the working directory.

    In a checkout the demo's relative paths (``outputs/demo/…``) mean the
    project's folders wherever the kernel starts; an installed package has no
    project folder, so they mean the folder the command was started in (the
    notebook's kernel is started there too).
    """
    return CHECKOUT if CHECKOUT is not None else Path.cwd()
