"""Sampling without a database: sample-size formulas, π, the PPS scheme's frequencies,
allocation, coverage, parameters, messages and the notebook."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml

from audit.config import PARAMS_DIR
from audit.errors import ParameterError
from audit.i18n import LANGUAGES, catalogue
from audit.sampling import attribute_sample_size, load_params, mus_sample_size
from audit.sampling.cases import EXPANSION_FACTORS, _mus, _stratified, allocate, draw_cases
from audit.sampling.commit import commitment, rng
from audit.sampling.history import coverage
from audit.sampling.params import DEFAULTS, check_params
from audit.sampling.report import NOTEBOOK
from audit.sampling.units import draw_units, inclusion_probabilities, select, systematic_pps


# -- sample sizes: the textbook's worked examples --------------------------------
def test_attribute_size_zero_expected_is_the_log_formula():
    size = attribute_sample_size(0.95, 0.05, 0.0)
    assert size.exact == pytest.approx(math.log(0.05) / math.log(0.95))  # 58.40
    assert size.exact == pytest.approx(58.40, abs=0.005)
    assert size.n == 59 and size.deviations == 0
    assert attribute_sample_size(0.90, 0.05).n == 45  # ln 0.10 / ln 0.95 = 44.9
    assert attribute_sample_size(0.95, 0.10).n == 29  # 28.4


@pytest.mark.parametrize(("expected", "n", "k"), [(0.01, 93, 1), (0.0125, 124, 2), (0.02, 181, 4)])
def test_attribute_size_with_expected_deviations_matches_the_aicpa_table(expected, n, k):
    # AICPA Audit Sampling, 5% risk of overreliance, tolerable rate 5%.
    size = attribute_sample_size(0.95, 0.05, expected)
    assert (size.n, size.deviations) == (n, k)


def test_mus_size_for_the_worked_example_rounds_up():
    size = mus_sample_size(10_000_000_000, 500_000_000, 0.95)
    assert size.reliability == pytest.approx(2.9957, abs=5e-5)  # -ln(0.05), "R = 3.0"
    assert size.exact == pytest.approx(59.91, abs=0.005)
    assert size.n == 60
    assert size.interval == 10_000_000_000 // 60 == 166_666_666
    assert isinstance(size.book_value, int) and isinstance(size.interval, int)


def test_mus_size_with_expected_misstatement_uses_the_expansion_factor():
    size = mus_sample_size(10_000_000_000, 500_000_000, 0.95, expected=100_000_000)
    assert size.expansion == EXPANSION_FACTORS[0.95] == 1.6
    # 10e9 × 2.9957 / (500e6 − 100e6 × 1.6) = 88.1 → 89
    assert size.n == math.ceil(10_000_000_000 * -math.log(0.05) / 340_000_000) == 89
    with pytest.raises(ParameterError, match="expansion factor"):
        mus_sample_size(10_000_000_000, 500_000_000, 0.95, expected=400_000_000)
    assert mus_sample_size(0, 500_000_000, 0.95).n == 0


# -- unit draw: π and the scheme -------------------------------------------------
def test_inclusion_probabilities_cap_at_one_and_sum_to_k():
    size = np.array([50.0, 10, 5, 3, 1, 1])
    pi = inclusion_probabilities(size, 3)
    assert pi[0] == 1.0  # 3·50/70 > 1: certain, the others share the remaining 2 draws
    np.testing.assert_allclose(pi[1:], 2 * size[1:] / size[1:].sum())
    assert pi.sum() == pytest.approx(3)
    # A second unit crosses 1 only after the first is capped: the iteration catches it.
    pi = inclusion_probabilities(np.array([100.0, 30, 1, 1, 1, 1]), 3)
    assert list(pi[:2]) == [1.0, 1.0] and pi[2:].sum() == pytest.approx(1)
    np.testing.assert_allclose(inclusion_probabilities(np.ones(4), 2), 0.5)


SIZES = np.array([6.0, 3.0, 2.0, 1.5, 1.0, 1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2])
IDS = np.array([f"U{i:02d}" for i in range(len(SIZES))])


def _frequencies(draw, runs: int = 2000) -> np.ndarray:
    counts = np.zeros(len(SIZES))
    for i in range(runs):
        counts += draw(hashlib.sha256(b"frequency-%d" % i).digest())
    return counts


def _z_scores(counts: np.ndarray, pi: np.ndarray, runs: int) -> np.ndarray:
    var = runs * pi * (1 - pi)
    return np.where(var > 0, (counts - runs * pi) / np.sqrt(np.where(var > 0, var, 1)), counts - runs * pi)


def test_inclusion_frequencies_match_pi_over_2000_draws():
    runs, k = 2000, 4
    forced = IDS == "U07"  # a coverage-forced unit takes one draw with certainty
    pi = np.where(forced, 1.0, 0.0)
    pi[~forced] = inclusion_probabilities(SIZES[~forced], k - 1)
    sizes_seen = set()

    def one(seed: bytes) -> np.ndarray:
        got_pi, chosen = select(IDS, SIZES, k, forced, seed)
        np.testing.assert_allclose(got_pi, pi)
        sizes_seen.add(int(chosen.sum()))
        return chosen

    counts = _frequencies(one, runs)
    assert sizes_seen == {k}  # without replacement, always exactly k units
    z = _z_scores(counts, pi, runs)
    # Per-unit binomial z within 4 (a fixed set of seeds: not flaky) and a chi-square over
    # the uncertain units below its 0.1% critical value.
    assert np.abs(z).max() < 4, z
    uncertain = (pi > 0) & (pi < 1)
    chi2 = float((z[uncertain] ** 2).sum())
    from scipy.stats import chi2 as chi2_dist

    assert chi2 < chi2_dist.ppf(0.999, uncertain.sum())


def test_the_frequency_check_rejects_successive_sampling():
    # The check has power: numpy's weighted choice without replacement (successive
    # sampling) does not give π = k·w/Σw, and the same tolerance catches it.
    runs, k = 2000, 4
    pi = inclusion_probabilities(SIZES, k)

    def successive(seed: bytes) -> np.ndarray:
        mask = np.zeros(len(SIZES))
        mask[rng(seed, "x").choice(len(SIZES), k, replace=False, p=SIZES / SIZES.sum())] = 1
        return mask

    assert np.abs(_z_scores(_frequencies(successive, runs), pi, runs)).max() > 4


def test_same_seed_same_unit_draw_whatever_the_row_order():
    table = pd.DataFrame({"unit_id": IDS, "size": SIZES})
    seed = bytes(range(32))
    a = draw_units(table, 4, [], seed)
    b = draw_units(table.iloc[::-1], 4, [], seed).loc[a.index]
    assert a["selected"].tolist() == b["selected"].tolist()
    others = {tuple(draw_units(table, 4, [], hashlib.sha256(bytes([i])).digest())["selected"]) for i in range(20)}
    assert len(others) > 1  # the seed matters


def test_systematic_pps_takes_certain_units_and_exactly_k():
    pi = np.array([1.0, 0.5, 0.5, 0.25, 0.75, 0.0])
    for i in range(50):
        got = systematic_pps(pi, rng(bytes([i]) * 32, "t"))
        assert 0 in got and 5 not in got and len(got) == 3


def test_commitment_is_sha256_of_the_seed():
    seed = bytes(32)
    assert commitment(seed) == hashlib.sha256(seed).hexdigest()
    assert rng(seed, "a").random() == rng(seed, "a").random() != rng(seed, "b").random()


def test_risk_table_scales_weights_and_floors_every_component():
    from audit.sampling.params import COMPONENTS
    from audit.sampling.risk import risk_table

    measured = pd.DataFrame({"unit_id": ["A", "B", "C", "P"], "name": "x",
                             "level": ["regional", "regional", "regional", "province"],
                             "cases_total": 100, "open_cases": 80})
    for i, c in enumerate(COMPONENTS):
        measured[c] = [0.2 * (i + 1), 0.1 * (i + 1), 0.0, 5.0]
    measured["valuation_auction"] = 0.0  # no unit has a flag: the component adds nothing
    params = check_params({"units": {"levels": ["regional"]}})["units"]
    table = risk_table(measured, params).set_index("unit_id")
    assert list(table.index) == ["A", "B", "C"]  # the province unit is not eligible
    assert table.loc["A", "stalled_share_scaled"] == 1.0 and table.loc["B", "stalled_share_scaled"] == 0.5
    assert table.loc["A", "stalled_share_points"] == params["weights"]["stalled_share"]
    assert (table["valuation_auction_points"] == 0).all()
    expected_a = sum(params["weights"][c] for c in COMPONENTS if c != "valuation_auction")
    assert table.loc["A", "score"] == pytest.approx(expected_a)
    assert table.loc["B", "score"] == pytest.approx(expected_a / 2)
    assert table.loc["C", "score"] == 0 and table.loc["C", "size"] == params["floor"] > 0  # still a chance
    assert list(table["rank"]) == [1, 2, 3]


# -- cases: allocation, strata, MUS ------------------------------------------------
def test_allocation_is_proportional_with_at_least_one_per_stratum():
    sizes = np.array([100, 50, 30, 2, 1])
    alloc = allocate(sizes, 20)
    assert alloc.sum() == 20 and (alloc >= 1).all() and (alloc <= sizes).all()
    assert list(alloc) == [10, 5, 3, 1, 1]  # ideal 10.9, 5.5, 3.3, 0.2, 0.1
    assert list(allocate(np.array([5, 5]), 10)) == [5, 5]


def _population(n: int = 400) -> pd.DataFrame:
    g = np.random.default_rng(3)
    return pd.DataFrame({
        "case_id": [f"C{i:04d}" for i in range(n)],
        "executor_id": g.choice(["E1", "E2", "E3"], n),
        "case_type": g.choice(["civil", "bank_credit", "state_fees_fines"], n, p=[0.6, 0.3, 0.1]),
        "condition": g.choice(["with_conditions", "without_conditions"], n),
        "initiation": "on_request",
        "amount_due": (g.lognormal(18, 1.5, n)).astype("int64"),
        "closed_date": pd.Series(pd.NaT, index=range(n), dtype="datetime64[s]"),
        "flag_high": ["DI-LATE" if i % 40 == 0 else "" for i in range(n)],
        "flag_medium": "", "flag_low": "",
    })


def test_case_draw_takes_flagged_cases_and_every_stratum():
    pop = _population()
    params = check_params({"cases": {"tolerable_misstatement": 20_000_000_000}})
    seed = bytes(range(32))
    body = draw_cases(pop, params, pd.Timestamp("2026-10-15").date(), seed)
    assert body == draw_cases(pop, params, pd.Timestamp("2026-10-15").date(), seed)  # same seed, same draw
    flagged = set(pop.loc[pop["flag_high"] != "", "case_id"])
    drawn = {c["case_id"]: c for c in body["cases"]}
    assert flagged <= set(drawn) and all("finding" in drawn[c]["reasons"] for c in flagged)
    strata = pd.DataFrame(body["strata"])
    assert (strata["sample"] >= 1).all() and strata["sample"].sum() == 59 == body["sizes"]["stratified_drawn"]
    # Flagged cases are examined anyway: the random parts draw from the others only.
    assert strata["population"].sum() == len(pop) - len(flagged) == body["sizes"]["population"]
    mus = [c for c in drawn.values() if "mus" in c["reasons"]]
    assert 0 < len(mus) <= body["sizes"]["mus"]["n"] and not flagged & {c["case_id"] for c in mus}
    for text in body["explanation"].values():
        assert "59" in text and str(body["sizes"]["mus"]["n"]) in text


def test_mus_hits_cases_in_proportion_to_amount():
    pop = pd.DataFrame({"case_id": list("ABCDEF"), "amount_due": [600, 300, 50, 30, 20, 0]})
    size = mus_sample_size(1000, 300, 0.95)  # n = ceil(1000 · 2.9957 / 300) = 10, interval 100
    assert (size.n, size.interval) == (10, 100)
    runs, counts = 400, dict.fromkeys("ABCDE", 0)
    for i in range(runs):
        pi, hits = _mus(pop, size, rng(hashlib.sha256(b"mus-%d" % i).digest(), "mus"))
        assert hits.sum() == 10 and "F" not in hits  # nothing due: never drawn
        assert hits.get("A") == 6 and hits.get("B") == 3  # larger than the interval: hit per 100
        for k in hits.index:
            counts[k] += 1
    assert pi.to_dict() == {k: min(1.0, 10 * a / 1000) for k, a in zip("ABCDE", [600, 300, 50, 30, 20], strict=True)
                            if k in pi.index}
    for case, p in (("C", 0.5), ("D", 0.3), ("E", 0.2)):
        assert abs(counts[case] - runs * p) < 4 * math.sqrt(runs * p * (1 - p)), (case, counts[case])


def test_fewer_cases_than_strata_draws_strata_by_size():
    pop = _population(60)
    drawn, table = _stratified(pop, 5, ["executor_id", "case_type", "condition"], rng(bytes(32), "s"))
    assert len(drawn) == 5 and table["sample"].sum() == 5 and table["sample"].max() == 1
    assert drawn.sum() == pytest.approx(5 * 5 / 60 * 1, rel=0.5)  # each case's chance about n/N


# -- coverage ----------------------------------------------------------------------
def _cycle(name: str, as_of: str, selected: list[str]) -> dict:
    return {"cycle": name, "as_of": as_of, "drawn_at": f"{as_of}T00:00:00Z", "selected": selected}


def test_coverage_forces_units_uninspected_for_n_cycles():
    units = ["A", "B", "C", "D", "E"]
    history = {"cycles": [_cycle("c1", "2026-01-05", ["E"]), _cycle("c2", "2026-02-05", ["A"]),
                          _cycle("c3", "2026-03-05", ["B"])],
               "external": [{"unit_id": "C", "inspected_on": "2026-02-20"},
                            {"unit_id": "D", "inspected_on": "2025-12-01"}], "file": None}
    cov = coverage(history, units, 2)
    # Window c2..c3 since 2026-02-05: A, B drawn; C inspected outside the tool since then;
    # D last inspected before the window, E drawn before it.
    assert cov["in_force"] and cov["window"] == ["c2", "c3"] and cov["since"] == "2026-02-05"
    assert cov["forced"] == ["D", "E"]
    assert cov["last_inspected"]["D"] == "2025-12-01"
    not_yet = coverage(history, units, 4)
    assert not not_yet["in_force"] and not_yet["forced"] == [] and not_yet["known"] == 3


# -- parameters ----------------------------------------------------------------------
def test_params_yaml_holds_the_builtin_defaults():
    assert load_params() == DEFAULTS
    assert yaml.safe_load((PARAMS_DIR / "sampling.yaml").read_text(encoding="utf-8")) == DEFAULTS


@pytest.mark.parametrize(("text", "message"), [
    ("units:\n  weigths: {stalled_share: 1}\n", "unknown key 'units.weigths'"),
    ("units:\n  weights: {stalled: 1}\n", "unknown key 'units.weights.stalled'"),
    ("cases:\n  confidense: 0.9\n", "unknown key 'cases.confidense'"),
    ("sample: {}\n", "unknown key 'sample'"),
    ("cases:\n  confidence: 1.5\n", "cases.confidence: must be below 1"),
    ("cases:\n  tolerable_misstatement: 1.5e8\n", "cases.tolerable_misstatement: expected a whole number"),
    ("units:\n  floor: 0\n", "units.floor: must be above 0"),
    ("cases:\n  strata: [district]\n", "unknown value 'district'"),
    ("cases:\n  expected_rate: 0.06\n", "expected_rate must be below"),
    ("cases:\n  confidence: 0.97\n  expected_misstatement: 1000\n", "no expansion factor"),
])
def test_bad_params_name_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "inspection.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=message) as info:
        load_params(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_overrides_merge_into_the_defaults(tmp_path):
    path = tmp_path / "inspection.yaml"
    path.write_text("units:\n  weights: {stalled_share: 1.0}\ncases:\n  confidence: 0.9\n", encoding="utf-8")
    params = load_params(path)
    assert params["units"]["weights"]["stalled_share"] == 1.0
    assert params["units"]["weights"]["deadline_rate"] == DEFAULTS["units"]["weights"]["deadline_rate"]
    assert params["cases"]["confidence"] == 0.9 and params["cases"]["tolerable_rate"] == 0.05


# -- texts and notebook ----------------------------------------------------------------
def test_every_sampling_message_has_both_languages():
    msgs = {k: v for k, v in catalogue().items() if k.startswith("sampling.")}
    assert len(msgs) > 50
    assert [k for k, v in msgs.items() for lang in LANGUAGES if not str(v.get(lang, "")).strip()] == []


def test_sampling_notebook_is_committed_clean_with_literal_parameters():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec["name"] == "thads-audit"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    namespace: dict = {}
    exec(params[0].source, namespace)  # plain literals only
    assert {"source", "as_of", "cycle", "count", "output_dir", "lang"} <= set(namespace)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    # Thin: every computation is a call into audit.sampling.
    body = "\n".join(c.source for c in code if c is not params[0])
    assert "sampling.sample_units(" in body and "def " not in body and "for " not in body
    assert Path(NOTEBOOK).parent.name == "notebooks"
