"""From key dates to the event history: every action of every case, vectorised by
kind of action (never by case).

A course *with conditions* gets an action (a notification or a verification
that finds assets) every 45–120 days, so no open case goes 180 days without
one (ST-NO-ACTION), and collections paid out 1–9 days later (DI-LATE, limit 10).
A course *without conditions* is re-verified every 120–170 days (DL-REVERIFY,
limit six months), every verification finding nothing (MC-ASSETS-FOUND).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..contract import EVENT_TYPES
from . import plants as P
from ._base import NEVER, Ctx, expand, schedule
from .cases import WITH, WITHOUT, Cases
from .plants import CLEAN, FOUND
from .timeline import COMPLETED, ENTRUSTED, OPEN, POSTPONED, RETURNED, SUSPENDED, TERMINATED, Plan

ET = {name: i for i, name in enumerate(EVENT_TYPES)}
CLOSE_EVENT = {COMPLETED: ET["completed"], TERMINATED: ET["terminated"], ENTRUSTED: ET["entrusted"],
               RETURNED: ET["returned"]}
NO_AMOUNT = np.iinfo("int64").min


@dataclass
class History:
    """Events and verifications as parallel arrays (case index, day, …)."""

    parts: list[tuple[np.ndarray, ...]] = field(default_factory=list)
    verif: list[tuple[np.ndarray, ...]] = field(default_factory=list)

    def event(self, case: np.ndarray, day: np.ndarray, etype: int | np.ndarray,
              amount: np.ndarray | None = None, ref: np.ndarray | None = None) -> None:
        n = len(case)
        self.parts.append((
            np.asarray(case, "int64"), np.asarray(day, "int64"), np.broadcast_to(np.int16(etype), n).astype("int16"),
            np.full(n, NO_AMOUNT, "int64") if amount is None else np.asarray(amount, "int64"),
            np.full(n, -1, "int64") if ref is None else np.asarray(ref, "int64"),
        ))

    def verification(self, case: np.ndarray, day: np.ndarray, mode: int | np.ndarray) -> None:
        """A verification: a ``verification`` event and a verifications row (pattern ``mode``)."""
        self.event(case, day, ET["verification"])
        self.verif.append((np.asarray(case, "int64"), np.asarray(day, "int64"),
                           np.broadcast_to(np.int8(mode), len(case)).astype("int8")))

    def arrays(self) -> dict[str, np.ndarray]:
        cols = [np.concatenate(c) for c in zip(*self.parts, strict=True)]
        return dict(zip(("case", "day", "etype", "amount", "ref"), cols, strict=True))

    def verification_arrays(self) -> dict[str, np.ndarray]:
        cols = [np.concatenate(c) for c in zip(*self.verif, strict=True)]
        return dict(zip(("case", "day", "mode"), cols, strict=True))


def _sorted_fractions(ctx: Ctx, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For k items per row: the row, the position, and increasing fractions ending at 1."""
    rows, pos = expand(k)
    u = ctx.rng.random(len(rows)) * 0.95  # below 1, so the last share is never empty
    u[pos == k[rows] - 1] = 1.0
    u = u[np.lexsort((u, rows))]
    return rows, pos, u


