"""Draws on a demo database: reproducible, committed, verified, drawn once per cycle,
coverage, the command line and the report.

One small demo database per module; risk measures are cached by the records'
fingerprint, so the draws after the first reuse the first scan.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import shutil

import duckdb
import pytest

from audit.cli import main
from audit.errors import ParameterError
from audit.sampling import (
    VerificationError,
    read_log,
    render_report,
    sample_cases,
    sample_units,
    verify,
)
from audit.sampling.cases import draw_cases, prepare_cases
from audit.sampling.history import read_history
from audit.sampling.params import load_params
from audit.sampling.units import prepare_units, units_body

AS_OF = "2026-10-15"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from audit.demo import write_demo_database

    path = tmp_path_factory.mktemp("sampling-demo") / "demo.duckdb"
    write_demo_database(path, units=12, cases_per_unit=300)
    return path


@pytest.fixture(scope="module")
def drawn(demo_db, tmp_path_factory):
    """One cycle with a unit draw and a case draw, shared by read-only tests."""
    folder = tmp_path_factory.mktemp("sampling-root") / "2026-10"
    units = sample_units(demo_db, AS_OF, "2026-10", 4, folder)
    cases = sample_cases(demo_db, units["selected"][0], AS_OF, "2026-10", folder)
    return folder, units, cases


def _draws(root, kind="units"):
    return [e for e in read_log(root) if e["event"] == "draw" and e["kind"] == kind]


# -- reproducible ------------------------------------------------------------------
def test_same_seed_same_unit_draw(drawn, demo_db):
    folder, units, _ = drawn
    params = load_params()
    history = read_history(folder.parent, "2026-10", dt.date(2026, 10, 15))
    prepared = prepare_units(str(demo_db), dt.date(2026, 10, 15), params, None, history)
    seed = bytes.fromhex(units["seed"])
    again = units_body(prepared.data, 4, units["history"], params, seed)
    assert again["selected"] == units["selected"] and len(units["selected"]) == 4
    assert again["units"] == units_body(prepared.data, 4, units["history"], params, seed)["units"]
    others = {tuple(units_body(prepared.data, 4, units["history"], params, bytes([i]) * 32)["selected"])
              for i in range(12)}
    assert len(others) > 1


def test_same_seed_same_case_draw(drawn, demo_db):
    _, _, cases = drawn
    params = load_params()
    prepared = prepare_cases(str(demo_db), cases["unit"], dt.date(2026, 10, 15), params, None)
    seed = bytes.fromhex(cases["seed"])
    again = draw_cases(prepared.data, params, dt.date(2026, 10, 15), seed)
    assert again["selected"] == cases["selected"] and again["cases"] == cases["cases"]
    other = draw_cases(prepared.data, params, dt.date(2026, 10, 15), bytes(32))
    assert other["selected"] != cases["selected"]


def test_result_records_everything_a_reviewer_needs(drawn):
    folder, units, cases = drawn
    rows = units["units"]
    assert len(rows) == 12 and sum(r["selected"] for r in rows) == 4
    for r in rows:  # every unit: components (raw, scaled, points), score, π
        for key in ("stalled_share", "deadline_rate_points", "completion_jump_scaled", "score", "size", "pi"):
            assert key in r
        assert r["size"] == pytest.approx(0.15 + r["score"])
    assert sum(r["pi"] for r in rows) == pytest.approx(4)
    assert units["commitment"] == hashlib.sha256(bytes.fromhex(units["seed"])).hexdigest()
    assert (folder / "units.csv").is_file() and (folder / "cases" / f"{cases['unit']}.csv").is_file()
    # Every high-severity case of the unit is in its sample; the sizes are explained.
    assert cases["sizes"]["attribute"]["n"] == 59
    assert all("finding" in c["reasons"] for c in cases["cases"] if c["rules"])
    assert "59" in cases["explanation"]["en"] and "rounded up" in cases["explanation"]["en"]
    assert "làm tròn lên 59" in cases["explanation"]["vi"]


def test_commitment_is_logged_before_the_draw(drawn):
    folder, units, _ = drawn
    events = read_log(folder.parent)
    kinds = [(e["event"], e.get("commitment")) for e in events]
    assert kinds.index(("commit", units["commitment"])) < kinds.index(("draw", units["commitment"]))
    commit = next(e for e in events if e["event"] == "commit" and e["commitment"] == units["commitment"])
    assert commit["input_sha256"] == units["input"]["input_sha256"] and "seed" not in commit
    assert commit["fingerprint"] == units["input"]["fingerprint"]


# -- verified ----------------------------------------------------------------------
def test_verify_passes_and_is_logged(drawn):
    folder, units, cases = drawn
    done = verify(folder)
    assert [v.kind for v in done] == ["units", "cases"]
    assert done[0].selected == units["selected"] and done[1].selected == cases["selected"]
    assert [e["ok"] for e in read_log(folder.parent) if e["event"] == "verify"][-2:] == [True, True]


@pytest.fixture
def fresh(demo_db, tmp_path):
    """A private copy of the database and a fresh cycle drawn from it."""
    db = tmp_path / "records.duckdb"
    shutil.copyfile(demo_db, db)
    folder = tmp_path / "sampling" / "2026-10"
    result = sample_units(db, AS_OF, "2026-10", 4, folder)
    return db, folder, result


def _edit(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def test_a_tampered_seed_fails(fresh):
    _, folder, result = fresh
    flipped = ("0" if result["seed"][0] != "0" else "1") + result["seed"][1:]
    _edit(folder / "units.json", lambda d: d.update(seed=flipped))
    with pytest.raises(VerificationError, match="seed does not match the commitment"):
        verify(folder)
    assert read_log(folder.parent)[-1] | {"at": None} == {
        "at": None, "event": "verify", "result_file": "2026-10/units.json", "ok": False,
        "message": read_log(folder.parent)[-1]["message"]}


def test_a_tampered_input_fails(fresh):
    db, folder, _ = fresh
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE cases SET amount_due = amount_due + 1 "
                    "WHERE case_id = (SELECT min(case_id) FROM cases)")
    with pytest.raises(VerificationError, match="source has changed since the draw"):
        verify(folder)


def test_a_tampered_result_file_fails(fresh):
    _, folder, result = fresh
    rows = result["units"]
    out = next(r["unit_id"] for r in rows if not r["selected"])
    swapped = [out] + result["selected"][1:]
    _edit(folder / "units.json", lambda d: d.update(selected=swapped))
    with pytest.raises(VerificationError, match="result file was changed after the draw"):
        verify(folder)


def test_a_tampered_result_fails_even_with_a_doctored_log(fresh):
    # Edit the selection and the log's hash of the file: the recomputation still catches it.
    _, folder, result = fresh
    out = next(r["unit_id"] for r in result["units"] if not r["selected"])
    _edit(folder / "units.json", lambda d: d.update(selected=[out] + result["selected"][1:]))
    log = folder.parent / "sampling-log.jsonl"
    digest = hashlib.sha256((folder / "units.json").read_bytes()).hexdigest()
    log.write_text(re.sub(r'"result_sha256": "[0-9a-f]+"', f'"result_sha256": "{digest}"',
                          log.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(VerificationError, match="recomputed from the seed selects"):
        verify(folder)


def test_a_tampered_case_result_fails(drawn, tmp_path):
    folder, _, cases = drawn
    copy = tmp_path / "root"
    shutil.copytree(folder.parent, copy)
    path = copy / folder.name / "cases" / f"{cases['unit']}.json"
    _edit(path, lambda d: d["cases"][0].update(pi_stratified=0.999))
    with pytest.raises(VerificationError, match="result file was changed"):
        verify(copy / folder.name)


# -- one draw per cycle --------------------------------------------------------------
def test_a_second_run_returns_the_recorded_draw(fresh):
    db, folder, first = fresh
    again = sample_units(db, AS_OF, "2026-10", 4, folder)
    assert again["status"] == "recorded" and again["commitment"] == first["commitment"]
    assert again["selected"] == first["selected"]
    assert len(_draws(folder.parent)) == 1
    assert len([e for e in read_log(folder.parent) if e["event"] == "commit"]) == 1
    with pytest.raises(ParameterError, match="already drawn with count 4"):
        sample_units(db, AS_OF, "2026-10", 5, folder)


def test_redraw_needs_a_reason_and_is_logged(fresh):
    db, folder, first = fresh
    for reason in (None, "  "):
        with pytest.raises(ParameterError, match="--redraw needs --reason"):
            sample_units(db, AS_OF, "2026-10", 4, folder, redraw=True, reason=reason)
    assert len(_draws(folder.parent)) == 1
    second = sample_units(db, AS_OF, "2026-10", 4, folder, redraw=True, reason="unit KV03 merged")
    assert second["status"] == "drawn" and second["commitment"] != first["commitment"]
    assert second["replaces"] == {"commitment": first["commitment"], "reason": "unit KV03 merged"}
    events = read_log(folder.parent)
    redraw = [e for e in events if e["event"] == "redraw"]
    assert len(redraw) == 1 and redraw[0]["reason"] == "unit KV03 merged"
    assert redraw[0]["replaces"] == first["commitment"]
    assert len(_draws(folder.parent)) == 2
    assert (folder.parent / redraw[0]["archived"]).is_file()  # the replaced draw is kept
    assert [v.commitment for v in verify(folder)] == [second["commitment"]]


# -- coverage ------------------------------------------------------------------------
def test_coverage_forces_in_long_uninspected_units(demo_db, tmp_path):
    params = tmp_path / "sampling.yaml"
    params.write_text("units:\n  coverage_cycles: 2\n", encoding="utf-8")
    root = tmp_path / "sampling"
    first = sample_units(demo_db, AS_OF, "c1", 5, root / "c1", params_file=params)
    assert not first["coverage"]["in_force"]
    second = sample_units(demo_db, AS_OF, "c2", 5, root / "c2", params_file=params)
    covered = set(first["selected"]) | set(second["selected"])
    uncovered = sorted({r["unit_id"] for r in first["units"]} - covered)
    assert len(uncovered) >= 2  # 10 draws cannot cover 12 units
    # One of them was inspected outside the tool since the window began; one long before.
    history = tmp_path / "inspections.csv"
    with history.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerows([("unit_id", "inspected_on"), (uncovered[0], "15/10/2026"), (uncovered[1], "2024-03-01")])
    third = sample_units(demo_db, AS_OF, "c3", 3, root / "c3", params_file=params, history_file=history)
    cov = third["coverage"]
    assert cov["in_force"] and cov["window"] == ["c1", "c2"]
    assert cov["forced"] == uncovered[1:]
    rows = {r["unit_id"]: r for r in third["units"]}
    for unit in uncovered[1:]:
        assert rows[unit]["selected"] and rows[unit]["reason"] == "coverage" and rows[unit]["pi"] == 1.0
    assert not rows[uncovered[0]]["forced"]
    assert len(third["selected"]) == max(3, len(uncovered) - 1)
    assert cov["last_inspected"][uncovered[1]] == "2024-03-01"
    assert third["history"]["external"][0]["inspected_on"] == "2024-03-01"
    assert [v.kind for v in verify(root / "c3")] == ["units"]


# -- command line --------------------------------------------------------------------
def test_cli_draws_and_verifies_in_process(demo_db, tmp_path, capsys):
    db = tmp_path / "records.duckdb"
    shutil.copyfile(demo_db, db)
    out = tmp_path / "sampling" / "2026-11"
    args = ["sample", "units", "--source", str(db), "--as-of", AS_OF, "--cycle", "2026-11", "--count", "3",
            "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    result = json.loads((out / "units.json").read_text(encoding="utf-8"))
    assert result["commitment"] in printed and result["seed"] in printed and "new draw" in printed
    assert main(args) == 0 and "recorded draw returned" in capsys.readouterr().out

    assert main(args + ["--redraw"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--redraw needs --reason" in err

    assert main(["sample", "verify", str(out)]) == 0
    assert "verified:" in capsys.readouterr().out

    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM events WHERE case_id = (SELECT min(case_id) FROM events)")
    assert main(["sample", "verify", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("audit sample: error: ") and "source has changed" in err


@pytest.mark.parametrize(("extra", "message"), [
    (["--cycle", "../escape"], "cycle '../escape' must be"),
    (["--cycle", "ok", "--params", "{bad}"], "unknown key 'units.weigths'"),
    (["--cycle", "ok", "--source", "/no/such.duckdb"], "no such file"),
])
def test_cli_errors_are_one_line(demo_db, tmp_path, capsys, extra, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text("units:\n  weigths: {}\n", encoding="utf-8")
    extra = [str(bad) if x == "{bad}" else x for x in extra]
    args = ["sample", "units", "--source", str(demo_db), "--as-of", AS_OF, "--count", "2",
            "--out", str(tmp_path / "s" / "x")] + extra
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    if "--params" in extra:
        assert str(bad) in err


def test_cli_cases_and_verify(drawn, capsys):
    folder, units, cases = drawn
    assert main(["sample", "cases", "--source", cases["request"]["source"], "--unit", cases["unit"],
                 "--as-of", AS_OF, "--cycle", "2026-10", "--out", str(folder)]) == 0
    assert "recorded draw returned" in capsys.readouterr().out
    assert main(["sample", "verify", str(folder.parent / "no-such-cycle")]) == 1
    assert "no sampling result here" in capsys.readouterr().err


# -- report --------------------------------------------------------------------------
@pytest.mark.slow
def test_report_renders_the_draw_without_code_or_network(drawn):
    folder, units, _ = drawn
    html = render_report(folder, "en").read_text(encoding="utf-8")
    assert units["commitment"] in html and units["seed"] in html
    for unit in units["selected"]:
        assert unit in html
    assert "Risk ranking and inclusion probabilities" in html and "Probability π" in html
    assert "sample_units(" not in html and "import " not in html and "Traceback" not in html
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", html, re.I)
    assert not re.search(r"https?://", html)
    assert '<html lang="en">' in html
    assert len(_draws(folder.parent)) == 1  # rendering read the recorded draw, drew nothing
