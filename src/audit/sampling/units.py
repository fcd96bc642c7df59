"""Drawing units: probability proportional to risk, without replacement, known π.

Scheme: randomised systematic PPS (Hartley & Rao). With ``k`` draws and size
measures ``w``, the inclusion probability is ``π_i = k·w_i/Σw``; units whose π
would exceed 1 are taken with certainty and π is recomputed for the others
with the remaining draws, until none exceeds 1. The units are put in random
order, π is laid end to end on [0, k), and the units hit by the points
``u, u+1, …, u+k−1`` (one uniform ``u`` in [0, 1)) are drawn: each unit is
drawn with probability exactly ``π_i``, and the sample always has ``k`` units.
Units forced in by the coverage rule take draws first (π = 1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..i18n import LANGUAGES, fmt_int, t
from .commit import check_cycle, check_redraw, commit
from .history import coverage, read_history
from .params import COMPONENTS, load_params
from .risk import risk_table, rules_sha256, unit_measures
from .seal import rng

__all__ = ["inclusion_probabilities", "systematic_pps", "select", "draw_units", "commit_units", "source_label",
           "units_frame", "frame_rows", "frame_table", "units_body", "FRAME_COLUMNS"]

_EPS = 1e-9


def inclusion_probabilities(size: np.ndarray, k: int) -> np.ndarray:
    """``π_i = k·w_i/Σw``, with units capped at 1 and the rest rescaled, iteratively.

    Parameters
    ----------
    size : array of float
        Positive size measures.
    k : int
        Number of draws, at most ``len(size)``.

    Returns
    -------
    ndarray
        Inclusion probabilities summing to ``k``.
    """
    size = np.asarray(size, dtype="float64")
    if k > len(size):
        raise ValueError(f"cannot draw {k} of {len(size)} units")
    pi = np.zeros(len(size))
    certain = np.zeros(len(size), dtype=bool)
    while True:
        left = k - int(certain.sum())
        rest = ~certain
        if left <= 0 or not rest.any():
            break
        share = left * size[rest] / size[rest].sum()
        over = share >= 1 - _EPS
        if not over.any():
            pi[rest] = share
            break
        idx = np.flatnonzero(rest)[over]
        certain[idx] = True
    pi[certain] = 1.0
    return pi


def systematic_pps(pi: np.ndarray, generator: np.random.Generator) -> np.ndarray:
    """Randomised systematic selection with inclusion probabilities ``pi`` (summing to an integer).

    Returns the sorted indices drawn.
    """
    pi = np.asarray(pi, dtype="float64")
    sure = pi >= 1 - _EPS
    rest = np.flatnonzero(~sure & (pi > 0))
    # A random order gives every pair of units a chance to be drawn together.
    order = rest[generator.permutation(len(rest))]
    u = generator.random()
    if not len(order):
        return np.flatnonzero(sure)
    cum = np.cumsum(pi[order])
    # The sum is an integer in exact arithmetic: no point may fall off the end.
    cum[-1] = round(cum[-1])
    hits = np.floor(cum - u) - np.floor(np.concatenate(([0.0], cum[:-1])) - u)
    chosen = order[hits > 0]
    return np.sort(np.concatenate([np.flatnonzero(sure), chosen]))


def select(unit_ids: np.ndarray, size: np.ndarray, count: int, forced: np.ndarray, seed: bytes
           ) -> tuple[np.ndarray, np.ndarray]:
    """The draw itself, on arrays: inclusion probabilities and the selection mask.

    Forced units take draws first (π = 1); the remaining draws go by randomised
    systematic PPS over the other units. If the forced units outnumber ``count``
    they are all taken and nothing is drawn at random.
    """
    # A fixed order before the generator shuffles: the same table and seed give the same draw
    # whatever order the table came in.
    order = np.argsort(unit_ids, kind="stable")
    free = ~forced[order]
    left = max(count - int(forced.sum()), 0)
    pi_sorted = np.where(free, 0.0, 1.0)
    pi_sorted[free] = inclusion_probabilities(size[order][free], left)
    picked = systematic_pps(pi_sorted, rng(seed, "units"))
    pi = np.empty(len(order))
    pi[order] = pi_sorted
    chosen = np.zeros(len(order), dtype=bool)
    chosen[order[picked]] = True
    return pi, chosen | forced


def draw_units(table: pd.DataFrame, count: int, forced: list[str], seed: bytes) -> pd.DataFrame:
    """Draw ``count`` units of a risk table: forced units first, then systematic PPS.

    Parameters
    ----------
    table : DataFrame
        From :func:`audit.sampling.risk.risk_table` (``unit_id``, ``size``).
    count : int
    forced : list of str
        Units the coverage rule takes with certainty.
    seed : bytes
        All randomness comes from it.

    Returns
    -------
    DataFrame
        ``table`` with ``pi``, ``forced``, ``selected`` and ``reason``
        (``coverage``, ``certainty``, ``risk`` or empty).
    """
    is_forced = table["unit_id"].isin(forced).to_numpy()
    pi, chosen = select(table["unit_id"].to_numpy(dtype=str), table["size"].to_numpy(dtype="float64"),
                        count, is_forced, seed)
    reason = np.select([is_forced, chosen & (pi >= 1 - _EPS), chosen], ["coverage", "certainty", "risk"], "")
    return table.assign(pi=pi, forced=is_forced, selected=chosen, reason=reason)


def source_label(source: str | Path) -> str:
    """How a source is recorded: an absolute path, or a URL, with any credentials taken out."""
    from ..report.outputs import redact  # the one place credentials are taken out of text

    text = str(source)
    if "://" in text:
        return redact(text)
    return redact(str(Path(text).expanduser().resolve()))


def _explain(table: pd.DataFrame, cov: dict[str, Any], count: int) -> dict[str, str]:
    forced = int(table["forced"].sum())
    out = {}
    for lang in LANGUAGES:
        parts = [t("sampling.units.explain.draw", lang, k=fmt_int(int(table["selected"].sum()), lang),
                   n=fmt_int(len(table), lang), count=fmt_int(count, lang))]
        if cov["in_force"]:
            parts.append(t("sampling.units.explain.coverage", lang, n=cov["cycles"],
                           forced=fmt_int(forced, lang), since=cov["since"]))
        else:
            parts.append(t("sampling.units.explain.coverage_off", lang, n=cov["cycles"], known=cov["known"]))
        if forced > count:
            parts.append(t("sampling.units.explain.over", lang, forced=fmt_int(forced, lang),
                           count=fmt_int(count, lang)))
        out[lang] = " ".join(parts)
    return out


# The sampling frame as committed: every eligible unit with its risk components and score.
FRAME_COLUMNS = (["rank", "unit_id", "name", "level", "cases_total", "open_cases"]
                 + [f"{c}{s}" for c in COMPONENTS for s in ("", "_scaled", "_points")]
                 + ["score", "size"])


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def frame_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A risk table as JSON-able rows (exact: floats keep every bit through JSON)."""
    return [{k: _plain(v) for k, v in row.items()} for row in table[FRAME_COLUMNS].to_dict("records")]