def _split(total: np.ndarray, rows: np.ndarray, pos: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Whole-thousand shares of each row's total at cumulative fractions ``frac``."""
    cum = np.floor(total[rows] // 1000 * frac).astype("int64")
    prev = np.where(pos > 0, np.r_[0, cum[:-1]], 0)
    return (cum - prev) * 1000


def _collections(ctx: Ctx, h: History, case: np.ndarray, start: np.ndarray, stop: np.ndarray,
                 total: np.ndarray, k: np.ndarray, plant: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Collections of ``total`` spread over (start, stop], each paid out 1–9 days later
    (DI plants excepted). Returns, per row, the latest disbursement (NEVER if none) and the
    amount collected."""
    k = np.where(stop - start > 3, k, 0)
    rows, pos, frac = _sorted_fractions(ctx, k)
    _, _, share = _sorted_fractions(ctx, k)
    day = start[rows] + 3 + np.floor((stop[rows] - start[rows] - 3) * frac).astype("int64")
    amount = _split(total, rows, pos, share)
    keep = amount > 0
    rows, pos, day, amount = rows[keep], pos[keep], day[keep], amount[keep]
    c = case[rows]
    h.event(c, day, ET["collection"], amount)
    paid = day + ctx.ints(1, 9, len(day))
    last = pos == (k[rows] - 1)
    pl = plant[c]
    late = last & (pl == P.DISBURSE_LATE)
    paid[late] = day[late] + ctx.ints(12, 40, int(late.sum()))
    edge = last & (pl == P.DISBURSE_EDGE)
    paid[edge] = day[edge] + 10  # the deadline day itself
    part = last & (pl == P.DISBURSE_PARTIAL)
    first = amount[part] * ctx.rng.uniform(0.3, 0.7, int(part.sum())) // 1000 * 1000
    h.event(c[part], paid[part], ET["disbursement"], first)
    rest_day = day[part] + ctx.ints(15, 45, int(part.sum()))
    h.event(c[part], rest_day, ET["disbursement"], amount[part] - first)
    whole = ~part
    h.event(c[whole], paid[whole], ET["disbursement"], amount[whole])
    paid[part] = rest_day
    latest = np.full(len(case), -1, "int64")
    np.maximum.at(latest, rows, paid)
    collected = np.bincount(rows, weights=amount, minlength=len(case)).astype("int64")
    return np.where(latest >= 0, latest, NEVER), collected


def _with_courses(ctx: Ctx, h: History, cases: Cases, plan: Plan, plant: np.ndarray,
                  closed_on: np.ndarray) -> None:
    """Courses with conditions: actions, collections, episodes and closure."""
    end = ctx.end
    pe = plant == P.PERIOD_END
    final1 = np.flatnonzero((plan.kind1 == WITH) & ~pe)
    after_switch = np.flatnonzero(plan.switch < NEVER)
    before_sept = np.flatnonzero((plan.kind1 == WITH) & pe)
    case = np.concatenate([final1, after_switch, before_sept])
    start = np.concatenate([plan.classified[final1], plan.switch[after_switch], plan.classified[before_sept]])
    final = np.arange(len(case)) < len(final1) + len(after_switch)
    ctype = np.where(final, plan.close_type[case], OPEN)
    target = np.where(final, plan.close_target[case], NEVER)
    amount = cases.amount[case]
    asset = cases.asset[case]
    stall = plan.stall[case]

    # Actions until closure (or the stall of a planted ST case, or the September switch).
    act_stop = np.where(ctype == OPEN, stall, target)
    act_stop = np.where(~final, plan.v2[case], act_stop)
    complete = (ctype == COMPLETED) & ~asset & (amount > 0)
    act_stop = np.where(complete, target - 14, act_stop)
    rows, days = schedule(ctx, start, act_stop, 45, 120)
    verify = ctx.chance(0.3, len(rows))
    h.verification(case[rows[verify]], days[verify], FOUND)
    h.event(case[rows[~verify]], days[~verify], ET["notification"])

    # Collections: the whole amount by closure, or a part of it.
    k_full = ctx.rng.choice(np.array([1, 2, 3, 4]), len(case), p=[0.35, 0.30, 0.20, 0.15])
    k_full = np.where((amount < 10e6) | (target - start < 40), 1, k_full)
    k_part = ctx.rng.choice(np.array([0, 1, 2]), len(case), p=[0.3, 0.4, 0.3])
    partial = (amount > 0) & ~asset & ~complete & ~np.isin(ctype, (ENTRUSTED, RETURNED))
    col_stop = np.where(ctype == TERMINATED, target - 12, end)
    col_stop = np.where(stall < NEVER, stall - 12, col_stop)
    col_stop = np.where(plan.held[case] < NEVER, end - 110, col_stop)
    col_stop = np.where(~final, plan.v2[case] - 12, col_stop)
    part_total = (amount * ctx.rng.uniform(0.1, 0.5, len(case))) // 1000 * 1000
    k = np.where(complete, k_full, np.where(partial, k_part, 0))
    total = np.where(complete, amount, part_total)
    stop = np.where(complete, target - 14, col_stop)
    paid_last, collected = _collections(ctx, h, case, start, stop, total, k, plant)

    # Money still held on the as-of date (DI-LATE, planted).
    hd = np.flatnonzero(plan.held[case] < NEVER)
    held_amount = np.maximum((amount[hd] - collected[hd]) * ctx.rng.uniform(0.1, 0.3, len(hd)) // 1000 * 1000, 1000)
    h.event(case[hd], plan.held[case[hd]], ET["collection"], held_amount)

    # Postponement / suspension episodes.
    ep = case[final & (plan.ep_kind[case] != 0)]
    for kind, name in ((POSTPONED, "postponed"), (SUSPENDED, "suspended")):
        e = ep[plan.ep_kind[ep] == kind]
        h.event(e, plan.ep_start[e], ET[name])
        r = e[plan.ep_end[e] < NEVER]
        h.event(r, plan.ep_end[r], ET["resumed"])

    # Closure: completion follows the last disbursement; other closures fall on the target.
    closing = final & (ctype != OPEN)
    close_day = np.where(complete, paid_last + ctx.ints(0, 3, len(case)), target)
    c = case[closing]
    closed_on[c] = close_day[closing]
    for kind, etype in CLOSE_EVENT.items():
        sel = closing & (ctype == kind)
        h.event(case[sel], close_day[sel], etype)


def _without_courses(ctx: Ctx, h: History, plan: Plan, plant: np.ndarray, closed_on: np.ndarray) -> None:
    """Courses without conditions: re-verification, a later find of assets, or closure."""
    first = np.flatnonzero(plan.kind1 == WITHOUT)
    sept = np.flatnonzero((plant == P.PERIOD_END) & (plan.sept < NEVER))
    case = np.concatenate([first, sept])
    base = np.concatenate([plan.first_verify[first], plan.v2[sept]])
    stop = np.full(len(case), NEVER, "int64")
    n1 = len(first)
    ends_by_closure = (plan.switch[first] == NEVER) & np.isin(plan.close_type[first], (RETURNED, TERMINATED))
    stop[:n1] = np.minimum(plan.switch_verify[first], np.where(ends_by_closure, plan.close_target[first], NEVER))
    stop = np.minimum(stop, plan.last_verify[case])
    rows, days = schedule(ctx, base, stop, 120, 170)
    h.verification(case[rows], days, plan.vmode[case[rows]])
    lv = case[plan.last_verify[case] < NEVER]
    h.verification(lv, plan.last_verify[lv], plan.vmode[lv])

    # The September reclassification of PERIOD_END plants, on a verification 35–80 days old.
    h.verification(sept, plan.v2[sept], CLEAN)
    h.event(sept, plan.sept[sept], ET["classified_without"])
    # Assets found at last: verification, then classified with conditions.
    sw = first[plan.switch[first] < NEVER]
    h.verification(sw, plan.switch_verify[sw], FOUND)
    h.event(sw, plan.switch[sw], ET["classified_with"])
    cl = first[ends_by_closure]
    closed_on[cl] = plan.close_target[cl]
    for kind in (RETURNED, TERMINATED):
        sel = cl[plan.close_type[cl] == kind]
        h.event(sel, plan.close_target[sel], CLOSE_EVENT[kind])


def history(ctx: Ctx, cases: Cases, plan: Plan, plant: np.ndarray) -> tuple[History, np.ndarray]:
    """Every event and verification of the cases' courses (asset chains excepted: see
    :mod:`.assets`). Returns the history and each case's closure day (NEVER if none)."""
    n, rng = cases.n, ctx.rng
    h = History()
    closed_on = np.full(n, NEVER, "int64")
    every = np.arange(n)
    h.event(every, cases.received, ET["received"])
    d = every[plan.decision < NEVER]
    h.event(d, plan.decision[d], ET["decision"])
    nt = every[plan.notified < NEVER]
    h.event(nt, plan.notified[nt], ET["notification"])

    # Paid in full inside the voluntary period: no verification is needed.
    v = every[plan.pay < NEVER]
    h.event(v, plan.pay[v], ET["collection"], cases.amount[v])
    paid = plan.pay[v] + ctx.ints(1, 9, len(v))
    h.event(v, paid, ET["disbursement"], cases.amount[v])
    closed_on[v] = paid + ctx.ints(0, 3, len(v))
    h.event(v, closed_on[v], ET["completed"])

    # MODEL plants paid part of the debt in the voluntary period, as debtors with means do.
    mp = every[(plant == P.MODEL) & (plan.notified < NEVER)]
    part = (cases.amount[mp] * rng.uniform(0.4, 0.8, len(mp))) // 1000 * 1000
    day = plan.notified[mp] + ctx.ints(1, 9, len(mp))
    h.event(mp, day, ET["collection"], part)
    h.event(mp, day + ctx.ints(1, 9, len(mp)), ET["disbursement"], part)

    f = every[plan.first_verify < NEVER]
    h.verification(f, plan.first_verify[f], np.where(plan.kind1[f] == WITH, FOUND, plan.vmode[f]))
    c = every[plan.classified < NEVER]
    h.event(c, plan.classified[c], np.where(plan.kind1[c] == WITH, ET["classified_with"], ET["classified_without"]))

    _with_courses(ctx, h, cases, plan, plant, closed_on)
    _without_courses(ctx, h, plan, plant, closed_on)

    return h, closed_on
