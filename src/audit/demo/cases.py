"""Who the cases are: type, parties, money, and the course each is meant to take.

Each case gets a *latent course* — the debtor pays in the voluntary period
(``VOLUNTARY``), has the means (``WITH``) or has none (``WITHOUT``) — drawn
from evenly spread uniforms in order of receipt, so that every unit has the
same mix up to rounding and unit comparisons stay quiet unless an anomaly is
planted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..contract import CASE_TYPES
from ._base import PHI, Ctx, low_discrepancy

VOLUNTARY, WITH, WITHOUT = 0, 1, 2
CIVIL, BANK, CORRUPTION, FEES, ADMIN, OTHER = range(6)
assert CASE_TYPES[BANK] == "bank_credit" and CASE_TYPES[FEES] == "state_fees_fines"

_TYPE_P = np.array([0.33, 0.14, 0.03, 0.40, 0.03, 0.07])
# Median (VND) and log-sd of the amount due, by case type: fees and fines are small,
# bank credit and corruption cases run to billions.
_MEDIAN = np.array([60e6, 1.0e9, 1.5e9, 4e6, 25e6, 40e6])
_SIGMA = np.array([1.3, 0.9, 1.1, 1.0, 1.0, 1.2])
MAX_AMOUNT = 2e10
_NON_MONETARY = np.array([0.10, 0.0, 0.0, 0.0, 0.20, 0.10])
_ON_REQUEST = np.array([0.97, 1.0, 0.0, 0.0, 0.5, 0.5])
_DEBTOR_ORG = np.array([0.12, 0.45, 0.20, 0.05, 0.30, 0.20])
# creditor_kind codes: state, person, organization, bank
CREDITOR_KINDS = ("state", "person", "organization", "bank")
_CREDITOR_P = np.array([
    [0.00, 0.75, 0.25, 0.00],   # civil
    [0.00, 0.00, 0.00, 1.00],   # bank credit
    [1.00, 0.00, 0.00, 0.00],   # corruption
    [1.00, 0.00, 0.00, 0.00],   # fees and fines
    [0.50, 0.30, 0.20, 0.00],   # administrative
    [0.20, 0.60, 0.20, 0.00],   # other
])
_ASSET_P = np.array([0.20, 0.45, 0.40, 0.0, 0.0, 0.0])  # seized-asset course, of WITH cases
VOLUNTARY_SHARE = 0.12
WITHOUT_SHARE = 0.32
WITHOUT_SHARE_PLANTED = 0.62  # the MC-UNIT-SHARE unit
_VOLUNTARY_MAX = 300e6


@dataclass
class Cases:
    """One array per attribute, one element per case (generation order, not output order)."""

    unit: np.ndarray
    received: np.ndarray
    case_type: np.ndarray
    on_request: np.ndarray
    debtor_org: np.ndarray
    debtor_no: np.ndarray
    creditor: np.ndarray
    amount: np.ndarray
    latent: np.ndarray
    asset: np.ndarray

    @property
    def n(self) -> int:
        return len(self.unit)


def case_counts(ctx: Ctx, units: int, cases_per_unit: int) -> np.ndarray:
    """Cases per unit code. The province unit (code 0) handles none itself: a unit with a
    few dozen cases would stand out of every peer comparison by chance alone."""
    regional = np.round(cases_per_unit * ctx.rng.uniform(0.9, 1.1, units)).astype("int64")
    return np.concatenate([[0], np.maximum(regional, 1)])


def amount_caps(counts: np.ndarray, executors: np.ndarray) -> np.ndarray:
    """Largest amount due per unit: 20 bn VND, less where executors hold fewer than 150 cases,
    so that no single case outweighs an executor's whole caseload (WL-CASELOAD)."""
    return MAX_AMOUNT * np.clip(counts / np.maximum(executors, 1) / 150, 0.1, 1.0)


def draw_cases(ctx: Ctx, counts: np.ndarray, share_units: np.ndarray, cap: np.ndarray) -> Cases:
    """Draw every case's attributes; ``share_units`` get a much larger WITHOUT share, amounts
    stay under the unit's ``cap``."""
    rng = ctx.rng
    unit = np.repeat(np.arange(len(counts)), counts)
    n = len(unit)
    working = ctx.working_days_in(ctx.start, ctx.end)
    received = working[rng.integers(0, len(working), n)]
    ctype = rng.choice(6, n, p=_TYPE_P)
    amount = np.exp(np.log(_MEDIAN[ctype]) + _SIGMA[ctype] * rng.standard_normal(n))
    amount = (np.clip(amount, 2e5, cap[unit]) // 1000 * 1000).astype("int64")
    amount[rng.random(n) < _NON_MONETARY[ctype]] = 0
    creditor = (rng.random(n)[:, None] > np.cumsum(_CREDITOR_P[ctype], axis=1)).sum(axis=1)

    u = low_discrepancy(unit, received * 1.0 + rng.random(n), PHI, ctx)
    without_share = np.where(np.isin(unit, share_units), WITHOUT_SHARE_PLANTED, WITHOUT_SHARE)
    latent = np.where(u < VOLUNTARY_SHARE, VOLUNTARY,
                      np.where(u < VOLUNTARY_SHARE + without_share, WITHOUT, WITH))
    can_pay_at_once = (amount > 0) & (amount <= _VOLUNTARY_MAX)
    latent[(latent == VOLUNTARY) & ~can_pay_at_once] = WITH
    asset = (latent == WITH) & (rng.random(n) < _ASSET_P[ctype]) & ((ctype != CIVIL) | (amount >= 1e8))
    pool = np.maximum((counts * 0.9).astype("int64"), 1)
    return Cases(
        unit=unit, received=received, case_type=ctype,
        on_request=rng.random(n) < _ON_REQUEST[ctype], debtor_org=rng.random(n) < _DEBTOR_ORG[ctype],
        debtor_no=rng.integers(0, pool[unit]), creditor=creditor, amount=amount,
        latent=latent.astype("int8"), asset=asset,
    )
