"""Working days in Vietnam: Monday to Friday, minus public holidays and Tết.

Holidays come from the ``holidays`` package's VN calendar, including its
substitute days off; a calendar file (YAML, ``days_off`` and ``working_days``
lists) adds the days the government announces each year, such as a Saturday
made a working day to bridge a holiday. All operations are vectorised over
arrays of dates via a sorted array of every working day in the span.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
import yaml

from .dates import as_date
from .errors import ParameterError

__all__ = ["WorkCalendar"]

_FIRST_YEAR, _LAST_YEAR = 2000, 2040
# The holidays package marks a substitute day as "Day off (substituted from MM/DD/YYYY)":
# the date in brackets is the weekend day worked in exchange.
_SUBSTITUTED_FROM = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


class WorkCalendar:
    """Vietnam's working-day calendar.

    Parameters
    ----------
    days_off, working_days : iterable of dates
        Extra days off, and weekend days that are working days (make-up days).
    """

    def __init__(self, days_off: Iterable[dt.date] = (), working_days: Iterable[dt.date] = ()) -> None:
        vn = holidays.country_holidays("VN", years=range(_FIRST_YEAR, _LAST_YEAR + 1))
        off = set(vn.keys()) | set(days_off)
        make_up = set(working_days)
        for name_date, name in vn.items():
            del name_date
            m = _SUBSTITUTED_FROM.search(name)
            if m:
                make_up.add(dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2))))
        self.days_off = frozenset(off)
        self.make_up_days = frozenset(make_up - off)
        days = pd.date_range(f"{_FIRST_YEAR}-01-01", f"{_LAST_YEAR}-12-31", freq="D")
        weekday = days.day_of_week < 5
        date_objs = days.date
        is_off = np.fromiter((d in self.days_off for d in date_objs), bool, len(days))
        is_make_up = np.fromiter((d in self.make_up_days for d in date_objs), bool, len(days))
        working = (weekday & ~is_off) | is_make_up
        self._working = days[working].values.astype("datetime64[D]")

    @classmethod
    def from_file(cls, path: str | Path | None) -> WorkCalendar:
        """Build the calendar with the extra days of a YAML file (or none)."""
        if path is None:
            return cls()
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ParameterError(f"cannot read the calendar file: {exc}", file=str(path)) from exc
        unknown = set(data) - {"days_off", "working_days"}
        if unknown:
            raise ParameterError(f"unknown key(s) {sorted(unknown)}; expected days_off, working_days",
                                 file=str(path))
        off = [as_date(d, "days_off", file=str(path)) for d in data.get("days_off") or []]
        work = [as_date(d, "working_days", file=str(path)) for d in data.get("working_days") or []]
        return cls(off, work)

    # -- vectorised operations ------------------------------------------
    def _count_through(self, dates: np.ndarray) -> np.ndarray:
        """Number of working days on or before each date."""
        return np.searchsorted(self._working, dates, side="right")

    def add_working_days(self, start: pd.Series, n: int | pd.Series) -> pd.Series:
        """The n-th working day after each start date (NaT stays NaT)."""
        values = _to_days(start)
        missing = np.isnat(values)
        k = self._count_through(np.where(missing, self._working[0], values))
        idx = k + np.asarray(n, dtype=np.int64) - 1
        idx = np.clip(idx, 0, len(self._working) - 1)
        out = self._working[idx].astype("datetime64[s]")
        out = np.where(missing, np.datetime64("NaT", "s"), out)
        return pd.Series(out, index=start.index, dtype="datetime64[s]")

    def working_days_late(self, deadline: pd.Series, done: pd.Series) -> pd.Series:
        """Working days by which ``done`` missed ``deadline``: an action dated on a day off
        after the deadline counts as done on the next working day, so it is at least one
        working day late."""
        rolled = self.add_working_days(done - pd.Timedelta(days=1), 1)
        return self.working_days_between(deadline, rolled)

    def working_days_between(self, start: pd.Series, end: pd.Series) -> pd.Series:
        """Working days in (start, end]; negative when end is before start."""
        a, b = _to_days(start), _to_days(end)
        missing = np.isnat(a) | np.isnat(b)
        fill = self._working[0]
        diff = self._count_through(np.where(missing, fill, b)) - self._count_through(np.where(missing, fill, a))
        return pd.Series(diff, index=start.index, dtype="Int64").mask(missing)

    def is_working_day(self, day: dt.date) -> bool:
        d = np.datetime64(day, "D")
        i = np.searchsorted(self._working, d)
        return bool(i < len(self._working) and self._working[i] == d)


def _to_days(s: pd.Series) -> np.ndarray:
    return pd.to_datetime(s).to_numpy().astype("datetime64[D]")
