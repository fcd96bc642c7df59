"""Which units and cases carry a planted anomaly.

Case-level anomalies take about 1% of each regional unit's cases per code
(at least two), chosen among cases whose receipt date leaves room for the
anomaly to show by the as-of date; a case carries at most one. Asset and
auction anomalies are planted in :mod:`.assets` and :mod:`.market`, reported
statistics in :mod:`.stats`, data-quality problems in :mod:`.quality`.

Unit-level anomalies each go to their own unit(s) where there are enough:
``share`` (MC-UNIT-SHARE: a much larger share of cases without conditions),
``spike`` (MC-PERIOD-END: a wave of reclassifications in one September),
``load`` (WL-CASELOAD), ``stall`` (WL-STALLED-SHARE), ``valuer``
(VA-CONCENTRATION) and ``auctioneer`` (AU-CONCENTRATION).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from . import plants as P
from ._base import Ctx, day, month_of, pick, year_of
from .cases import VOLUNTARY, WITH, WITHOUT, Cases

RATE = 0.01


def _ymd(y: int, m: int, d: int) -> int:
    return day(dt.date(y, m, d))

UNIT_KINDS = ("share", "spike", "load", "stall", "valuer", "auctioneer")
STALLED_PER_EXECUTOR = 2


def choose_units(ctx: Ctx, units: int) -> dict[str, np.ndarray]:
    """Unit codes (1..units) for each unit-level anomaly: one unit per 50, at least one,
    distinct kinds on distinct units while there are enough units."""
    per = max(1, units // 50)
    order = ctx.rng.permutation(np.arange(1, units + 1))
    out = {kind: order[(np.arange(per) + i * per) % units] for i, kind in enumerate(UNIT_KINDS)}
    out["reported"] = np.sort(ctx.rng.choice(np.arange(1, units + 1), max(2, units // 8) if units > 1 else 1,
                                             replace=False))
    return out


def _spike(ctx: Ctx, cases: Cases, units: np.ndarray) -> np.ndarray:
    """Move receipts of cases without conditions in the ``units`` to mid-August of the last
    full statistical year, so that their classification falls in September."""
    spike = np.zeros(cases.n, bool)
    years = [y for y in range(int(year_of(np.array([ctx.end]))[0]), 1999, -1)
             if _ymd(y, 9, 30) <= ctx.end and _ymd(y - 1, 10, 1) >= ctx.start - 200]
    if not years:
        return spike
    y = years[0]
    first, last = _ymd(y - 1, 10, 1), _ymd(y, 7, 31)
    pool = (cases.latent == WITHOUT) & np.isin(cases.unit, units) & (cases.received >= first) & (
        cases.received <= last)
    yearly = np.bincount(cases.unit[pool], minlength=int(cases.unit.max()) + 1)
    k = np.maximum(6, np.ceil(0.45 * yearly)).astype("int64")
    chosen = pick(ctx, pool, cases.unit, k)
    window = ctx.working_days_in(max(_ymd(y, 8, 16), ctx.start), _ymd(y, 8, 25))
    if len(window) == 0:
        return spike
    cases.received[chosen] = window[ctx.rng.integers(0, len(window), len(chosen))]
    spike[chosen] = True
    return spike


def _expected_active(ctx: Ctx, cases: Cases, exec_per_unit: np.ndarray) -> np.ndarray:
    """Expected open cases with conditions per executor on the as-of date, by unit (from the
    closure-time distribution of :mod:`.timeline`)."""
    t = np.maximum(ctx.end - cases.received - 30, 1)
    still_open = 1 / (1 + (t / 150) ** 1.6)
    w = (cases.latent == WITH) & ~cases.asset
    per_unit = np.bincount(cases.unit, weights=np.where(w, still_open, 0), minlength=len(exec_per_unit))
    return per_unit / exec_per_unit


def choose_cases(ctx: Ctx, cases: Cases, exec_per_unit: np.ndarray, plant_units: dict[str, np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plant codes per case, the September year of PERIOD_END plants, and the spike flags."""
    spike = _spike(ctx, cases, plant_units["spike"])
    plant = np.where(spike, P.SPIKE, P.NONE).astype("int8")
    unit = cases.unit
    age = ctx.end - cases.received  # days from receipt to the as-of date
    n_units = len(exec_per_unit)
    per_unit = np.bincount(unit, minlength=n_units)
    k = np.maximum(2, np.round(RATE * per_unit)).astype("int64")
    k[per_unit == 0] = 0
    plain = ~cases.asset  # asset chains carry the asset anomalies only
    with_, without = cases.latent == WITH, cases.latent == WITHOUT
    not_voluntary = cases.latent != VOLUNTARY

    def plant_some(code: int, eligible: np.ndarray, count: np.ndarray) -> None:
        plant[pick(ctx, eligible & (plant == P.NONE) & plain, unit, count)] = code

    # Stalled cases: STALLED_PER_EXECUTOR per executor on average (staff.py deals them by chance).
    old_with = with_ & (age >= 520)
    avail = np.bincount(unit[old_with & plain], minlength=n_units)
    per_exec = np.minimum(STALLED_PER_EXECUTOR, avail // np.maximum(exec_per_unit, 1))
    plant_some(P.STALLED, old_with, np.where(per_unit > 0, per_exec * exec_per_unit, 0))
    extra = np.zeros(n_units, "int64")
    active = _expected_active(ctx, cases, exec_per_unit)
    # enough that most of the executor's active cases sit idle: a clear case, not a chance one
    extra[plant_units["stall"]] = np.ceil(1.0 * active[plant_units["stall"]]).astype("int64") + 4
    plant_some(P.STALLED_EXTRA, old_with, extra)

    one = np.minimum(k, 1)
    # Each code needs a receipt old enough for its anomaly to show by the as-of date.
    for code, eligible, count in (
        (P.REVERIFY_PRISON, without & (age >= 540), one),
        (P.PRISON_OK, without & (age >= 300), one),
        (P.REVERIFY, without & (age >= 300), k),
        # Not received in August or September: the classification must not move to October.
        (P.NO_VERIFICATION, without & (age >= 90) & ~np.isin(month_of(cases.received), (8, 9)), k),
        (P.ASSETS_FOUND, without & (age >= 90), k),
        # Recent, so verified once or twice like most cases with conditions (see life.py).
        (P.MODEL, without & (age >= 60) & (age <= 260) & (cases.amount > 0), k),
        (P.POSTPONE, with_ & (age >= 200), k),
        (P.DISBURSE_LATE, with_ & (cases.amount >= 1e6) & (age >= 200), k),
        (P.DISBURSE_PARTIAL, with_ & (cases.amount >= 1e6) & (age >= 200), k),
        (P.DISBURSE_HELD, with_ & (cases.amount >= 5e6) & (age >= 200), k),
        (P.DECISION_LATE, age >= 120, k),
        (P.DECISION_MISSING, not_voluntary & (age >= 20) & (age <= 400), k),
        (P.NOTIFY_LATE, age >= 120, k),
        (P.VERIFY_LATE, not_voluntary & (age >= 150), k),
        (P.VERIFY_MISSING, not_voluntary & (age >= 60) & (age <= 500), k),
        # Near misses: on the very edge of a rule, one per unit.
        (P.DECISION_EDGE, age >= 120, one),
        (P.NOTIFY_EDGE, age >= 120, one),
        (P.VERIFY_EDGE, not_voluntary & (age >= 150), one),
        (P.DISBURSE_EDGE, with_ & (cases.amount >= 1e6) & (age >= 200), one),
        (P.DECISION_UNRECORDED, age >= 120, one),
    ):
        plant_some(code, eligible, count)

    sept_year = _period_end(ctx, cases, plant, k)
    return plant, sept_year, spike


def _period_end(ctx: Ctx, cases: Cases, plant: np.ndarray, k: np.ndarray) -> np.ndarray:
    """PERIOD_END plants: a September at least 200 days after receipt, at most three per
    unit and year (so that no normal unit shows a September wave)."""
    sept_year = np.zeros(cases.n, "int64")
    years = [y for y in range(int(year_of(np.array([ctx.start]))[0]), int(year_of(np.array([ctx.end]))[0]) + 1)
             if ctx.start <= _ymd(y, 9, 1) <= ctx.end]
    eligible = (cases.latent == WITH) & ~cases.asset & (plant == P.NONE)
    yr = np.zeros(cases.n, "int64")
    # Each eligible case is offered one September drawn among those it can reach.
    reach = np.stack([cases.received + 200 <= _ymd(y, 9, 1) for y in years]) if years else np.zeros((0, cases.n), bool)
    n_reach = reach.sum(axis=0)
    choice = np.floor(ctx.rng.random(cases.n) * np.maximum(n_reach, 1)).astype("int64")
    cum = np.cumsum(reach, axis=0)
    for i, y in enumerate(years):
        yr[reach[i] & (cum[i] - 1 == choice)] = y
    eligible &= yr > 0
    per_year = min(3, max(1, int(k.max())))
    total = np.zeros(len(k), "int64")
    for y in years:
        left = np.maximum(k - total, 0)
        chosen = pick(ctx, eligible & (yr == y), cases.unit, np.minimum(left, per_year))
        plant[chosen] = P.PERIOD_END
        sept_year[chosen] = y
        eligible[chosen] = False
        total += np.bincount(cases.unit[chosen], minlength=len(k))
    return sept_year
