"""The key dates of every case: decision, notification, verification, classification,
and how and when it leaves the books.

Normal dates sit well inside every legal deadline (docs/rules.md): the decision
0–4 working days after receipt (limit 5), the first notification 0–2 working
days after the decision (limit 3), the first verification 11–20 days after the
notification (limit: 10-day voluntary period + 10 days). Planted cases (see
:mod:`.plants`) take the course their code names instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import plants as P
from ._base import NEVER, SQRT2, SQRT3, Ctx, low_discrepancy, month_of
from .cases import VOLUNTARY, WITH, WITHOUT, Cases

OPEN, COMPLETED, TERMINATED, ENTRUSTED, RETURNED = range(5)
CLOSE_NAMES = ("", "completed", "terminated", "entrusted", "returned")
NO_EPISODE, POSTPONED, SUSPENDED = range(3)

_FORCE_OPEN = (P.REVERIFY, P.REVERIFY_PRISON, P.PRISON_OK, P.ASSETS_FOUND, P.NO_VERIFICATION, P.MODEL,
               P.PERIOD_END, P.STALLED, P.STALLED_EXTRA, P.POSTPONE, P.DISBURSE_HELD)


@dataclass
class Plan:
    """Per-case dates (day numbers, ``NEVER`` when it does not happen)."""

    decision: np.ndarray
    notified: np.ndarray
    pay: np.ndarray            # voluntary payment (VOLUNTARY cases)
    first_verify: np.ndarray
    classified: np.ndarray     # first classification
    kind1: np.ndarray          # 0 none, WITH, WITHOUT
    v2: np.ndarray             # PERIOD_END: the verification that found nothing
    sept: np.ndarray           # PERIOD_END: the September reclassification
    switch_verify: np.ndarray  # WITHOUT → WITH: the verification that found assets
    switch: np.ndarray         # … and the classified_with that follows
    close_type: np.ndarray
    close_target: np.ndarray
    ep_kind: np.ndarray
    ep_start: np.ndarray
    ep_end: np.ndarray
    stall: np.ndarray
    held: np.ndarray
    last_verify: np.ndarray
    vmode: np.ndarray          # verification pattern of courses without conditions (plants.CLEAN …)
    long_prison: np.ndarray    # -1 missing, 0 false, 1 true


def _duration(q: np.ndarray) -> np.ndarray:
    """Days from classification to closure: log-logistic, median 150 days, a long tail
    (about 15% of cases with conditions run past a year and a half)."""
    q = np.clip(q, 1e-4, 1 - 1e-4)
    return np.clip(150 * (q / (1 - q)) ** (1 / 1.6), 40, 3000).astype("int64")


def _with_fate(ctx: Ctx, cases: Cases, idx: np.ndarray, start: np.ndarray, q: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Closure type and date of a course with conditions starting at ``start``."""
    kind = np.searchsorted(np.cumsum([0.80, 0.08, 0.05]), ctx.rng.random(len(idx)), side="right") + 1
    kind[(kind == RETURNED) & ~cases.on_request[idx]] = COMPLETED  # only a request can be returned
    return kind.astype("int8"), start + _duration(q)


def _sept_oct(days: np.ndarray, ctx: Ctx) -> np.ndarray:
    """A September day moved to the first days of October."""
    oct1 = (days.astype("datetime64[D]").astype("datetime64[M]") + 1).astype("datetime64[D]").astype("int64")
    return oct1 + ctx.ints(0, 4, len(days))


