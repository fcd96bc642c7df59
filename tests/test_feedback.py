"""What the command line tells its user: the unit checked before the kernel, stages, a summary line,
-q/-v and exit codes on every command, and ``audit validate`` as a gate with a JSON report."""

from __future__ import annotations

import argparse
import io
import json
import logging

import pytest
from _io_fixtures import all_rows, write_csv_dir, write_duckdb, write_parquet_dir, write_xlsx

from audit.cli import build_parser, main
from audit.io import load_records
from audit.io.units import source_units
from audit.logs import configure

AS_OF = "2026-10-15"


def _leaves(parser: argparse.ArgumentParser, path=()):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for sub in subs:
        for name, child in sub.choices.items():
            yield from _leaves(child, (*path, name))


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    from audit.demo import write_demo_database

    path = tmp_path_factory.mktemp("feedback") / "demo.duckdb"
    write_demo_database(path, units=2, cases_per_unit=150)
    return path


@pytest.mark.parametrize("kind", ["csv", "parquet", "xlsx", "duckdb"])
def test_the_units_are_read_alone_from_every_kind_of_source(tmp_path, kind):
    writers = {"csv": lambda: write_csv_dir(tmp_path / "csv"), "parquet": lambda: write_parquet_dir(tmp_path / "pq"),
               "xlsx": lambda: write_xlsx(tmp_path / "book.xlsx"),
               "duckdb": lambda: write_duckdb(tmp_path / "db.duckdb")}
    source = str(writers[kind]())
    assert source_units(source) == load_records(source).unit_ids()
    assert source_units(source)


def test_a_store_lists_its_units(tmp_path):
    from audit.io.store_import import import_source

    store = import_source(str(write_csv_dir(tmp_path / "csv")), tmp_path / "store.duckdb").path
    assert source_units(str(store)) == load_records(str(store)).unit_ids()


def test_an_unknown_unit_stops_the_run_before_any_kernel(small_db, tmp_path, capsys, monkeypatch):
    from audit.report import execute

    monkeypatch.setattr(execute, "run_notebook", lambda *a, **k: pytest.fail("a kernel was started"))
    code = main(["run", "--source", str(small_db), "--unit", "KV99", "--as-of", AS_OF, "--out",
                 str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "unit 'KV99' is not in the source (units: KV01, KV02" in err
    assert not (tmp_path / "out").exists()


def test_an_unreadable_source_stops_the_run_in_one_line(tmp_path, capsys):
    code = main(["run", "--source", str(tmp_path / "none.xlsx"), "--unit", "KV01", "--as-of", AS_OF,
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no such file or folder" in err


def test_every_command_takes_quiet_and_verbose_and_documents_its_exit_codes():
    parser = build_parser()
    assert "exit codes:" in parser.format_help()
    leaves = list(_leaves(parser))
    assert len(leaves) > 12
    for path, leaf in leaves:
        flags = {o for a in leaf._actions for o in a.option_strings}
        assert {"-q", "--quiet", "-v", "--verbose"} <= flags, path
        assert "exit codes:" in leaf.format_help() and "130" in leaf.format_help(), path


def test_the_log_level_follows_the_flags_and_the_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert configure(stream=io.StringIO()) == logging.WARNING  # a pipe or a file: results only
    assert configure(stream=Tty()) == logging.INFO  # a terminal: the stages
    assert configure(quiet=True, stream=Tty()) == logging.WARNING
    stream = io.StringIO()
    assert configure(verbose=1, stream=stream) == logging.DEBUG
    logging.getLogger("audit.run").info("rendering report.html")
    assert stream.getvalue().startswith("[") and " s] rendering report.html" in stream.getvalue()
    configure(stream=io.StringIO())


@pytest.mark.parametrize(("argv", "hint"), [
    (["run", "--source", "x", "--unit", "KV01", "--as-of", AS_OF, "--out", "o", "--params", "p.yaml"],
     "--params is now --rule-params FILE"),
    (["scan", "--source", "x", "--as-of", AS_OF, "--out", "o", "--params", "p.yaml"],
     "--params is now --rule-params FILE"),
    (["sample", "commit", "cases", "--source", "x", "--as-of", AS_OF, "--cycle", "c", "--unit", "KV01",
      "--params", "p.yaml"], "--params is now --sampling-params FILE"),
])
def test_the_old_params_flag_is_refused_with_a_hint(argv, hint, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and hint in err


@pytest.mark.slow
def test_a_run_shows_its_stages_and_ends_with_a_summary(small_db, tmp_path, capsys):
    out = tmp_path / "KV01"
    assert main(["run", "-v", "--source", str(small_db), "--unit", "KV01", "--as-of", AS_OF, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    stages = captured.err.splitlines()
    for word in ("reading:", "notebook: reading the records", "notebook: done", "notebook: slowest rules",
                 "rendering report.html", "done"):
        assert any(word in line for line in stages), (word, stages)
    assert all(line.startswith("[") and " s] " in line for line in stages)
    last = captured.out.splitlines()[-1]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    total = manifest["findings"]["total"]
    assert last.startswith(f"KV01: {total:,} findings: ") and "violation" in last
    assert f"period {manifest['period']['start']} – {manifest['period']['end']}" in last
    assert f"as of {AS_OF}" in last and f"outputs in {out} (report.html)" in last
    assert main(["run", "-q", "--source", str(small_db), "--unit", "KV01", "--as-of", AS_OF, "--out", str(out)]) == 0
    assert capsys.readouterr().err == ""


# -- audit validate as a gate ----------------------------------------------------
@pytest.fixture
def flawed(tmp_path):
    tables = all_rows()
    cases = tables["cases"].astype(object)
    cases.loc[cases.index[0], "received_date"] = "31/02/2024"  # not a date: the row is rejected
    tables["cases"] = cases
    return write_csv_dir(tmp_path / "csv", tables)


def test_validate_fails_on_more_rejected_rows_than_allowed(flawed, tmp_path, capsys):
    rejected = int(load_records(str(flawed)).counts["rows_rejected"].sum())
    assert rejected >= 1
    assert main(["validate", str(flawed)]) == 0
    assert main(["validate", str(flawed), "--fail-on", str(rejected)]) == 0
    capsys.readouterr()
    assert main(["validate", str(flawed), "--fail-on", "0"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{rejected:,} rows rejected, more than --fail-on 0" in err


def test_validate_writes_a_json_report(flawed, tmp_path, capsys):
    report = tmp_path / "dq.json"
    assert main(["validate", str(flawed), "--json", str(report), "--fail-on", "0"]) == 1
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["errors"] >= 1 and data["passed"] is False and data["fail_on"] == 0
    assert data["issue_count"] == len(data["issues"]) and data["by_rule"]["DQ-SCHEMA"] >= 1
    bad = next(i for i in data["issues"] if i["value"] == "31/02/2024")
    assert bad["table"] == "cases" and bad["column"] == "received_date" and isinstance(bad["row"], int)
    assert {t["table"] for t in data["tables"]} >= {"cases", "units"}
    capsys.readouterr()
    assert main(["validate", str(flawed), "--json", "-"]) == 0
    shown = json.loads(capsys.readouterr().out)  # stdout holds the JSON alone
    assert shown["passed"] is None and shown["fingerprint"] == data["fingerprint"]


def test_an_unwritable_json_report_is_one_line(flawed, tmp_path, capsys):
    assert main(["validate", str(flawed), "--json", str(tmp_path)]) == 2  # a folder, not a file
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write the JSON report" in err
