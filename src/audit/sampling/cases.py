"""Drawing cases inside a unit: certainty cases, a stratified sample and a monetary-unit sample.

- Every case with a high-severity finding is taken (certainty part).
- Of the other cases on the unit's books in the window, a stratified random
  sample (strata: condition, case type, executor by default) of the attribute
  sampling size, allocated proportionally with at least one case per non-empty
  stratum when the size allows.
- Over the same cases' amounts due, a monetary-unit sample (MUS): probability
  proportional to amount, systematic with a random start over the cumulative
  amounts, of the size ``n = BV·R/(TM − EM·EF)``.

The two random parts are independent draws; a case drawn by both is listed
once with both reasons and both probabilities.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..i18n import LANGUAGES, fmt_int, fmt_money, fmt_pct, t
from .commit import check_cycle, check_redraw, commit
from .params import EXPANSION_FACTORS, load_params
from .risk import rules_sha256
from .seal import rng
from .units import inclusion_probabilities, source_label, systematic_pps

__all__ = ["EXPANSION_FACTORS", "AttributeSize", "MusSize", "attribute_sample_size", "mus_sample_size",
           "allocate", "draw_cases", "commit_cases", "cases_frame", "case_frame", "case_rows", "case_table",
           "CSV_COLUMNS"]
_MAX_N = 200_000


@dataclass(frozen=True)
class AttributeSize:
    """Attribute sampling size: ``n`` cases, allowing ``deviations`` expected deviations."""

    n: int
    exact: float  # the formula's value before rounding up (zero expected deviations), else n
    deviations: int
    confidence: float
    tolerable_rate: float
    expected_rate: float


@dataclass(frozen=True)
class MusSize:
    """Monetary-unit sampling size and interval; money in whole VND."""

    n: int
    exact: float
    reliability: float
    expansion: float
    book_value: int
    tolerable: int
    expected: int
    interval: int  # book value ÷ n, rounded down (0 when nothing is drawn)


def attribute_sample_size(confidence: float, tolerable_rate: float, expected_rate: float = 0.0
                          ) -> AttributeSize:
    """Cases needed to conclude, at ``confidence``, that the deviation rate is below ``tolerable_rate``.

    With no expected deviation, ``n = ln(1 − confidence) / ln(1 − tolerable_rate)`` rounded up
    (95%, 5% → 58.4 → 59). Otherwise the smallest ``n`` for which finding
    ``k = ceil(expected_rate·n)`` deviations still leaves the binomial upper limit at the
    tolerable rate — the AICPA table's rule (95%, 5%, 1% → 93 with 1; 2% → 181 with 4).
    """
    from scipy.stats import binom

    if expected_rate == 0:
        exact = math.log(1 - confidence) / math.log(1 - tolerable_rate)
        # Rounded up; the tolerance keeps an exact integer from becoming the next one.
        return AttributeSize(math.ceil(exact - 1e-9), exact, 0, confidence, tolerable_rate, 0.0)
    ns = np.arange(1, _MAX_N + 1)
    ks = np.ceil(expected_rate * ns - 1e-9)
    ok = np.flatnonzero(binom.cdf(ks, ns, tolerable_rate) <= 1 - confidence)
    if not len(ok):
        raise ParameterError(f"no sample of up to {_MAX_N:,} cases reaches that confidence: "
                             "lower cases.expected_rate or raise cases.tolerable_rate")
    n = int(ns[ok[0]])
    return AttributeSize(n, float(n), int(ks[ok[0]]), confidence, tolerable_rate, expected_rate)


def mus_sample_size(book_value: int, tolerable: int, confidence: float, expected: int = 0) -> MusSize:
    """Monetary units to draw: ``n = BV·R / (TM − EM·EF)`` rounded up, ``R = −ln(1 − confidence)``.

    Example: BV 10,000,000,000, TM 500,000,000, 95% → R = 2.9957, n = 59.9 → 60.
    """
    reliability = -math.log(1 - confidence)
    expansion = EXPANSION_FACTORS.get(confidence, 1.0) if expected > 0 else 1.0
    room = tolerable - expected * expansion
    if room <= 0:
        raise ParameterError("cases.expected_misstatement × expansion factor must stay below "
                             "cases.tolerable_misstatement")
    exact = book_value * reliability / room
    n = math.ceil(exact - 1e-9) if book_value > 0 else 0
    return MusSize(n, exact, reliability, expansion, int(book_value), int(tolerable), int(expected),
                   int(book_value) // n if n else 0)


def allocate(sizes: np.ndarray, n: int) -> np.ndarray:
    """Proportional allocation of ``n`` over strata of ``sizes``, at least one per stratum.

    Requires ``len(sizes) <= n <= sum(sizes)``. Largest remainders settle the rounding;
    ties go to the earlier stratum, so the allocation is a function of the sizes only.
    """
    sizes = np.asarray(sizes, dtype="int64")
    ideal = n * sizes / sizes.sum()
    alloc = np.minimum(np.maximum(np.floor(ideal).astype("int64"), 1), sizes)
    while alloc.sum() > n:  # the minimum of one pushed the total over: take from the most over-served
        over = np.where(alloc > 1, alloc - ideal, -np.inf)
        alloc[int(np.argmax(over))] -= 1
    while alloc.sum() < n:
        room = np.where(alloc < sizes, ideal - alloc, -np.inf)
        alloc[int(np.argmax(room))] += 1
    return alloc


def _stratified(pop: pd.DataFrame, n: int, strata: list[str], gen: np.random.Generator
                ) -> tuple[pd.Series, pd.DataFrame]:
    """Case → inclusion probability for the drawn cases, and the allocation per stratum."""
    keys = pop[strata].astype("str").agg(" | ".join, axis=1) if len(pop) else pd.Series(dtype="str")
    groups = {k: g.sort_values().to_numpy() for k, g in pop["case_id"].groupby(keys, sort=True)}
    names = list(groups)
    sizes = np.array([len(groups[k]) for k in names], dtype="int64")
    if n >= sizes.sum():
        alloc, pi_h = sizes.copy(), np.ones(len(sizes))
    elif n >= len(names):
        alloc = allocate(sizes, n)
        pi_h = np.ones(len(sizes))
    else:
        # Fewer cases than strata: strata are drawn with probability proportional to size
        # and give one case each, which keeps every case's chance at about n/N.
        pi_h = inclusion_probabilities(sizes.astype("float64"), n)
        alloc = np.zeros(len(sizes), dtype="int64")
        alloc[systematic_pps(pi_h, gen)] = 1
    drawn: dict[str, float] = {}
    for k, size, a, p in zip(names, sizes, alloc, pi_h, strict=True):
        share = (a / size) if n >= len(names) else p / size
        for case in gen.choice(groups[k], size=int(a), replace=False) if a else []:
            drawn[str(case)] = float(share)
    table = pd.DataFrame({"stratum": names, "population": sizes, "sample": alloc})
    return pd.Series(drawn, dtype="float64"), table


def _mus(pop: pd.DataFrame, size: MusSize, gen: np.random.Generator) -> tuple[pd.Series, pd.Series]:
    """Case → probability and number of monetary units hit, systematic over cumulative amounts."""
    items = pop.loc[pop["amount_due"] > 0].sort_values("case_id", kind="stable")
    items = items.iloc[gen.permutation(len(items))]
    if size.n == 0 or items.empty:
        return pd.Series(dtype="float64"), pd.Series(dtype="int64")
    amounts = items["amount_due"].to_numpy(dtype="int64")
    cum = np.cumsum(amounts)
    bv = int(cum[-1])
    start = int(gen.integers(0, bv))
    # Point k is floor((start + k·BV) / n): exact integer arithmetic, no float interval drift.
    points = np.array([(start + k * bv) // size.n for k in range(size.n)], dtype="int64")
    hit_idx = np.searchsorted(cum, points, side="right")
    ids = items["case_id"].to_numpy()
    hits = pd.Series(ids[hit_idx]).value_counts().sort_index()
    amount = pd.Series(amounts, index=ids)
    pi = (size.n * amount.loc[hits.index].astype("float64") / bv).clip(upper=1.0)
    return pi, hits.astype("int64")


def _num(value: float, lang: str, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "vi" else text


def _explain(attr: AttributeSize, mus: MusSize, strata: list[str], n_rest: int, n_certain: int,
             n_strat: int, n_strata: int, n_mus: int) -> dict[str, str]:
    out = {}
    for lang in LANGUAGES:
        pct = {"confidence": fmt_pct(attr.confidence, lang, 1), "tolerable": fmt_pct(attr.tolerable_rate, lang, 1),
               "expected": fmt_pct(attr.expected_rate, lang, 2),
               "c": _num(attr.confidence, lang, 2), "tr": _num(attr.tolerable_rate, lang, 2)}
        parts = [t("sampling.cases.explain.certainty", lang, n=fmt_int(n_certain, lang))]
        if attr.deviations == 0:
            parts.append(t("sampling.cases.explain.attribute_zero", lang, n=fmt_int(attr.n, lang),
                           exact=_num(attr.exact, lang, 2), **pct))
        else:
            parts.append(t("sampling.cases.explain.attribute_expected", lang, n=fmt_int(attr.n, lang),
                           k=attr.deviations, **pct))
        if n_rest <= attr.n:
            parts.append(t("sampling.cases.explain.census", lang, n=fmt_int(n_rest, lang)))
        names = ", ".join(t(f"sampling.strata.{s}", lang) for s in strata)
        parts.append(t("sampling.cases.explain.strata", lang, n=fmt_int(n_strat, lang),
                       strata=fmt_int(n_strata, lang), names=names))
        key = "sampling.cases.explain.mus" if mus.expected == 0 else "sampling.cases.explain.mus_expected"
        parts.append(t(key, lang, n=fmt_int(mus.n, lang), bv=fmt_money(mus.book_value, lang),
                       tm=fmt_money(mus.tolerable, lang), em=fmt_money(mus.expected, lang),
                       ef=_num(mus.expansion, lang, 2), r=_num(mus.reliability, lang, 4),
                       exact=_num(mus.exact, lang, 2), interval=fmt_money(mus.interval, lang),
                       c=pct["c"], confidence=pct["confidence"]))
        if n_mus < mus.n:
            parts.append(t("sampling.cases.explain.mus_distinct", lang, m=fmt_int(n_mus, lang),
                           n=fmt_int(mus.n, lang)))
        out[lang] = " ".join(parts)
    return out


def draw_cases(frame: pd.DataFrame, params: dict[str, Any], as_of: dt.date, seed: bytes) -> dict[str, Any]:
    """Draw a unit's cases (pure: everything random comes from ``seed``).

    Parameters
    ----------
    frame : DataFrame
        One row per case of the unit: case_id, executor_id, case_type, condition,
        initiation, amount_due (int), closed_date, flagged (rule ids of the findings
        of each severity, as ``flag_<severity>`` columns).
    params : dict
        The sampling parameters (``cases`` section used).
    as_of : date
    seed : bytes

    Returns
    -------
    dict
        ``sizes``, ``strata``, ``cases`` (the drawn cases with reasons and probabilities),
        ``selected`` and ``explanation`` (vi, en).
    """
    p = params["cases"]
    flags = frame[[f"flag_{s}" for s in p["certainty_severities"]]].fillna("")
    rules = pd.Series([", ".join(sorted({x for v in row for x in v.split(", ") if x}))
                       for row in flags.itertuples(index=False)], index=frame.index, dtype="str")
    certain = rules != ""
    since = pd.Timestamp(as_of - dt.timedelta(days=p["window_days"] - 1))
    on_books = frame["closed_date"].isna() | (frame["closed_date"] >= since)
    rest = frame.loc[on_books & ~certain]
    attr = attribute_sample_size(p["confidence"], p["tolerable_rate"], p["expected_rate"])
    n_strat = min(attr.n, len(rest))
    strat_pi, strata = _stratified(rest, n_strat, p["strata"], rng(seed, "stratified"))
    book_value = int(rest["amount_due"].clip(lower=0).sum())
    mus = mus_sample_size(book_value, p["tolerable_misstatement"], p["confidence"], p["expected_misstatement"])
    mus_pi, mus_hits = _mus(rest, mus, rng(seed, "mus"))

    by_id = frame.assign(rules=rules.to_numpy(), certain=certain.to_numpy()).set_index("case_id", drop=False)
    ids = sorted(set(by_id.index[by_id["certain"]]) | set(strat_pi.index) | set(mus_pi.index))
    rows = []
    for cid in ids:
        c = by_id.loc[cid]
        hits = (("finding", bool(c["certain"])), ("stratified", cid in strat_pi.index), ("mus", cid in mus_pi.index))
        rows.append({"case_id": cid, "executor_id": c["executor_id"], "case_type": c["case_type"],
                     "condition": c["condition"], "amount_due": int(c["amount_due"]),
                     "stratum": " | ".join(str(c[s]) for s in p["strata"]),
                     "reasons": [r for r, hit in hits if hit], "rules": c["rules"],
                     "pi_stratified": float(strat_pi.get(cid, 0.0)), "pi_mus": float(mus_pi.get(cid, 0.0)),
                     "mus_hits": int(mus_hits.get(cid, 0))})
    return {"sizes": {"attribute": asdict(attr), "mus": asdict(mus), "stratified_drawn": int(len(strat_pi)),
                      "mus_drawn": int(len(mus_pi)),
                      "population": int(len(rest)), "certainty": int(certain.sum())},
            "strata": strata.astype({"population": "int64", "sample": "int64"}).to_dict("records"),
            "cases": rows, "selected": ids,
            "explanation": _explain(attr, mus, p["strata"], len(rest), int(certain.sum()), int(len(strat_pi)),
                                    len(strata), int(len(mus_pi)))}


# -- reading a unit's cases ------------------------------------------------------
_CACHE: OrderedDict[tuple[Any, ...], pd.DataFrame] = OrderedDict()


def case_frame(records: Any, unit: str, as_of: dt.date, rule_params: str | None, rules_hash: str
               ) -> pd.DataFrame:
    """The unit's cases as of ``as_of`` with their classification and the rules that flagged them.

    ``records`` hold the unit's province (peer-based rules compare the unit with it).
    Cached by the records' fingerprint, so a verification in the same process reuses the audit.
    """
    from .. import measures
    from ..pipeline import audit_unit

    key = (records.fingerprint, unit, as_of.isoformat(), rule_params, rules_hash)
    if records.fingerprint and key in _CACHE:
        return _CACHE[key].copy()
    audit = audit_unit(records, unit, as_of, params_file=rule_params)
    rec = audit.records
    cases = rec.cases
    frame = pd.DataFrame({
        "case_id": cases["case_id"].astype("str"),
        "executor_id": cases["executor_id"].fillna("—").astype("str"),
        "case_type": cases["case_type"].fillna("—").astype("str"),
        "condition": measures.case_classification(rec, as_of).to_numpy(),
        "initiation": cases["initiation"].fillna("—").astype("str"),
        "amount_due": cases["amount_due"].fillna(0).astype("int64"),
        "closed_date": cases["closed_date"],
    }).sort_values("case_id", kind="stable").reset_index(drop=True)
    f = audit.findings.loc[audit.findings["case_id"].notna()]
    for sev in ("high", "medium", "low"):
        by_case = f.loc[f["severity"] == sev].groupby("case_id")["rule_id"].agg(
            lambda r: ", ".join(sorted(set(r))))
        frame[f"flag_{sev}"] = frame["case_id"].map(by_case).fillna("").astype("str")
    if records.fingerprint:
        _CACHE[key] = frame.copy()
        while len(_CACHE) > 8:
            _CACHE.popitem(last=False)
    return frame


# The case frame as committed, and the columns of the spreadsheet copy of a case draw.
FRAME_COLUMNS = ("case_id", "executor_id", "case_type", "condition", "initiation", "amount_due", "closed_date",
                 "flag_high", "flag_medium", "flag_low")
CSV_COLUMNS = ("case_id", "executor_id", "case_type", "condition", "amount_due", "stratum", "reasons", "rules",
               "pi_stratified", "pi_mus", "mus_hits")


def case_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A unit's case frame as JSON-able rows: money as whole VND, dates as ISO dates."""
    out = frame[list(FRAME_COLUMNS)].copy()
    closed = pd.to_datetime(out["closed_date"])
    days = closed.dt.strftime("%Y-%m-%d")
    out["amount_due"] = out["amount_due"].astype("int64")
    rows = [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in out.drop(columns="closed_date").to_dict("records")]
    for row, day, known in zip(rows, days.tolist(), closed.notna().tolist(), strict=True):
        row["closed_date"] = day if known else None  # JSON null, never NaN
    return rows


