"""Shared machinery of the demo generator: day numbers, working days, vectorised
sequences and seeded selections.

Dates are handled as ``int64`` day numbers (days since 1970-01-01) until the
frames are written: arithmetic on them is plain numpy. ``NEVER`` is a day far
in the future that stands for "did not happen"; anything after ``end`` is
dropped when the frames are built, so it never reaches the output.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..calendar import WorkCalendar

NEVER = 10**6  # day number in the year 4707: "not (yet) happened"
# Irrational steps of the low-discrepancy sequences (one per independent draw).
PHI = (np.sqrt(5.0) - 1) / 2
SQRT2 = np.sqrt(2.0) - 1
SQRT3 = np.sqrt(3.0) - 1


def day(value: dt.date) -> int:
    """The day number of a date."""
    return int(np.datetime64(value, "D").astype("int64"))


def to_datetime(days: np.ndarray) -> np.ndarray:
    """Day numbers as ``datetime64[s]``; ``NEVER`` and beyond become NaT."""
    days = np.asarray(days, dtype="int64")
    out = days.astype("datetime64[D]").astype("datetime64[s]")
    return np.where(days >= NEVER, np.datetime64("NaT", "s"), out)


def month_of(days: np.ndarray) -> np.ndarray:
    """Calendar month (1..12) of each day number."""
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype("int64") % 12 + 1


def year_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[Y]").astype("int64") + 1970


@dataclass
class Ctx:
    """What every generation step shares: the random generator, the calendar and the span.

    Attributes
    ----------
    rng : numpy.random.Generator
    start, end : int
        Day numbers of the first receipt and of the as-of date.
    working : ndarray
        Every working day (day numbers) from a year before ``start`` to years after ``end``.
    """

    rng: np.random.Generator
    start: int
    end: int
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    working: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        days = np.arange(self.start - 400, self.end + 3000, dtype="int64")
        ts = pd.Series(to_datetime(days))
        prev = pd.Series(to_datetime(days - 1))
        # A day is a working day when exactly one working day lies in (day-1, day].
        is_working = self.calendar.working_days_between(prev, ts).to_numpy(dtype="int64") == 1
        self.working = days[is_working]

    # ---- working days -------------------------------------------------
    def add_working_days(self, days: np.ndarray, n: np.ndarray | int) -> np.ndarray:
        """The n-th working day after each day (n = 0: the day itself if it is a working day),
        the same count as :meth:`WorkCalendar.add_working_days`."""
        days = np.asarray(days, dtype="int64")
        idx = np.searchsorted(self.working, days, side="right") - 1 + np.asarray(n, dtype="int64")
        out = self.working[np.clip(idx, 0, len(self.working) - 1)]
        return np.where(days >= NEVER, NEVER, out)

    def working_days_in(self, first: int, last: int) -> np.ndarray:
        """Working days in [first, last]."""
        lo = np.searchsorted(self.working, first, side="left")
        hi = np.searchsorted(self.working, last, side="right")
        return self.working[lo:hi]

    # ---- random draws -------------------------------------------------
    def ints(self, lo: int | np.ndarray, hi: int | np.ndarray, n: int) -> np.ndarray:
        """Uniform integers in [lo, hi] (inclusive); hi below lo gives lo."""
        lo = np.asarray(lo, dtype="int64")
        hi = np.maximum(np.asarray(hi, dtype="int64"), lo)
        return lo + np.floor(self.rng.random(n) * (hi - lo + 1)).astype("int64")

    def chance(self, p: float | np.ndarray, n: int) -> np.ndarray:
        return self.rng.random(n) < p


# ---- vectorised sequences -------------------------------------------------
def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For per-row counts, the row of each expanded item and its position within the row."""
    counts = np.asarray(counts, dtype="int64")
    rows = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(len(rows)) - np.repeat(starts, counts)
    return rows, pos


def group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sum of ``values`` restarting at every group (groups are consecutive runs)."""
    cs = np.cumsum(values)
    starts = np.cumsum(counts) - counts
    before = np.concatenate([[0], cs])[starts]
    return cs - np.repeat(before, counts)


def schedule(ctx: Ctx, start: np.ndarray, stop: np.ndarray, gap_lo: int, gap_hi: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """Dates start + g1, start + g1 + g2, … strictly before ``stop`` (and not after ``end``),
    each gap drawn in [gap_lo, gap_hi] days. Returns (row, date) of every date."""
    stop = np.minimum(stop, ctx.end + 1)
    span = np.maximum(stop - start, 0)
    kmax = np.where(start < NEVER, span // gap_lo + 1, 0)
    rows, _ = expand(kmax)
    gaps = ctx.ints(gap_lo, gap_hi, len(rows))
    dates = start[rows] + group_cumsum(gaps, kmax)
    keep = dates < stop[rows]
    return rows[keep], dates[keep]


def low_discrepancy(group: np.ndarray, order: np.ndarray, alpha: float, ctx: Ctx) -> np.ndarray:
    """Evenly spread uniforms: within each group, the i-th item in ``order`` gets
    frac(offset + i·alpha). Shares drawn from them are the same in every group up to
    rounding, so units differ only where an anomaly is planted."""
    n = len(group)
    idx = np.lexsort((order, group))
    g = group[idx]
    first = np.r_[True, g[1:] != g[:-1]]
    starts = np.flatnonzero(first)
    counts = np.diff(np.r_[starts, n])
    rank = np.arange(n) - np.repeat(starts, counts)
    offset = ctx.rng.random(int(group.max()) + 1 if n else 1)
    u = np.empty(n)
    u[idx] = np.mod(offset[g] + rank * alpha, 1.0)
    return u


def pick(ctx: Ctx, eligible: np.ndarray, group: np.ndarray, k: np.ndarray | int) -> np.ndarray:
    """Indices of up to ``k`` randomly chosen eligible items per group (k per group code)."""
    cand = np.flatnonzero(eligible)
    if len(cand) == 0:
        return cand
    key = ctx.rng.random(len(cand))
    g = group[cand]
    order = np.lexsort((key, g))
    cand, g = cand[order], g[order]
    first = np.r_[True, g[1:] != g[:-1]]
    starts = np.flatnonzero(first)
    rank = np.arange(len(cand)) - np.repeat(starts, np.diff(np.r_[starts, len(cand)]))
    limit = np.broadcast_to(np.asarray(k), (int(group.max()) + 1,)) if np.ndim(k) == 0 else np.asarray(k)
    return np.sort(cand[rank < limit[g]])



# ---- identifiers ------------------------------------------------------------
def padded(numbers: np.ndarray, width: int) -> pa.Array:
    """Numbers as zero-padded strings (Arrow, vectorised)."""
    return pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype="int64")), pa.string()), width, padding="0")


def join(*parts: pa.Array | np.ndarray | str, sep: str = "") -> pa.Array:
    """Element-wise concatenation of string arrays and scalars (Arrow, vectorised)."""
    arrays = [p if isinstance(p, (pa.Array, pa.ChunkedArray, str)) else pa.array(p, pa.string()) for p in parts]
    return pc.binary_join_element_wise(*arrays, sep)


def take(strings: pa.Array, idx: np.ndarray) -> pa.Array:
    """``strings[idx]``; negative indices give nulls."""
    idx = np.asarray(idx, dtype="int64")
    return strings.take(pa.array(idx, mask=idx < 0))


def str_series(values: pa.Array | np.ndarray | list) -> pd.Series:
    """A pandas ``str`` series (Arrow-backed) without a round trip through Python objects."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pd.Series(values, dtype="str")
