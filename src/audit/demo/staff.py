"""Who handles which case: executors get even shares of every kind of case.

Within a unit, cases are dealt to executors group by group (open, closed),
largest amount first, each to whoever holds least money among those not yet
over their share of cases: open cases and money owed come out level
(WL-CASELOAD). Stalled cases fall to executors by chance (uniformly at random
within the unit), so stalled shares vary as chance makes them: the true
negatives of WL-STALLED-SHARE, whose false discovery rate is controlled.
Planted: an executor who is then given another ``2/(n+2)`` of every colleague's
open cases — three times the median — and an executor who holds all the extra
stalled cases.
"""

from __future__ import annotations

import numpy as np

from . import plants as P
from ._base import Ctx


def deal(ctx: Ctx, unit: np.ndarray, money: np.ndarray, per_unit: np.ndarray, load: np.ndarray,
         count: np.ndarray, slack: float) -> np.ndarray:
    """Position (within its unit) of each case's executor: largest amount first, each case to
    the executor holding least money (``load``, updated in place) among those with fewer
    than ``slack`` times their even share of the cases (``count``, updated in place).

    One step per rank, vectorised over units: a unit's first cases go out together.
    """
    width = load.shape[1]
    order = np.lexsort((-money, unit))
    u = unit[order]
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]]) if len(u) else np.array([], "int64")
    sizes = np.diff(np.r_[starts, len(u)])
    rank = np.arange(len(u)) - np.repeat(starts, sizes)
    share = np.bincount(unit, minlength=len(per_unit)) / np.maximum(per_unit, 1)
    cap = np.ceil(share * slack).astype("int64")[:, None] + count
    exists = np.arange(width)[None, :] < per_unit[:, None]
    tie = ctx.rng.random(load.shape) * 1e-6  # random among equals, so no executor is always first
    out = np.empty(len(unit), "int64")
    by_rank = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[by_rank], np.arange(int(rank.max(initial=-1)) + 2))
    for r in range(len(bounds) - 1):
        items = order[by_rank[bounds[r]:bounds[r + 1]]]
        us = unit[items]
        free = exists[us] & (count[us] < cap[us])
        chosen = np.argmin(np.where(free, load[us] + tie[us], np.inf), axis=1)
        out[items] = chosen
        load[us, chosen] += money[items]
        count[us, chosen] += 1
    return out


def assign(ctx: Ctx, unit: np.ndarray, is_open: np.ndarray, plant: np.ndarray, money: np.ndarray,
           per_unit: np.ndarray, load_units: np.ndarray, stall_units: np.ndarray
           ) -> tuple[np.ndarray, list[tuple[str, int, int, str]]]:
    """Executor (global index) per case, and the planted workload findings as
    (rule, unit code, executor position within the unit, note)."""
    first = np.cumsum(per_unit) - per_unit
    width = int(per_unit.max(initial=1))
    load = np.zeros((len(per_unit), width))
    count = np.zeros((len(per_unit), width), "int64")
    pos = np.zeros(len(unit), "int64")
    extra = plant == P.STALLED_EXTRA  # all to the first executor of the unit
    np.add.at(load, (unit[extra], 0), money[extra])
    # Stalled cases by chance, then open cases, then closed ones dealt evenly.
    st = np.flatnonzero(plant == P.STALLED)
    # (their money is left out of the dealing: an executor dealt more of them by chance is not
    # then dealt fewer other cases, which would make the chance excess a real one)
    pos[st] = np.floor(ctx.rng.random(len(st)) * per_unit[unit[st]]).astype("int64")
    for group, slack in ((is_open & ~extra & (plant != P.STALLED), 1.15), (~is_open & ~extra, 1.15)):
        idx = np.flatnonzero(group)
        pos[idx] = deal(ctx, unit[idx], money[idx], per_unit, load, count, slack)
        count[:] = 0  # the count limit holds within a group
    truth = []
    for u in stall_units:
        n_extra = int((extra & (unit == u)).sum())
        if n_extra:
            truth.append(("WL-STALLED-SHARE", int(u), 0, f"{n_extra} extra stalled cases"))
    stalled_units = {int(u) for u in stall_units}
    for u in load_units:
        n = int(per_unit[u])
        heavy = 1 if int(u) in stalled_units else 0  # not the stalled-share executor
        movable = (unit == u) & is_open & (pos != heavy) & ~np.isin(plant, (P.STALLED, P.STALLED_EXTRA))
        move = movable & (ctx.rng.random(len(unit)) < 2 / (n + 2))
        if n >= 3 and move.any():
            pos[move] = heavy
            truth.append(("WL-CASELOAD", int(u), heavy, "about three times the unit median of open cases"))
    return first[unit] + pos, truth
