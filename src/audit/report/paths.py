"""Where the report's notebook and templates live, and how relative paths resolve.

Relative paths in the notebook's parameters are read against the project
folder (the one holding ``notebooks/`` and ``outputs/``), not against the
kernel's working directory: JupyterLab starts kernels in ``notebooks/`` while
the command line starts them elsewhere, and both must find the same files.
Installed from a wheel there is no project folder: the notebook is the one the
package ships, and relative paths are read against the working directory.
"""

from __future__ import annotations

from pathlib import Path

from ..resources import project_dir, resource_dir

__all__ = ["PROJECT_DIR", "NOTEBOOK", "TEMPLATES", "project_path"]

PROJECT_DIR = project_dir()
NOTEBOOK = resource_dir("notebooks") / "unit_audit.ipynb"
TEMPLATES = Path(__file__).with_name("templates")


def project_path(path: str | Path) -> str:
    """``path`` made absolute: URLs unchanged, relative paths against the project folder.

    Parameters
    ----------
    path : str or Path
        A file path, or a database URL (anything containing ``://``).

    Returns
    -------
    str
    """
    text = str(path)
    if "://" in text:
        return text
    p = Path(text).expanduser()
    return str(p if p.is_absolute() else (project_dir() / p).resolve())
