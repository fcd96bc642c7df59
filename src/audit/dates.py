"""The one parser of dates that a person or a parameter file gives: ISO ``YYYY-MM-DD``.

(Dates inside the case records are read by :mod:`audit.io.parse`, which also accepts
office forms such as ``dd/mm/yyyy`` and Excel serials.)
"""

from __future__ import annotations

import datetime as dt

from .errors import ParameterError

# The dates records and runs can carry: a value outside is an error (in data, a DQ finding).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)

__all__ = ["as_date"]


def as_date(value: object, name: str = "date", *, file: str | None = None) -> dt.date:
    """A date from a date, a datetime or an ISO string.

    Parameters
    ----------
    value : date, datetime or str
    name : str
        What the value is (``as_of``, ``effective_from``...), for the error message.
    file : str, optional
        The file the value comes from, for the error message.

    Raises
    ------
    ParameterError
        Naming the value when it is not a date.
    """
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ParameterError(f"{name}: {value!r} is not a date (YYYY-MM-DD)", file=file) from None
    if not EARLIEST <= day <= LATEST:
        raise ParameterError(f"{name}: {day.isoformat()} is outside the dates an audit can cover "
                             f"({EARLIEST.isoformat()} to {LATEST.isoformat()})", file=file)
    return day