def frame_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The committed rows back to the table the draw reads."""
    table = pd.DataFrame(rows, columns=FRAME_COLUMNS)
    return table.astype({"unit_id": "str", "size": "float64"})


def _records_frame(table: pd.DataFrame) -> list[dict[str, Any]]:
    cols = FRAME_COLUMNS + ["pi", "forced", "selected", "reason"]
    return [{k: _plain(v) for k, v in r.items()} for r in table[cols].to_dict("records")]


def units_frame(source: str, as_of: dt.date, params: dict[str, Any], rule_params: str | None
                ) -> tuple[dict[str, Any], pd.DataFrame]:
    """Read every unit's records and compute the risk table (the sampling frame).

    Returns the input hashes (records fingerprint, rule settings) and the table.
    """
    from ..io import load_records

    rules_hash, _ = rules_sha256(rule_params)
    records = load_records(source)
    measured = unit_measures(records, as_of, params["units"]["window_days"], rule_params, rules_hash)
    table = risk_table(measured, params["units"])
    if table.empty:
        raise ParameterError("no unit of the eligible levels has cases on the books",
                             file=source_label(source))
    return {"fingerprint": records.fingerprint, "rules_sha256": rules_hash}, table


def units_body(table: pd.DataFrame, count: int, history: dict[str, Any], params: dict[str, Any],
               seed: bytes) -> dict[str, Any]:
    """The drawn part of a units result (also what verification recomputes)."""
    if count > len(table):
        raise ParameterError(f"count {count} exceeds the {len(table)} eligible units")
    cov = coverage(history, table["unit_id"].tolist(), params["units"]["coverage_cycles"])
    drawn = draw_units(table, count, cov["forced"], seed)
    selected = drawn.loc[drawn["selected"], "unit_id"].tolist()
    return {"scheme": "systematic-pps-random-order", "coverage": cov, "units": _records_frame(drawn),
            "selected": selected, "explanation": _explain(drawn, cov, count)}


def commit_units(source: str | Path, as_of: Any, cycle: str, count: int, out: str | Path | None = None,
                 *, params_file: str | Path | None = None, rule_params: str | Path | None = None,
                 history_file: str | Path | None = None, secrets_dir: str | Path | None = None,
                 redraw: bool = False, reason: str | None = None,
                 now: dt.datetime | None = None) -> dict[str, Any]:
    """Commit to the cycle's unit draw: the frame, the parameters and the history, sealed.

    Parameters
    ----------
    source : str or Path
        Case records of every unit (path or database URL).
    as_of : date or ISO string
    cycle : str
        The cycle's name (e.g. ``2026-11``), also its folder name.
    count : int
        Units to draw (``K``); coverage-forced units count towards it.
    out : path, optional
        The cycle's folder (default ``outputs/sampling/<cycle>``); its parent is the
        sampling root holding the log and the earlier cycles.
    params_file : path, optional
        Overrides of ``params/sampling.yaml``.
    rule_params : path, optional
        An inspection's rule parameters (the thresholds behind the findings).
    history_file : path, optional
        CSV ``unit_id,inspected_on`` of inspections done outside the tool.
    secrets_dir : path, optional
        Where the sealed secret is kept until the draw (default ``<out>/sealed``).
    redraw, reason : bool, str
        Replace the cycle's commitment (the reason is logged; the old one stays in the log).
    now : datetime, optional
        The commitment's time, when the caller passes the clock in.

    Returns
    -------
    dict
        The commitment as written to ``<out>/units.commitment.json``, with ``status``,
        ``commit_line`` and ``log_head``.
    """
    from ..pipeline import as_date

    check_cycle(cycle)
    check_redraw(redraw, reason)
    as_of_d = as_date(as_of, "as_of")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ParameterError(f"count must be a whole number of at least 1, got {count!r}")
    params = load_params(params_file)  # before any data is read
    rules = str(Path(rule_params).resolve()) if rule_params else None
    rules_sha256(rules)  # refuses a bad rule parameter file before any data is read
    folder = (Path(out) if out is not None else Path("outputs") / "sampling" / cycle).resolve()
    root = folder.parent
    history_path = str(Path(history_file).resolve()) if history_file is not None else None
    request = {"kind": "units", "cycle": cycle, "source": source_label(source), "as_of": as_of_d.isoformat(),
               "count": count, "rule_params": rules, "history_file": history_path}
    if history_path is not None:
        read_history(root, cycle, as_of_d, history_path)  # a bad CSV is refused before any data is read

    def prepare() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        # Under the root's lock: no other cycle can be written while the history is read.
        history = read_history(root, cycle, as_of_d, history_path)
        extra, table = units_frame(str(source), as_of_d, params, rules)
        if count > len(table):  # refused before a commitment is logged
            raise ParameterError(f"count {count} exceeds the {len(table)} eligible units")
        file_hash = (hashlib.sha256(Path(history_path).read_bytes()).hexdigest()
                     if history_path is not None else None)
        return {**extra, "history": history, "history_file_sha256": file_hash}, frame_rows(table)

    return commit(folder, kind="units", unit=None, request=request, params=params, prepare=prepare,
                  secrets_dir=secrets_dir, redraw=redraw, reason=reason, now=now)
