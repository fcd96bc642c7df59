"""The common check every registered rule must pass, as scikit-learn's check_estimator:
its declaration is complete (kind, legal basis or indicator text, every parameter
documented), it fires on its case and not on its near miss (``_rule_cases.py``), and
every parameter it declares is read when it runs (none is dead)."""

from __future__ import annotations

import pytest
from _rule_cases import CASES

from audit.config import load_settings
from audit.errors import ParameterError
from audit.rules.context import RuleContext
from audit.rules.registry import UNITS, all_rules, get_rule
from audit.rules.run import detect_hits, run_rule
from audit.runparams import RunParams

RULES = all_rules()
IDS = [r.rule_id for r in RULES]


@pytest.fixture(scope="module")
def settings():
    return load_settings()


def _ctx(settings, as_of):
    return RuleContext(RunParams.build(as_of, lang="en", settings=settings))


def test_every_rule_has_its_case_and_no_case_is_stale():
    assert sorted(CASES) == sorted(IDS)


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_declaration_is_complete(rule, settings):
    assert rule.kind in ("violation", "indicator")
    for key in ("title", "checked", "evidence"):
        assert all(rule.texts[key]), f"{rule.rule_id}: no {key} text"
    article = any("article" in p.rules.get(rule.rule_id, {}) for p in settings.packs)
    if rule.kind == "violation":
        assert article or "basis" in rule.texts, f"{rule.rule_id}: a violation needs an article or a basis"
    else:
        assert "basis" in rule.texts, f"{rule.rule_id}: an indicator says why it is one"
    for p in rule.params:
        assert p.doc and p.unit in UNITS, f"{rule.rule_id}.{p.name} is not documented"
        if p.legal:  # a number of the law lives in the rule packs
            assert any(p.name in pack.rules.get(rule.rule_id, {}) for pack in settings.packs), \
                f"{rule.rule_id}.{p.name} is legal but in no rule pack"
    # the texts are worded from the parameters: no number of a parameter is written in them
    for lang in ("vi", "en"):
        text = rule.describe(lang)
        assert "{" not in text
        worded = rule.describe(lang, {p.name: p.default * 3 + 7 for p in rule.params})
        assert all(p.name not in rule.texts["checked"][0] or worded != text for p in rule.params)


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_fires_on_its_case(rule, settings):
    case = CASES[rule.rule_id]
    ctx = _ctx(settings, case.as_of)
    records = case.fires().as_of(ctx.as_of)
    hits, params = detect_hits(rule, records, ctx)
    found = run_rule(rule, records, ctx)
    assert sorted(found["entity_id"]) == sorted(case.entities), rule.rule_id
    assert (found["finding_kind"] == rule.kind).all()
    if rule.kind == "violation":
        assert found["occurred_on"].notna().all()
    # every parameter is exercised: the rule reads each one on its firing case
    assert params.read_names == {p.name for p in rule.params}, f"{rule.rule_id} never reads some parameter"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_near_miss_does_not_fire(rule, settings):
    case = CASES[rule.rule_id]
    ctx = _ctx(settings, case.as_of)
    found = run_rule(rule, case.near().as_of(ctx.as_of), ctx)
    assert found.empty, found[["entity_id", "evidence"]].to_string()


@pytest.mark.parametrize("rule", [r for r in RULES if r.params], ids=[r.rule_id for r in RULES if r.params])
def test_an_unknown_parameter_is_a_clear_error(rule, settings):
    params = settings.bind(rule)
    with pytest.raises(ParameterError, match=f"{rule.rule_id}: no parameter 'nonsense'"):
        params.nonsense  # noqa: B018
    with pytest.raises(ParameterError, match="unknown parameter"):
        settings.param(rule.rule_id, "nonsense")
    with pytest.raises(ParameterError, match="unknown rule"):
        settings.param(rule.rule_id + "X", rule.params[0].name)
    typed = params.__getattr__(rule.params[0].name)
    assert isinstance(typed, rule.params[0].kind) or hasattr(typed, "at")


def test_the_report_words_a_rule_with_the_values_in_force(tmp_path):
    f = tmp_path / "i.yaml"
    f.write_text("rules:\n  ST-NO-ACTION: {days: 120}\n  DL-DECISION: {working_days: 7}\n", encoding="utf-8")
    s = load_settings(f)
    assert "120 days" in s.describe("ST-NO-ACTION", "en") and "180" not in s.describe("ST-NO-ACTION", "en")
    assert "7 ngày làm việc" in s.describe("DL-DECISION", "vi")
    assert "10%" in get_rule("AU-PRICE-CUT").describe("en")  # a share reads as a percentage
