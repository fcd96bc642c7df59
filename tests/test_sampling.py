"""Sampling without a database: sample-size formulas, π, the PPS scheme's frequencies,
allocation, coverage, parameters, public rounds, the secret and the seed, the hash-chained
log, messages and the notebook."""

from __future__ import annotations

import datetime as dt
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
from audit.sampling.history import coverage
from audit.sampling.log import LOG_NAME, LogError, append_log, check_log
from audit.sampling.params import DEFAULTS, check_params
from audit.sampling.public import first_round, normalise_value, parse_round, read_values
from audit.sampling.report import NOTEBOOK
from audit.sampling.seal import commitment, derive_seed, rng
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


def test_commitment_binds_secret_and_inputs_and_the_seed_needs_the_public_value():
    secret, inputs = bytes(range(32)), hashlib.sha256(b"inputs").hexdigest()
    promise = commitment(secret, inputs)
    assert promise == hashlib.sha256(b"thads-sampling/2 commitment\x00" + secret + bytes.fromhex(inputs)).hexdigest()
    assert commitment(bytes(32), inputs) != promise != commitment(secret, hashlib.sha256(b"other").hexdigest())
    seed = derive_seed(secret, "12345", promise)
    assert seed == derive_seed(secret, "12345", promise) and len(seed) == 32
    # Every part moves the seed: another public value, another commitment, another secret.
    assert len({seed, derive_seed(secret, "12346", promise), derive_seed(secret, "12345", "0" * 64),
                derive_seed(bytes(32), "12345", promise)}) == 4
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
    ("draw:\n  delay_hours: -1\n", "draw.delay_hours: must be at least 0"),
    ("draw:\n  delay_hours: 99999\n", "draw.delay_hours: must be at most 2160"),
    ("draw:\n  public_source: my-dice\n", "draw.public_source: unknown value 'my-dice'"),
    ("draw:\n  seed: 42\n", "unknown key 'draw.seed'"),
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
    assert set(namespace) - {"__builtins__"} == {"output_dir", "lang"}
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    # Thin, and it draws nothing: it reads the recorded cycle and shows it.
    body = "\n".join(c.source for c in code if c is not params[0])
    assert "sampling.read_cycle(" in body and "def " not in body and "for " not in body
    assert "sampling.commit_" not in body and "sampling.draw(" not in body
    assert Path(NOTEBOOK).parent.name == "notebooks"


# -- public randomness: the round is assigned, the value is checked ---------------------
def _utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_drand_rounds_follow_the_chain_schedule():
    # Quicknet: round 1 at 1692803367 (Unix time), one round every 3 seconds.
    assert parse_round("drand-quicknet", "1").starts_at == dt.datetime.fromtimestamp(1692803367, dt.UTC)
    assert parse_round("drand-quicknet", "27946612").starts_at == _utc(2026, 4, 20)
    assert first_round("drand-quicknet", _utc(2026, 4, 20) - dt.timedelta(microseconds=1)).round == "27946612"
    # A round that starts at the very moment is not "after" it: the next one is named.
    assert first_round("drand-quicknet", _utc(2026, 4, 20)).round == "27946613"


def test_lottery_rounds_are_draw_dates_in_hanoi_time():
    # XSMB draws from 18:15 Hanoi time (11:15 UTC); results are complete by 19:00.
    before = first_round("xsmb", _utc(2026, 11, 4, 11, 14))
    assert before.round == "2026-11-04" and before.starts_at == _utc(2026, 11, 4, 11, 15)
    assert before.published_at == _utc(2026, 11, 4, 12, 0)
    assert first_round("xsmb", _utc(2026, 11, 4, 11, 15)).round == "2026-11-05"  # drawing has begun
    # 17:30 UTC on the 4th is 00:30 on the 5th in Hanoi: rounds are Hanoi dates.
    assert first_round("xsmb", _utc(2026, 11, 4, 17, 30)).round == "2026-11-05"
    assert first_round("nist-beacon", _utc(2026, 11, 4, 10, 0, 0)).round == "2026-11-04T10:01Z"


