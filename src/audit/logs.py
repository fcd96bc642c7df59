"""What the command line tells its user while it works: standard :mod:`logging` on stderr.

Every command takes ``-q/--quiet`` (errors only) and ``-v/--verbose`` (each
stage with its elapsed time, and details). Without either, the stages are shown
when stderr is a terminal and left out when it is a file or a pipe, so scripts
and schedulers read only the results on stdout and the one error line.
"""

from __future__ import annotations

import logging
import sys
import time

__all__ = ["configure", "stage_logger"]

_HANDLER_NAME = "audit-cli"


class _Elapsed(logging.Formatter):
    """``[  12.3 s] message``: the time since the command started."""

    def __init__(self, start: float) -> None:
        super().__init__()
        self.start = start

    def format(self, record: logging.LogRecord) -> str:
        return f"[{record.created - self.start:6.1f} s] {record.getMessage()}"


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (it may be replaced after setup)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure(quiet: bool = False, verbose: int = 0, stream=None) -> int:
    """Send the ``audit`` loggers to ``stream`` (default: stderr) at the level the flags ask for.

    Parameters
    ----------
    quiet : bool
        Errors only.
    verbose : int
        1 and more: the stages and the details, wherever stderr goes.
    stream : file, optional

    Returns
    -------
    int
        The level set on the ``audit`` logger.
    """
    handler = _CurrentStderr() if stream is None else logging.StreamHandler(stream)
    stream = sys.stderr if stream is None else stream
    if quiet:
        level = logging.WARNING
    elif verbose:
        level = logging.DEBUG
    else:
        level = logging.INFO if getattr(stream, "isatty", lambda: False)() else logging.WARNING
    logger = logging.getLogger("audit")
    for old in [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]:
        logger.removeHandler(old)  # main() may run more than once in a process (tests)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(_Elapsed(time.time()))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return level


def stage_logger(name: str) -> logging.Logger:
    """The logger a module reports its stages on (``audit.<name>``)."""
    return logging.getLogger(f"audit.{name}")
