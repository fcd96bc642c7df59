"""Publishing a run's output folder whole or not at all, one writer at a time.

A run writes every file into a staging folder beside its output folder
(``.<name>.staging-XXXX``), and only when all of them are written swaps the
staging folder in: on Linux with one atomic ``renameat2(RENAME_EXCHANGE)``,
so a reader (or a kill) sees the old folder or the new one, never a mix and
never none; elsewhere with two renames (old aside, new in), undone on the next
run if interrupted between them. Leftover staging folders of killed runs are
removed by the next run into the same folder.

Two runs into the same folder would interleave their files: the second one is
refused at once, with a clear message, by a lock file beside the folder
(``.<name>.lock``, taken with the ``filelock`` library, whose locks the
operating system releases when a process dies, so a killed run never leaves
the folder locked).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import ParameterError

__all__ = ["OutputError", "check_output_folder", "publishing", "PAUSE_ENV"]

# Seconds to sleep between the steps of a swap: lets a test kill a run at each step.
PAUSE_ENV = "AUDIT_TEST_PUBLISH_PAUSE"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputError(ParameterError):
    """The output folder cannot be used: a file is in its place, it cannot be written,
    or another run is writing into it (exit code 2)."""


def check_output_folder(out: str | Path) -> Path:
    """The output folder as an absolute path, checked before any work starts.

    Raises
    ------
    OutputError
        If a file (not a folder) is in its place, or the folder (or the nearest
        existing folder above it) cannot be written.
    """
    path = Path(out).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise OutputError("the output folder is a file: give a folder (it is created if missing)",
                          file=str(path))
    # The staging folder and the swap happen in the folder's parent: that must take new folders.
    probe = path.parent if path.parent.exists() else \
        next((p for p in path.parents if p.exists()), Path(path.anchor))
    if not probe.is_dir():
        raise OutputError(f"{probe} is a file, not a folder", file=str(path))
    try:  # a real write, not a permission guess: read-only mounts and root squash count too
        os.rmdir(tempfile.mkdtemp(prefix=".audit-probe-", dir=probe))
    except OSError as exc:
        raise OutputError(f"cannot write into {probe}: {exc.strerror or exc}", file=str(path)) from None
    return path


def _pause(step: str) -> None:
    delay = os.environ.get(PAUSE_ENV)
    if delay:
        print(f"publish: {step}", flush=True)
        time.sleep(float(delay))


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot swap
        return False
    raise OSError(err, os.strerror(err), str(b))


def _recover(out: Path) -> None:
    """Undo an interrupted two-rename swap and remove what killed runs left beside ``out``."""
    parent, name = out.parent, out.name
    backups = sorted(parent.glob(f".{name}.old-*"))
    if backups and not out.exists():
        os.rename(backups[-1], out)  # killed between the two renames: the old folder goes back
        backups = backups[:-1]
    for stale in [*backups, *parent.glob(f".{name}.staging-*")]:
        shutil.rmtree(stale, ignore_errors=True)


def _swap_in(staging: Path, out: Path) -> None:
    if not out.exists():
        _pause("moving the new folder into place")
        os.rename(staging, out)
        return
    _pause("swapping the new folder in")
    if _exchange(staging, out):
        _pause("removing the old folder")
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the old output
        return
    backup = out.with_name(f".{out.name}.old-{secrets.token_hex(4)}")
    os.rename(out, backup)
    _pause("old folder set aside")
    os.rename(staging, out)
    _pause("removing the old folder")
    shutil.rmtree(backup, ignore_errors=True)


@contextlib.contextmanager
def publishing(out: str | Path) -> Iterator[Path]:
    """Lock ``out``, give a fresh staging folder, and publish it as ``out`` on success.

    Use as ``with publishing(out) as staging: write everything into staging``. If the
    block raises, the staging folder is removed and ``out`` is left as it was.

    Raises
    ------
    OutputError
        If ``out`` is unusable (see :func:`check_output_folder`) or another run holds it.
    """
    path = check_output_folder(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path.with_name(f".{path.name}.lock")), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise OutputError("another run is writing into this folder (lock "
                          f"{path.with_name('.' + path.name + '.lock').name}); wait for it to finish "
                          "or give another --out", file=str(path)) from None
    try:
        _recover(path)
        staging = path.with_name(f".{path.name}.staging-{secrets.token_hex(4)}")
        staging.mkdir()
        try:
            yield staging
            _swap_in(staging, path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        lock.release()
