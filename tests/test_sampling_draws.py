"""Draws on the demo database, in two steps: committed, drawn after the delay with a public
value, reproducible, verified, one per cycle, coverage, the command line and the report.

One small demo database per module; risk measures are cached by the records'
fingerprint, so the commitments after the first reuse the first scan. Times are
passed in explicitly (``now=``): the clock is never patched.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import stat

import duckdb
import pytest

from audit.cli import main
from audit.errors import ParameterError
from audit.sampling import (
    NotYet,
    VerificationError,
    check_log,
    commit_cases,
    commit_units,
    draw,
    read_log,
    render_report,
    verify,
)
from audit.sampling.cases import case_rows, cases_frame
from audit.sampling.commit import commit_event, read_doc
from audit.sampling.draw import build_result
from audit.sampling.params import load_params
from audit.sampling.units import frame_rows, units_frame

AS_OF = "2026-10-15"
T0 = dt.datetime(2026, 11, 3, 8, 0, tzinfo=dt.UTC)  # the commitment
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from audit.demo import write_demo_database

    path = tmp_path_factory.mktemp("sampling-demo") / "demo.duckdb"
    write_demo_database(path, units=12, cases_per_unit=300)
    return path


@pytest.fixture(scope="module")
def cycle(demo_db, tmp_path_factory):
    """One cycle committed and drawn (units, then one unit's cases), shared by read-only tests."""
    folder = tmp_path_factory.mktemp("sampling-root") / "2026-11"
    units_doc = commit_units(demo_db, AS_OF, "2026-11", 4, folder, now=T0)
    units = draw(folder, public_value="04817", now=T0 + 2 * DAY)
    unit = units["selected"][0]
    cases_doc = commit_cases(demo_db, unit, AS_OF, "2026-11", folder, now=T0 + 2 * DAY)
    value = f"xsmb {cases_doc['inputs']['public']['round']} 55123"
    cases = draw(folder, unit, public_value=value, now=T0 + 4 * DAY)
    return {"folder": folder, "units_doc": units_doc, "units": units, "cases_doc": cases_doc, "cases": cases}


def _draws(root, kind="units"):
    return [e for e in read_log(root) if e["event"] == "draw" and e["kind"] == kind]


# -- two steps in time ------------------------------------------------------------------
def test_the_commitment_is_logged_before_the_draw_and_holds_no_secret(cycle):
    folder, doc, units = cycle["folder"], cycle["units_doc"], cycle["units"]
    events = check_log(folder.parent)
    commit = commit_event(events, doc["commitment"])
    drawn = next(e for e in events if e["event"] == "draw" and e["commitment"] == doc["commitment"])
    assert commit["seq"] < drawn["seq"] and commit["at"] == doc["inputs"]["committed_at"] < drawn["at"]
    assert "secret" not in commit and "seed" not in commit
    assert commit["inputs_sha256"] == doc["inputs_sha256"]
    # The round was assigned from the commitment's time plus the delay: the first XSMB draw after it.
    assert doc["inputs"]["delay_hours"] == 24 and doc["inputs"]["earliest_draw"] == "2026-11-04T08:00:00.000000Z"
    assert (commit["public_source"], commit["public_round"]) == ("xsmb", "2026-11-04")
    # Revealed with the draw, in the result and the log alike.
    assert drawn["secret"] == units["secret"] and drawn["public_value"] == "04817" == units["public"]["value"]
    assert units["committed_at"] == doc["inputs"]["committed_at"]


def test_the_frame_is_committed_in_full(cycle):
    rows = cycle["units_doc"]["inputs"]["frame"]
    assert len(rows) == 12 and {r["unit_id"] for r in rows} == {r["unit_id"] for r in cycle["units"]["units"]}
    for r in rows:  # every unit's score and each component, raw, scaled and weighted
        for key in ("stalled_share", "deadline_rate_points", "completion_jump_scaled", "score", "size"):
            assert key in r
    inputs = cycle["units_doc"]["inputs"]
    assert inputs["toolkit_version"] and inputs["as_of"] == AS_OF and inputs["cycle"] == "2026-11"
    assert inputs["params"] == load_params() and inputs["history"]["cycles"] == []
    cases = cycle["cases_doc"]["inputs"]["frame"]
    assert {"case_id", "amount_due", "closed_date", "flag_high"} <= set(cases[0])
    # Every case of the unit, as the records give them.
    unit = cycle["cases_doc"]["inputs"]["unit"]
    _, frame = cases_frame(cycle["units_doc"]["inputs"]["request"]["source"], unit, dt.date.fromisoformat(AS_OF),
                           None)
    assert cases == case_rows(frame) and len(cases) > 100


def test_the_sealed_secret_is_private_until_the_draw_then_revealed(demo_db, tmp_path):
    folder = tmp_path / "s" / "c1"
    doc = commit_units(demo_db, AS_OF, "c1", 3, folder, now=T0)
    sealed = folder / doc["sealed_file"]
    assert stat.S_IMODE(sealed.stat().st_mode) == 0o600 and stat.S_IMODE(sealed.parent.stat().st_mode) == 0o700
    secret = sealed.read_text(encoding="ascii").strip()
    published = [p for p in folder.rglob("*") if p.is_file() and "sealed" not in p.parts]
    published.append(folder.parent / "sampling-log.jsonl")
    assert all(secret not in p.read_text(encoding="utf-8") for p in published)
    result = draw(folder, public_value="04817", now=T0 + 2 * DAY)
    assert result["secret"] == secret and not sealed.exists()


def test_a_configured_secrets_folder_holds_the_sealed_secret(demo_db, tmp_path):
    secrets_dir = tmp_path / "vault"
    folder = tmp_path / "s" / "c1"
    doc = commit_units(demo_db, AS_OF, "c1", 3, folder, secrets_dir=secrets_dir, now=T0)
    [sealed] = list(secrets_dir.iterdir())
    assert doc["sealed_file"] == str(sealed) and stat.S_IMODE(sealed.stat().st_mode) == 0o600
    assert not (folder / "sealed").exists()
    secret = sealed.read_text(encoding="ascii").strip()
    assert draw(folder, public_value="04817", now=T0 + 2 * DAY)["secret"] == secret
    assert not sealed.exists() and verify(folder).draws
    readonly = tmp_path / "readonly"
    readonly.mkdir(mode=0o500)
    if os.geteuid() != 0:  # root writes anywhere
        with pytest.raises(ParameterError, match="cannot seal the secret here"):
            commit_units(demo_db, AS_OF, "c2", 3, tmp_path / "s" / "c2", secrets_dir=readonly, now=T0)


def test_the_draw_is_refused_before_the_delay_and_before_the_round_is_published(demo_db, tmp_path):
    folder = tmp_path / "s" / "c1"
    commit_units(demo_db, AS_OF, "c1", 3, folder, now=T0)
    for when, message in ((T0 - DAY, "not due before 2026-11-04T08:00"),
                          (T0 + dt.timedelta(hours=23, minutes=59), "not due before"),
                          (T0 + dt.timedelta(hours=27), "xsmb round 2026-11-04 is not published before "
                                                        "2026-11-04T12:00")):
        with pytest.raises(NotYet, match=message) as info:
            draw(folder, public_value="04817", now=when)
        assert info.value.exit_code == 75
    assert _draws(folder.parent) == [] and not (folder / "units.json").exists()
    with pytest.raises(ParameterError, match="needs the public value of xsmb round 2026-11-04"):
        draw(folder, now=T0 + 2 * DAY)
    with pytest.raises(ParameterError, match="commitment named xsmb round 2026-11-04"):
        draw(folder, public_value="xsmb 2026-11-05 04817", now=T0 + 2 * DAY)
    assert draw(folder, public_value="04817", now=T0 + dt.timedelta(hours=28))["status"] == "drawn"


def test_the_draw_is_a_function_of_the_committed_inputs_secret_and_public_value(cycle, demo_db):
    folder, doc, units = cycle["folder"], cycle["units_doc"], cycle["units"]
    line = commit_event(read_log(folder.parent), doc["commitment"])
    secret = bytes.fromhex(units["secret"])
    again = build_result(doc, line, secret, "04817", units["drawn_at"])
    assert again == {k: v for k, v in units.items() if k not in ("status", "result_file", "draw_line", "log_head")}
    others = {tuple(build_result(doc, line, secret, f"{v:05d}", units["drawn_at"])["selected"]) for v in range(12)}
    assert len(others) > 1  # the public value matters
    # The committed frame is what the records give.
    _, table = units_frame(str(demo_db), dt.date.fromisoformat(AS_OF), load_params(), None)
    assert frame_rows(table) == doc["inputs"]["frame"]


def test_result_records_everything_a_reviewer_needs(cycle):
    folder, units, cases = cycle["folder"], cycle["units"], cycle["cases"]
    rows = units["units"]
    assert len(rows) == 12 and sum(r["selected"] for r in rows) == 4
    for r in rows:
        assert r["size"] == pytest.approx(0.15 + r["score"])
    assert sum(r["pi"] for r in rows) == pytest.approx(4)
    assert (folder / "units.csv").is_file() and (folder / "cases" / f"{cases['unit']}.csv").is_file()
    assert cases["sizes"]["attribute"]["n"] == 59
    assert all("finding" in c["reasons"] for c in cases["cases"] if c["rules"])
    assert "59" in cases["explanation"]["en"] and "làm tròn lên 59" in cases["explanation"]["vi"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"units.commitment.json", "units.json", "units.csv",
                                      f"cases/{cases['unit']}.commitment.json", f"cases/{cases['unit']}.json",
                                      f"cases/{cases['unit']}.csv"}


def test_verify_passes_and_is_logged(cycle):
    folder, units, cases = cycle["folder"], cycle["units"], cycle["cases"]
    checked = verify(folder, public_values=["04817"])
    assert [(v.kind, v.selected) for v in checked.draws] == [("units", units["selected"]),
                                                             ("cases", cases["selected"])]
    assert checked.pending == [] and checked.abandoned == [] and not checked.frame_checked
    assert read_log(folder.parent)[-1]["event"] == "verify" and read_log(folder.parent)[-1]["ok"] is True
    assert verify(folder, str(cycle["units_doc"]["inputs"]["request"]["source"]),
                  commitment=units["commitment"]).frame_checked


def test_a_draw_made_twice_returns_the_recorded_one(cycle):
    folder, units = cycle["folder"], cycle["units"]
    shutil.copytree(folder.parent, folder.parent.parent / "copy")
    copy = folder.parent.parent / "copy" / folder.name
    again = draw(copy, public_value="04817", now=T0 + 5 * DAY)
    assert again["status"] == "recorded" and again["selected"] == units["selected"]
    assert draw(copy, now=T0 + 5 * DAY)["status"] == "recorded"
    with pytest.raises(ParameterError, match="drawn with xsmb round 2026-11-04 = 04817; another value is refused"):
        draw(copy, public_value="99999", now=T0 + 5 * DAY)
    assert len(_draws(copy.parent)) == 1


def test_the_committed_frame_is_drawn_even_when_the_records_change_and_verify_says_so(demo_db, tmp_path):
    db = tmp_path / "records.duckdb"
    shutil.copyfile(demo_db, db)
    folder = tmp_path / "s" / "c1"
    commit_units(db, AS_OF, "c1", 3, folder, now=T0)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE cases SET amount_due = amount_due + 1 WHERE case_id = (SELECT min(case_id) FROM cases)")
    draw(folder, public_value="04817", now=T0 + 2 * DAY)
    assert verify(folder).draws  # from the published inputs: all consistent
    with pytest.raises(VerificationError, match="records have changed since the commitment"):
        verify(folder, str(db))


# -- one commitment per cycle -------------------------------------------------------------
def test_a_second_commitment_needs_a_reason_and_the_first_stays_visible(demo_db, tmp_path):
    folder = tmp_path / "s" / "c1"
    first = commit_units(demo_db, AS_OF, "c1", 3, folder, now=T0)
    drawn = draw(folder, public_value="04817", now=T0 + 2 * DAY)
    with pytest.raises(ParameterError, match="already has a commitment for its units") as info:
        commit_units(demo_db, AS_OF, "c1", 3, folder, now=T0 + 3 * DAY)
    assert "--redraw --reason" in str(info.value)
    for reason in (None, "  "):
        with pytest.raises(ParameterError, match="--redraw needs --reason"):
            commit_units(demo_db, AS_OF, "c1", 3, folder, redraw=True, reason=reason, now=T0 + 3 * DAY)
    refused = [e for e in read_log(folder.parent) if e["event"] == "refused"]
    assert len(refused) == 1 and "already has a commitment" in refused[0]["message"]
    second = commit_units(demo_db, AS_OF, "c1", 3, folder, redraw=True, reason="unit KV03 merged",
                          now=T0 + 3 * DAY)
    assert second["commitment"] != first["commitment"]
    assert second["inputs"]["replaces"] == {"commitment": first["commitment"], "reason": "unit KV03 merged"}
    redraw = [e for e in read_log(folder.parent) if e["event"] == "redraw"]
    assert len(redraw) == 1 and redraw[0]["reason"] == "unit KV03 merged" and redraw[0]["drawn"] is True
    assert redraw[0]["revealed_secret"] == drawn["secret"]
    assert all((folder / a).is_file() for a in redraw[0]["archived"])  # the replaced draw is kept
    checked = verify(folder)
    assert checked.draws == [] and [p.commitment for p in checked.pending] == [second["commitment"]]
    assert [(a.commitment, a.reason, a.drawn, a.secret_revealed) for a in checked.abandoned] == [
        (first["commitment"], "unit KV03 merged", True, True)]


def test_an_undrawn_commitment_replaced_has_its_secret_revealed(demo_db, tmp_path):
    folder = tmp_path / "s" / "c1"
    first = commit_units(demo_db, AS_OF, "c1", 3, folder, now=T0)
    secret = (folder / first["sealed_file"]).read_text(encoding="ascii").strip()
    commit_units(demo_db, AS_OF, "c1", 3, folder, redraw=True, reason="wrong count", now=T0 + dt.timedelta(hours=1))
    redraw = next(e for e in read_log(folder.parent) if e["event"] == "redraw")
    assert redraw["revealed_secret"] == secret and redraw["drawn"] is False
    assert not (folder / first["sealed_file"]).exists()
    draw(folder, public_value="04817", now=T0 + 2 * DAY)
    [gone] = verify(folder).abandoned
    assert gone.commitment == first["commitment"] and gone.secret_revealed and not gone.drawn


# -- coverage ------------------------------------------------------------------------
def test_coverage_forces_in_long_uninspected_units(demo_db, tmp_path):
    params = tmp_path / "sampling.yaml"
    params.write_text("units:\n  coverage_cycles: 2\n", encoding="utf-8")
    root = tmp_path / "sampling"

    def cycle_draw(name, count, start, **kwargs):
        commit_units(demo_db, AS_OF, name, count, root / name, params_file=params, now=start, **kwargs)
        return draw(root / name, public_value="12345", now=start + 2 * DAY)

    first = cycle_draw("c1", 5, T0)
    assert not first["coverage"]["in_force"]
    second = cycle_draw("c2", 5, T0 + 3 * DAY)
    covered = set(first["selected"]) | set(second["selected"])
    uncovered = sorted({r["unit_id"] for r in first["units"]} - covered)
    assert len(uncovered) >= 2  # 10 draws cannot cover 12 units
    history = tmp_path / "inspections.csv"
    with history.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerows([("unit_id", "inspected_on"), (uncovered[0], "15/10/2026"), (uncovered[1], "2024-03-01")])
    third = cycle_draw("c3", 3, T0 + 6 * DAY, history_file=history)
    cov = third["coverage"]
    assert cov["in_force"] and cov["window"] == ["c1", "c2"]
    assert cov["forced"] == uncovered[1:]
    rows = {r["unit_id"]: r for r in third["units"]}
    for unit in uncovered[1:]:
        assert rows[unit]["selected"] and rows[unit]["reason"] == "coverage" and rows[unit]["pi"] == 1.0
    assert not rows[uncovered[0]]["forced"]
    assert len(third["selected"]) == max(3, len(uncovered) - 1)
    doc = read_doc(root / "c3" / "units.commitment.json", "commitment")
    assert doc["inputs"]["history"]["external"][0]["inspected_on"] == "2024-03-01"
    assert len(doc["inputs"]["history_file_sha256"]) == 64
    assert [v.kind for v in verify(root / "c3").draws] == ["units"]


# -- command line --------------------------------------------------------------------
def test_cli_commit_prints_the_commitment_never_the_secret_and_the_draw_waits(demo_db, tmp_path, capsys):
    out = tmp_path / "sampling" / "2026-12"
    args = ["sample", "commit", "units", "--source", str(demo_db), "--as-of", AS_OF, "--cycle", "2026-12",
            "--count", "3", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    doc = json.loads((out / "units.commitment.json").read_text(encoding="utf-8"))
    secret = (out / doc["sealed_file"]).read_text(encoding="ascii").strip()
    assert doc["commitment"] in printed and secret not in printed
    assert f"xsmb round {doc['inputs']['public']['round']}" in printed and "log head:" in printed
    # The clock has not moved a day: the draw waits (exit 75), in one line.
    assert main(["sample", "draw", str(out), "--public-value", "04817"]) == 75
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not due before" in err
    assert main(args) == 2 and "already has a commitment" in capsys.readouterr().err
    assert main(args + ["--redraw"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--redraw needs --reason" in err


def test_cli_draws_from_a_values_file_and_verifies(demo_db, tmp_path, capsys):
    db = tmp_path / "records.duckdb"
    shutil.copyfile(demo_db, db)
    out = tmp_path / "sampling" / "2026-11"
    # Committed two days ago (the time passed in): the round is published by now.
    start = dt.datetime.now(dt.UTC) - 2 * DAY
    doc = commit_units(db, AS_OF, "2026-11", 3, out, now=start)
    values = tmp_path / "public-values.txt"
    values.write_text("# the operator's copy of the published results\n", encoding="utf-8")
    assert main(["sample", "draw", str(out), "--public-values", str(values)]) == 75
    assert "no value for xsmb round" in capsys.readouterr().err
    values.write_text(f"xsmb {doc['inputs']['public']['round']} 60931\n", encoding="utf-8")
    assert main(["sample", "reveal", str(out), "--public-values", str(values)]) == 0
    printed = capsys.readouterr().out
    result = json.loads((out / "units.json").read_text(encoding="utf-8"))
    assert result["seed"] in printed and "new draw" in printed and "= 60931" in printed
    assert main(["sample", "verify", str(out), "--commitment", doc["commitment"], "--public-value", "60931"]) == 0
    printed = capsys.readouterr().out
    assert "verified:" in printed and "pass --source" in printed
    assert main(["sample", "verify", str(out), "--public-value", "60932"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is 60931, not the published 60932" in err
    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM events WHERE case_id = (SELECT min(case_id) FROM events)")
    assert main(["sample", "verify", str(out), "--source", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("audit sample: error: ") and "records have changed" in err


@pytest.mark.parametrize(("extra", "message"), [
    (["--cycle", "../escape"], "cycle '../escape' must be"),
    (["--cycle", "ok", "--sampling-params", "{bad}"], "unknown key 'units.weigths'"),
    (["--cycle", "ok", "--params", "{bad}"], "--params is now --sampling-params FILE"),
    (["--cycle", "ok", "--source", "/no/such.duckdb"], "no such file"),
])
def test_cli_errors_are_one_line(demo_db, tmp_path, capsys, extra, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text("units:\n  weigths: {}\n", encoding="utf-8")
    extra = [str(bad) if x == "{bad}" else x for x in extra]
    args = ["sample", "commit", "units", "--source", str(demo_db), "--as-of", AS_OF, "--count", "2",
            "--out", str(tmp_path / "s" / "x")] + extra
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    if "--sampling-params" in extra:
        assert str(bad) in err


def test_cli_cases_verify_and_missing_cycle(cycle, capsys):
    folder, cases = cycle["folder"], cycle["cases"]
    shutil.copytree(folder.parent, folder.parent.parent / "cli-copy")
    copy = folder.parent.parent / "cli-copy" / folder.name
    assert main(["sample", "draw", str(copy), "--unit", cases["unit"]]) == 0
    assert "recorded draw returned" in capsys.readouterr().out
    assert main(["sample", "verify", str(copy)]) == 0
    out = capsys.readouterr().out
    assert out.count("verified:") == 2 and f"cases of {cases['unit']}" in out
    assert main(["sample", "verify", str(folder.parent / "no-such-cycle")]) == 1
    assert "no sampling cycle here" in capsys.readouterr().err


# -- report --------------------------------------------------------------------------
EXTERNAL = re.compile(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", re.I)


@pytest.mark.slow
def test_report_shows_both_steps_joins_the_manifest_and_an_edit_is_caught(cycle, tmp_path):
    shutil.copytree(cycle["folder"].parent, tmp_path / "root")
    folder = tmp_path / "root" / cycle["folder"].name
    units = cycle["units"]
    html = render_report(folder, "en").read_text(encoding="utf-8")
    for text in (units["commitment"], units["secret"], units["seed"], "xsmb, round 2026-11-04: 04817",
                 "Risk ranking and inclusion probabilities", "Probability π",
                 "No commitment of this cycle was replaced.", *units["selected"]):
        assert text in html, text
    assert "read_cycle(" not in html and "import " not in html and "Traceback" not in html
    assert EXTERNAL.search(html) is None and '<html lang="en">' in html
    assert len(_draws(folder.parent)) == 1  # rendering read the recorded draw, drew nothing
    assert "report.html" in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert verify(folder).draws
    path = folder / "report.html"
    path.write_text(html.replace(units["selected"][0], "KV99", 1), encoding="utf-8")
    with pytest.raises(VerificationError, match="report.html was changed after it was published"):
        verify(folder)
    os.remove(path)
    with pytest.raises(VerificationError, match="report.html is listed in the manifest but missing"):
        verify(folder)
