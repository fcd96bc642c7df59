"""Recall and precision of every rule against the demo database's truth table.

The demo generator keeps normal records inside every legal deadline and plants
anomalies of every category with a truth table; a finding matches a truth row on
(rule, entity type, entity id). Two seeds: the rules were developed on neither
in particular, and a threshold tuned to one draw would show on the other.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from audit.pipeline import scan_source
from audit.rules.registry import all_rules

KEY = ["rule_id", "entity_type", "entity_id"]
# Issue floors: 0.95 for the statutory rules, 0.9 for valuation and auction analytics.
FLOOR = {"valuation": 0.9, "auction": 0.9}


@pytest.fixture(scope="module", params=[7, 12], ids=["seed7", "seed12"])
def measured(request, tmp_path_factory):
    from audit.demo import write_demo_database

    db = tmp_path_factory.mktemp(f"truth{request.param}") / "demo.duckdb"
    write_demo_database(db, units=6, cases_per_unit=700, seed=request.param)
    result = scan_source(str(db), "2026-10-15", lang="en")
    with duckdb.connect(str(db), read_only=True) as con:
        truth = con.sql("SELECT * FROM truth").df()
    found = set(map(tuple, result.findings[KEY].astype(str).to_numpy()))
    planted = set(map(tuple, truth[KEY].astype(str).to_numpy()))
    return found, planted, result


def _scores(found, planted, rule_id):
    f = {k for k in found if k[0] == rule_id}
    t = {k for k in planted if k[0] == rule_id}
    tp = len(f & t)
    return tp / len(t) if t else None, tp / len(f) if f else None, t, f


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.rule_id)
def test_recall_and_precision(measured, rule):
    found, planted, _ = measured
    recall, precision, t, f = _scores(found, planted, rule.rule_id)
    assert t, f"the demo data plants no {rule.rule_id} anomaly"
    floor = FLOOR.get(rule.category, 0.95)
    assert recall >= floor, f"{rule.rule_id}: recall {recall:.2f}; missed e.g. {sorted(t - f)[:5]}"
    assert precision is not None and precision >= floor, \
        f"{rule.rule_id}: precision {precision}; false e.g. {sorted(f - t)[:5]}"


def test_ring_detector_flags_no_bidder_outside_the_ring(measured):
    found, planted, _ = measured
    ring = {k for k in planted if k[0] == "AU-RING"}
    assert ring and {k for k in found if k[0] == "AU-RING"} == ring


def test_no_finding_outside_the_catalogue(measured):
    _, _, result = measured
    assert set(result.findings["rule_id"]) <= {r.rule_id for r in all_rules()}
    assert not result.findings["entity_type"].isna().any()
    assert result.findings["finding_id"].is_unique
    assert isinstance(result.findings, pd.DataFrame)
