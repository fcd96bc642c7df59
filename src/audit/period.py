"""The period an inspection covers.

THADS counts by statistical year, 1 October to 30 September. With no period
given, an inspection covers the last *complete* statistical year that ended on
or before the audit date (on 15 October 2026: 01/10/2025 – 30/09/2026), never
the few days of a year that has just begun. Any other period is allowed, and
is named for what it is, so the report and the conclusion can say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .dates import EARLIEST, LATEST
from .errors import ParameterError

__all__ = ["Period", "statistical_year_of", "last_complete_statistical_year", "resolve_period"]



def statistical_year_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The statistical year (1 October – 30 September) that contains ``day``."""
    start_year = day.year if day.month >= 10 else day.year - 1
    return dt.date(start_year, 10, 1), dt.date(start_year + 1, 9, 30)


def last_complete_statistical_year(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The latest statistical year that ended on or before ``as_of``."""
    end_year = as_of.year if (as_of.month, as_of.day) >= (9, 30) else as_of.year - 1
    return dt.date(end_year - 1, 10, 1), dt.date(end_year, 9, 30)


@dataclass(frozen=True)
class Period:
    """The audited period and how it was chosen.

    Attributes
    ----------
    start, end : date
        First and last day, inclusive.
    kind : str
        ``statistical_year`` (a whole 1 October – 30 September year),
        ``partial_year`` (inside one statistical year, shorter than it) or
        ``custom`` (any other span).
    defaulted : bool
        True when no period was given and the default was applied.
    """

    start: dt.date
    end: dt.date
    kind: str
    defaulted: bool = False

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def statistical_year(self) -> str:
        """The statistical year's label, e.g. ``2025-2026`` (of the period's end)."""
        start, end = statistical_year_of(self.end)
        return f"{start.year}-{end.year}"

    @property
    def unusual(self) -> bool:
        """A period that is not one whole statistical year: reports and the conclusion say so."""
        return self.kind != "statistical_year"


def _kind(start: dt.date, end: dt.date) -> str:
    sy_start, sy_end = statistical_year_of(start)
    if (start, end) == (sy_start, sy_end):
        return "statistical_year"
    if end <= sy_end:
        return "partial_year"
    return "custom"


def _check(day: dt.date, name: str) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ParameterError(f"{name}: {day.isoformat()} is outside the dates an audit can cover "
                             f"({EARLIEST.isoformat()} to {LATEST.isoformat()})")


def resolve_period(as_of: dt.date, start: dt.date | None = None, end: dt.date | None = None) -> Period:
    """The period to audit: the one given, or the last complete statistical year.

    A start without an end runs to the end of the start's statistical year (or the
    audit date, if earlier); an end without a start begins on the 1 October before it.

    Raises
    ------
    ParameterError
        When the period starts after it ends, ends after the audit date, or lies
        outside the years the toolkit accepts.
    """
    _check(as_of, "as_of")
    if start is None and end is None:
        s, e = last_complete_statistical_year(as_of)
        return Period(s, e, "statistical_year", defaulted=True)
    if start is None:
        assert end is not None
        _check(end, "period_end")
        start = statistical_year_of(end)[0]
    elif end is None:
        _check(start, "period_start")
        end = min(statistical_year_of(start)[1], as_of)
    _check(start, "period_start")
    _check(end, "period_end")
    if start > end:
        raise ParameterError(f"period_start {start} is after period_end {end}")
    if end > as_of:
        raise ParameterError(f"period_end {end} is after the audit date {as_of}: the records "
                             "cannot show a period that has not ended")
    return Period(start, end, _kind(start, end))