def case_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The committed rows back to the frame :func:`draw_cases` reads."""
    table = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    table["amount_due"] = table["amount_due"].astype("int64")
    table["closed_date"] = pd.to_datetime(table["closed_date"], format="%Y-%m-%d")
    for col in FRAME_COLUMNS:
        if col not in ("amount_due", "closed_date"):
            table[col] = table[col].astype("str")
    return table


def cases_frame(source: str, unit: str, as_of: dt.date, rule_params: str | None
                ) -> tuple[dict[str, Any], pd.DataFrame]:
    """Read the unit's province and audit the unit: the input hashes and the unit's case frame."""
    from ..io import load_records
    from ..pipeline import peer_units

    rules_hash, _ = rules_sha256(rule_params)
    units = load_records(source, unit=[]).units  # units only: is the unit there, who are its peers
    if not (units["unit_id"] == unit).any():
        raise ParameterError(f"unit {unit!r} is not in the source", file=source_label(source))
    records = load_records(source, unit=peer_units(units, unit))
    return ({"fingerprint": records.fingerprint, "rules_sha256": rules_hash},
            case_frame(records, unit, as_of, rule_params, rules_hash))


def commit_cases(source: str | Path, unit: str, as_of: Any, cycle: str, out: str | Path | None = None,
                 *, params_file: str | Path | None = None, rule_params: str | Path | None = None,
                 secrets_dir: str | Path | None = None, redraw: bool = False, reason: str | None = None,
                 now: dt.datetime | None = None) -> dict[str, Any]:
    """Commit to the cycle's case draw for one unit: its case frame and the parameters, sealed.

    Parameters
    ----------
    source : str or Path
        Case records (path or database URL).
    unit : str
        The unit whose cases are drawn.
    as_of : date or ISO string
    cycle : str
        The cycle's name; the commitment goes to ``<out>/cases/<unit>.commitment.json``.
    out : path, optional
        The cycle's folder (default ``outputs/sampling/<cycle>``).
    params_file, rule_params : path, optional
        Overrides of ``params/sampling.yaml``; an inspection's rule parameters.
    secrets_dir : path, optional
        Where the sealed secret is kept until the draw (default ``<out>/sealed``).
    redraw, reason : bool, str
        Replace the commitment (the reason is logged; the old one stays in the log).
    now : datetime, optional
        The commitment's time, when the caller passes the clock in.

    Returns
    -------
    dict
        The commitment as written, with ``status``, ``commit_line`` and ``log_head``.
    """
    from ..pipeline import as_date

    check_cycle(cycle)
    check_redraw(redraw, reason)
    if not isinstance(unit, str) or not unit.strip():
        raise ParameterError(f"unit must be a non-empty unit id, got {unit!r}")
    unit = unit.strip()
    as_of_d = as_date(as_of, "as_of")
    params = load_params(params_file)
    rules = str(Path(rule_params).resolve()) if rule_params else None
    rules_sha256(rules)
    folder = (Path(out) if out is not None else Path("outputs") / "sampling" / cycle).resolve()
    request = {"kind": "cases", "cycle": cycle, "unit": unit, "source": source_label(source),
               "as_of": as_of_d.isoformat(), "rule_params": rules}
    c = params["cases"]
    # Sizes that cannot be reached are refused before a commitment is logged.
    attribute_sample_size(c["confidence"], c["tolerable_rate"], c["expected_rate"])

    def prepare() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        extra, frame = cases_frame(str(source), unit, as_of_d, rules)
        return extra, case_rows(frame)

    return commit(folder, kind="cases", unit=unit, request=request, params=params, prepare=prepare,
                  secrets_dir=secrets_dir, redraw=redraw, reason=reason, now=now)
