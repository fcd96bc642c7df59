"""MC-MODEL on synthetic cases where the signal is known."""

from __future__ import annotations

import datetime as dt

import numpy as np
from _builders import make_records

from audit.rules.context import RuleContext
from audit.rules.registry import get_rule
from audit.rules.run import run_rule
from audit.runparams import RunParams


def _population(n=240, planted=6, seed=3):
    rng = np.random.default_rng(seed)
    cases, verifications = [], []
    for i in range(2 * n + planted):
        cid = f"C{i}"
        with_cond = i < n
        plant = i >= 2 * n
        value = int(rng.lognormal(22 if plant else 21 if with_cond else 15, 0.6))
        cases.append({"case_id": cid, "received_date": "2025-03-03",
                      "condition": "with_conditions" if with_cond else "without_conditions",
                      "debtor_kind": "organization" if (plant or (with_cond and i % 2)) else "person"})
        verifications.append({"case_id": cid, "verification_date": "2026-06-01", "assets_value": value,
                              "income": bool(with_cond and rng.random() < 0.5),
                              "outcome": "with_conditions" if with_cond else "without_conditions"})
    return make_records(cases=cases, verifications=verifications), [f"C{i}" for i in range(2 * n, 2 * n + planted)]


def _run(records, settings, seed=20080614):
    ctx = RuleContext(RunParams.build(dt.date(2026, 10, 15), lang="en", seed=seed, settings=settings))
    return run_rule(get_rule("MC-MODEL"), records, ctx), ctx.notes["MC-MODEL"]


def test_model_finds_the_planted_cases_and_explains_them(settings):
    records, planted = _population()
    f, note = _run(records, settings)
    assert note["auc"] > 0.9
    assert set(planted) <= set(f["entity_id"])
    assert len(f) <= max(1, int(0.05 * note["scored"]))
    assert f["evidence"].str.contains("verified assets value").all()
    assert f["evidence"].str.contains("ranks").all()  # the model's quality, in plain words


def test_model_is_deterministic_under_a_seed(settings):
    records, _ = _population()
    a, _ = _run(records, settings)
    b, _ = _run(records, settings)
    assert a.equals(b)


def test_model_stays_silent_with_a_reason_on_too_little_data(settings):
    records, _ = _population(n=40, planted=2)
    f, note = _run(records, settings)
    assert f.empty and note["silent"] == "too_little_data"


def test_model_stays_silent_when_it_cannot_separate(settings):
    rng = np.random.default_rng(1)
    cases = [{"case_id": f"C{i}", "received_date": "2025-03-03",
              "condition": "with_conditions" if i % 2 else "without_conditions"} for i in range(400)]
    verifications = [{"case_id": f"C{i}", "verification_date": "2026-06-01",
                      "assets_value": int(rng.lognormal(18, 1))} for i in range(400)]
    f, note = _run(make_records(cases=cases, verifications=verifications), settings)
    assert f.empty and note["silent"] == "weak_model"


def test_a_large_population_trains_on_a_stratified_sample_and_scores_everyone(settings):
    from dataclasses import replace

    import pandas as pd

    from audit.rules.misclassification_model import _drivers, _stratified_sample

    labels = np.array([1] * 300 + [0] * 100)
    sample = _stratified_sample(labels, 200, 7)
    assert len(sample) == 200 and (np.diff(sample) > 0).all()
    assert labels[sample].sum() == 150  # each class keeps its share
    assert (sample == _stratified_sample(labels, 200, 7)).all()  # seeded
    contrib = pd.DataFrame([[0.5, 2.0, -1.0, 0.5], [-1.0, -2.0, -0.5, -3.0]], columns=["a", "b", "c", "d"])
    assert _drivers(contrib).tolist() == ["b, a, d", ""]

    records, planted = _population()
    bounded = replace(settings, overrides={**settings.overrides, "MC-MODEL": {"max_train": 300}})
    f, note = _run(records, bounded)
    assert note["trained_on"] == 300 and len(f)
    assert set(f["case_id"]) <= set(planted) | {f"C{i}" for i in range(240, 480)}