@pytest.mark.parametrize(("source", "typed", "kept"), [
    ("xsmb", " 04 817 ", "04817"),
    ("drand-quicknet", "AB" * 32, "ab" * 32),
    ("nist-beacon", "0F" * 64, "0f" * 64),
])
def test_public_values_are_kept_in_one_spelling(source, typed, kept):
    assert normalise_value(source, typed) == kept


@pytest.mark.parametrize(("source", "typed", "message"), [
    ("xsmb", "1234", "five digits"), ("xsmb", "12345x", "five digits"), ("xsmb", "１２３４５", "five digits"),
    ("drand-quicknet", "ab" * 31, "64 hexadecimal"), ("nist-beacon", "zz" * 64, "128 hexadecimal"),
])
def test_malformed_public_values_are_refused(source, typed, message):
    with pytest.raises(ParameterError, match=message):
        normalise_value(source, typed)


def test_values_file_lines_name_source_round_and_value(tmp_path):
    path = tmp_path / "values.txt"
    path.write_text("# read from the official results\nxsmb 2026-11-04 04817\n\n"
                    "drand-quicknet 33661013 " + "ab" * 32 + "  # quicknet\n", encoding="utf-8")
    assert read_values(path) == {("xsmb", "2026-11-04"): "04817", ("drand-quicknet", "33661013"): "ab" * 32}
    path.write_text("xsmb 2026-11-04\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="expected SOURCE ROUND VALUE") as info:
        read_values(path)
    assert f"{path}, row 1" in str(info.value)
    path.write_text("xsmb 2026-13-04 04817\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="not a date"):
        read_values(path)


# -- the hash-chained log --------------------------------------------------------------
def _log_with(tmp_path, n: int = 4):
    for i in range(n):
        append_log(tmp_path, f"2026-11-0{i + 1}T00:00:00.000000Z", {"event": "note", "i": i})
    return tmp_path / LOG_NAME


def test_the_log_chains_every_line(tmp_path):
    path = _log_with(tmp_path)
    events = check_log(tmp_path)
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    assert events[0]["prev"] == "0" * 64
    assert all(b["prev"] == a["hash"] for a, b in zip(events, events[1:], strict=False))
    assert path.read_text(encoding="utf-8").count("\n") == 4


@pytest.mark.parametrize(("attack", "row", "message"), [
    ("edit", 2, "was edited"), ("swap", 2, "chain is broken"), ("delete", 2, "chain is broken"),
    ("delete_first", 1, "chain is broken"), ("edit_last", 4, "was edited"), ("garbage", 3, "not JSON"),
])
def test_any_change_to_the_log_is_found_at_its_line(tmp_path, attack, row, message):
    path = _log_with(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    if attack == "edit":
        lines[1] = lines[1].replace('"i": 1', '"i": 7')
    elif attack == "edit_last":
        lines[3] = lines[3].replace('"i": 3', '"i": 8')
    elif attack == "swap":
        lines[1], lines[2] = lines[2], lines[1]
    elif attack == "delete":
        del lines[1]
    elif attack == "delete_first":
        del lines[0]
    else:
        lines[2] = lines[2][:-5]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LogError, match=message) as info:
        check_log(tmp_path)
    assert f"row {row}" in str(info.value) and "\n" not in str(info.value)


def test_a_log_without_a_chain_is_refused_not_extended(tmp_path):
    (tmp_path / LOG_NAME).write_text('{"event": "commit", "commitment": "ab"}\n', encoding="utf-8")
    with pytest.raises(LogError, match="without a hash chain"):
        check_log(tmp_path)
    with pytest.raises(LogError, match="without a hash chain"):
        append_log(tmp_path, "2026-11-01T00:00:00.000000Z", {"event": "x"})


def test_logged_text_never_keeps_a_password(tmp_path):
    event = append_log(tmp_path, "2026-11-01T00:00:00.000000Z",
                       {"event": "verify", "message": "cannot read postgresql://audit:s3cret@db.local/thads"})
    assert "s3cret" not in (tmp_path / LOG_NAME).read_text(encoding="utf-8")
    assert event["message"] == "cannot read postgresql://audit:***@db.local/thads"
