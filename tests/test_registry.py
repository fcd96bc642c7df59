"""The common test every registered rule must pass (as scikit-learn's check_estimator)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml
from _builders import make_records

from audit.config import load_settings
from audit.contract import CATEGORIES, ENTITY_TYPES, FINDING_COLUMNS, SEVERITIES
from audit.errors import ParameterError
from audit.i18n import catalogue
from audit.rules.context import RuleContext
from audit.rules.registry import all_rules
from audit.rules.run import run_rule
from audit.runparams import RunParams

RULES = all_rules()
IDS = [r.rule_id for r in RULES]


def _crowd():
    """Six units of seventy open cases: KV06 classifies most of its cases without conditions,
    and in KV01 executor X1 carries most cases and lets them sit idle."""
    cases, events, executors = [], [], []
    for u in range(1, 7):
        unit = f"KV0{u}"
        for e in range(4):
            executors.append({"executor_id": f"X{u}{e}", "unit_id": unit})
        for i in range(70):
            ex = f"X{u}0" if (u == 1 and i < 25) else f"X{u}{1 + i % 3}"
            cid = f"{unit}-{i}"
            without = (u == 6 and i < 30) or i % 10 == 0
            cases.append({"case_id": cid, "unit_id": unit, "executor_id": ex, "received_date": "2026-01-05",
                          "decision_date": "2026-01-06",
                          "condition": "without_conditions" if without else "with_conditions"})
            last = "2026-02-02" if (u == 1 and i < 20) else "2026-09-20"
            events.append({"case_id": cid, "event_date": last, "event_type": "notification"})
    return cases, events, executors


def rich_records():
    """A little of everything, so every rule has something to look at."""
    crowd_cases, crowd_events, executors = _crowd()
    cases = crowd_cases + [
        {"case_id": "C1", "received_date": "2026-02-13", "decision_date": "2026-03-06"},
        {"case_id": "C2", "received_date": "2025-02-13", "condition": "without_conditions"},
        {"case_id": "C3", "received_date": "2025-06-02", "decision_date": "2025-06-03", "amount_due": 10**12},
        {"case_id": "C4", "received_date": "2024-11-04", "status": "completed", "closed_date": "2025-12-01"},
        {"case_id": "C5", "received_date": "2025-06-02", "decision_date": "2025-06-03",
         "condition": "without_conditions"},
    ]
    events = crowd_events + [
        {"case_id": "C3", "event_date": "2025-06-05", "event_type": "notification"},
        {"case_id": "C3", "event_date": "2025-07-01", "event_type": "collection", "amount": 5 * 10**11},
        {"case_id": "C3", "event_date": "2025-08-01", "event_type": "disbursement", "amount": 10**11},
        {"case_id": "C3", "event_date": "2025-09-01", "event_type": "postponed"},
        {"case_id": "C4", "event_date": "2025-12-01", "event_type": "collection", "amount": 100_000_000},
        {"case_id": "C5", "event_date": "2025-06-05", "event_type": "notification"},
    ] + [{"case_id": "C5", "event_date": f"2025-09-{d:02d}", "event_type": "classified_without"}
         for d in range(10, 16)]
    verifications = [{"case_id": "C2", "verification_date": "2025-03-01", "land": True}]
    rep = [{"unit_id": "KV01", "period_start": "2024-10-01", "period_end": "2025-09-30",
            "metric": "cases_total", "value": 9}]
    units = [{"unit_id": f"KV0{u}"} for u in range(1, 7)]
    records = make_records(cases=cases, events=events, verifications=verifications, reported_stats=rep,
                           units=units, executors=executors + [{"executor_id": "E1"}])
    issues = pd.DataFrame({
        "rule_id": ["DQ-SCHEMA", "DQ-DATE-ORDER", "DQ-UNKNOWN-CODE", "DQ-ORPHAN", "DQ-DUPLICATE"],
        "table": ["cases", "cases", "events", "events", "cases"], "row": pd.array([5, 6, 7, 8, 9], "Int64"),
        "column": ["amount_due", "decision_date", "event_type", "case_id", "case_id"],
        "value": ["abc", "2020-01-01", "appeal", "C99", "C1"], "reason": ["not a whole number"] * 5,
        "entity_id": ["C5", "C6", "C1", "C99", "C1"], "case_id": ["C5", "C6", "C1", "C99", "C1"],
        "unit_id": ["KV01"] * 5}).astype({c: "str" for c in ("rule_id", "table", "column", "value", "reason",
                                                            "entity_id", "case_id", "unit_id")})
    return records.__class__(records.tables, records.present, issues, records.counts, "rich", "x")


@pytest.fixture(scope="module")
def ctx():
    return RuleContext(RunParams.build(dt.date(2026, 10, 15), lang="vi", settings=load_settings()))


@pytest.fixture(scope="module", params=["hand-made", "demo"])
def records(request, tmp_path_factory):
    if request.param == "hand-made":
        return rich_records().as_of(dt.date(2026, 10, 15))
    # The demo data has assets, valuations, auctions and bids for the sale rules.
    from audit.demo import write_demo_database
    from audit.io import load_records

    db = tmp_path_factory.mktemp("registry") / "demo.duckdb"
    write_demo_database(db, units=5, cases_per_unit=400, seed=5)
    return load_records(str(db)).as_of(dt.date(2026, 10, 15))


def test_every_rule_fires_on_the_rich_fixture(records, ctx):
    # Guards the fixture: a rule that never fires here would make the checks below vacuous.
    # (a rule may stay silent only when it says why, as the model does on too little data)
    silent = [r.rule_id for r in RULES if r.applicable(records) and run_rule(r, records, ctx).empty
              and "silent" not in ctx.notes.get(r.rule_id, {})]
    assert silent == []


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_declaration(rule):
    assert rule.category in CATEGORIES and rule.severity in SEVERITIES and rule.entity_type in ENTITY_TYPES
    for key in ("title", "checked", "evidence"):
        assert f"rule.{rule.rule_id}.{key}" in catalogue(), f"{rule.rule_id} has no {key} message"
    assert rule.detect.__doc__, "a rule says what it checks"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_output_schema_inputs_unchanged_and_deterministic(rule, records, ctx):
    before = {name: frame.copy(deep=True) for name, frame in records.tables.items()}
    first = run_rule(rule, records, ctx)
    second = run_rule(rule, records, ctx)
    for name, frame in records.tables.items():
        pd.testing.assert_frame_equal(frame, before[name])
    assert list(first.columns) == list(FINDING_COLUMNS)
    pd.testing.assert_frame_equal(first, second)
    assert (first["rule_id"] == rule.rule_id).all()
    assert first["finding_id"].is_unique
    assert first["evidence"].str.len().gt(0).all()
    assert not first["evidence"].str.contains("{", regex=False).any()


# docs/rules.md "Violations and indicators": the rules a conclusion may state as facts.
VIOLATIONS = {
    "DL-DECISION", "DL-NOTIFY", "DL-VERIFY-FIRST", "DL-REVERIFY", "DL-AUCTION-CONTRACT",
    "DL-AUCTION-HELD", "DL-PRICE-REDUCTION", "DL-POSTPONE", "DL-COMPLAINT", "DI-LATE", "ST-NO-ACTION",
    "MC-ASSETS-FOUND", "MC-NO-VERIFICATION", "VA-EXPIRED", "AU-PRICE-CUT", "RC-REPORTED",
}


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_kind_and_occurrence_date(rule, records, ctx):
    assert rule.kind == ("violation" if rule.rule_id in VIOLATIONS else "indicator")
    found = run_rule(rule, records, ctx)
    assert (found["finding_kind"] == rule.kind).all()
    if rule.kind == "violation" and rule.rule_id != "MC-NO-VERIFICATION":
        # every violation is dated (MC-NO-VERIFICATION may rest on an undated classification)
        assert found["occurred_on"].notna().all(), rule.rule_id


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_empty_input_gives_no_findings(rule, ctx):
    empty = make_records(cases=[], reported_stats=[])
    assert run_rule(rule, empty, ctx).empty


@pytest.mark.parametrize("rule", [r for r in RULES if r.params], ids=[r.rule_id for r in RULES if r.params])
def test_bad_parameters_are_refused_naming_parameter_and_file(rule, tmp_path):
    prm = rule.params[0]
    bad = tmp_path / "inspection.yaml"
    bad.write_text(yaml.safe_dump({"rules": {rule.rule_id: {prm.name: "ten"}}}), encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        load_settings(bad)
    assert str(bad) in str(err.value) and f"{rule.rule_id}.{prm.name}" in str(err.value)
    typo = tmp_path / "typo.yaml"
    typo.write_text(yaml.safe_dump({"rules": {rule.rule_id: {prm.name + "s": 1}}}), encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown parameter"):
        load_settings(typo)
    negative = tmp_path / "neg.yaml"
    negative.write_text(yaml.safe_dump({"rules": {rule.rule_id: {prm.name: -1}}}), encoding="utf-8")
    with pytest.raises(ParameterError, match="at least"):
        load_settings(negative)


def test_unknown_rule_is_refused(tmp_path):
    f = tmp_path / "i.yaml"
    f.write_text("rules:\n  DL-DECISON: {working_days: 5}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown rule 'DL-DECISON'"):
        load_settings(f)


def test_override_changes_the_threshold(tmp_path):
    f = tmp_path / "i.yaml"
    f.write_text("rules:\n  ST-NO-ACTION: {days: 30}\n  DL-DECISION: {working_days: 20}\n", encoding="utf-8")
    s = load_settings(f)
    assert s.param("ST-NO-ACTION", "days") == 30
    received = pd.Series(pd.to_datetime(["2020-01-01", "2026-08-01"]))
    assert s.pack_param("DL-DECISION", "working_days", received).tolist() == [20, 20]
    assert s.effective(["DL-DECISION"])["rules"]["DL-DECISION"]["working_days"] == {"override": 20}


def test_no_import_cycle_through_the_rules():
    """The rules, their registry and context, the runner, the settings and the findings
    import each other in one direction only — counting imports inside functions and those
    made for type checking alone (rule modules are found by name, not imported by the
    registry)."""
    import ast
    from pathlib import Path

    import audit

    root = Path(audit.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        mod = ".".join(("audit", *path.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
        package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
                deps.add(target)
                deps.update(f"{target}.{a.name}" for a in node.names)
        graph[mod] = {d for d in deps if d in graph or d.startswith("audit.")}

    def reaches(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for d in graph.get(todo.pop(), ()):
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return seen

    core = ["audit.config", "audit.findings", "audit.runparams", "audit.measures", "audit.records",
            *(m for m in graph if m.startswith("audit.rules"))]
    loops = sorted(m for m in core if m in reaches(m))
    assert loops == [], f"import loops through {loops}"