def compute(ctx: Ctx, cases: Cases, plant: np.ndarray, sept_year: np.ndarray, spike: np.ndarray) -> Plan:
    """Every case's key dates, honouring its plant code."""
    n, end, rng = cases.n, ctx.end, ctx.rng
    is_ = {code: plant == code for code in set(P.RULE_OF) | set(P.NEAR_OF) | {P.SPIKE}}
    received = cases.received

    dec_wd = ctx.ints(0, 4, n)
    dec_wd[is_[P.DECISION_LATE]] = ctx.ints(6, 20, int(is_[P.DECISION_LATE].sum()))
    dec_wd[is_[P.DECISION_EDGE]] = 5
    decided = ctx.add_working_days(received, dec_wd)
    decided[is_[P.DECISION_MISSING]] = NEVER
    not_wd = ctx.ints(0, 2, n)
    not_wd[is_[P.NOTIFY_LATE]] = ctx.ints(4, 15, int(is_[P.NOTIFY_LATE].sum()))
    not_wd[is_[P.NOTIFY_EDGE]] = 3
    notified = ctx.add_working_days(decided, not_wd)

    vol = cases.latent == VOLUNTARY
    pay = np.where(vol & (notified < NEVER), notified + ctx.ints(1, 9, n), NEVER)  # inside the 10-day voluntary period
    verified = np.where(notified < NEVER, notified + ctx.ints(11, 20, n), NEVER)
    late = is_[P.VERIFY_LATE]
    verified[late] = notified[late] + ctx.ints(25, 70, int(late.sum()))
    verified[is_[P.VERIFY_EDGE]] = notified[is_[P.VERIFY_EDGE]] + 20
    verified[vol | is_[P.VERIFY_MISSING]] = NEVER
    classified = np.where(verified < NEVER, verified + ctx.ints(1, 5, n), NEVER)
    nv = is_[P.NO_VERIFICATION]
    classified[nv] = notified[nv] + ctx.ints(11, 14, int(nv.sum()))
    verified[nv] = classified[nv] + ctx.ints(2, 6, int(nv.sum()))
    kind1 = np.where(classified < NEVER, np.where(cases.latent == WITHOUT, WITHOUT, WITH), 0).astype("int8")
    # No normal reclassification to "without conditions" falls in September (MC-PERIOD-END).
    sep = (kind1 == WITHOUT) & (classified < NEVER) & (month_of(np.minimum(classified, NEVER - 1)) == 9) & ~spike
    classified[sep] = _sept_oct(classified[sep], ctx)

    close_type = np.zeros(n, "int8")
    close_target = np.full(n, NEVER, "int64")
    close_type[vol] = COMPLETED  # the completion date follows the disbursement (life.py)

    # Courses with conditions from the first classification.
    w = np.flatnonzero((kind1 == WITH) & ~cases.asset)
    q = low_discrepancy(cases.unit, received + rng.random(n), SQRT2, ctx)
    close_type[w], close_target[w] = _with_fate(ctx, cases, w, classified[w], q[w])

    # Courses without conditions: some found assets later, some returned or terminated.
    switch_verify = np.full(n, NEVER, "int64")
    switch = np.full(n, NEVER, "int64")
    wo = np.flatnonzero(kind1 == WITHOUT)
    q3 = low_discrepancy(cases.unit, received + rng.random(n), SQRT3, ctx)[wo]
    sw = wo[q3 < 0.12]
    switch_verify[sw] = classified[sw] + ctx.ints(150, 900, len(sw))
    switch[sw] = switch_verify[sw] + ctx.ints(1, 5, len(sw))
    # Found on the last days: reclassified the same day, not left "without" with assets found.
    switch[sw] = np.where((switch_verify[sw] <= end) & (switch[sw] > end), end, switch[sw])
    close_type[sw], close_target[sw] = _with_fate(ctx, cases, sw, switch[sw], rng.random(len(sw)))
    ret = wo[(q3 >= 0.12) & (q3 < 0.42) & cases.on_request[wo]]
    close_type[ret], close_target[ret] = RETURNED, classified[ret] + ctx.ints(180, 1100, len(ret))
    ter = wo[(q3 >= 0.42) & (q3 < 0.46)]
    close_type[ter], close_target[ter] = TERMINATED, classified[ter] + ctx.ints(200, 1200, len(ter))

    # Postponement and suspension episodes of normal courses with conditions, resumed in time.
    ep_kind = np.zeros(n, "int8")
    ep_start = np.full(n, NEVER, "int64")
    ep_end = np.full(n, NEVER, "int64")
    room = close_target - classified
    ep_ok = (kind1 == WITH) & ~cases.asset & (plant == P.NONE) & (room > 260) & (close_target < NEVER)
    roll = rng.random(n)
    for kind, p_lo, p_hi, lo, hi in ((POSTPONED, 0.0, 0.05, 15, 80), (SUSPENDED, 0.05, 0.07, 20, 150)):
        e = np.flatnonzero(ep_ok & (roll >= p_lo) & (roll < p_hi))
        ep_kind[e] = kind
        ep_start[e] = classified[e] + ctx.ints(30, room[e] - 200, len(e))
        ep_end[e] = ep_start[e] + ctx.ints(lo, hi, len(e))

    # ---- planted courses ---------------------------------------------------
    force = np.isin(plant, _FORCE_OPEN)
    close_type[force], close_target[force] = OPEN, NEVER
    switch_verify[force], switch[force] = NEVER, NEVER
    stall = np.full(n, NEVER, "int64")
    st = np.flatnonzero(is_[P.STALLED] | is_[P.STALLED_EXTRA])
    stall[st] = end - ctx.ints(200, np.clip(end - classified[st] - 60, 200, 420), len(st))
    pp = np.flatnonzero(is_[P.POSTPONE])
    ep_kind[pp], ep_end[pp] = POSTPONED, NEVER
    ep_start[pp] = end - ctx.ints(100, np.clip(end - classified[pp] - 10, 100, 300), len(pp))
    dl = np.flatnonzero(is_[P.DISBURSE_LATE] | is_[P.DISBURSE_PARTIAL] | is_[P.DISBURSE_EDGE])
    close_type[dl] = COMPLETED
    close_target[dl] = ctx.ints(classified[dl] + 60, end - 45, len(dl))
    held = np.full(n, NEVER, "int64")
    hd = np.flatnonzero(is_[P.DISBURSE_HELD])
    held[hd] = end - ctx.ints(20, 100, len(hd))

    last_verify = np.full(n, NEVER, "int64")
    for code, lo, hi in ((P.REVERIFY, 215, 400), (P.REVERIFY_PRISON, 400, 480), (P.PRISON_OK, 235, 255)):
        r = np.flatnonzero(plant == code)
        last_verify[r] = end - ctx.ints(lo, np.clip(end - verified[r] - 20, lo, hi), len(r))
    long_prison = np.where(rng.random(n) < 0.3, 0, -1).astype("int8")
    long_prison[is_[P.REVERIFY_PRISON] | is_[P.PRISON_OK]] = 1
    vmode = np.full(n, P.CLEAN, "int8")
    vmode[is_[P.ASSETS_FOUND]] = P.ASSETS_PLANT
    vmode[is_[P.MODEL]] = P.MODEL_PLANT

    v2 = np.full(n, NEVER, "int64")
    sept = np.full(n, NEVER, "int64")
    pe = np.flatnonzero(is_[P.PERIOD_END] & (sept_year > 0))
    sept1 = (np.array(sept_year[pe] - 1970, dtype="datetime64[Y]").astype("datetime64[M]") + 8
             ).astype("datetime64[D]").astype("int64")
    sept[pe] = np.minimum(sept1 + ctx.ints(0, 29, len(pe)), end)
    v2[pe] = sept[pe] - ctx.ints(35, 80, len(pe))

    return Plan(decision=decided, notified=notified, pay=pay, first_verify=verified, classified=classified, kind1=kind1, v2=v2,
                sept=sept, switch_verify=switch_verify, switch=switch, close_type=close_type,
                close_target=close_target, ep_kind=ep_kind, ep_start=ep_start, ep_end=ep_end, stall=stall,
                held=held, last_verify=last_verify, vmode=vmode, long_prison=long_prison)
