"""`audit verify OUTDIR`: every output file of a run or a scan checked against its manifest,
naming the file and the byte range that changed; a scan writes a sealed manifest too."""

from __future__ import annotations

import json

import pytest
from _builders import make_records
from _io_fixtures import write_csv_dir

from audit.cli import main
from audit.contract import CONTRACT_VERSION
from audit.errors import SourceError
from audit.pipeline import audit_unit
from audit.report import write_outputs
from audit.verify import file_record, seal, verify_folder


@pytest.fixture
def scan_dir(tmp_path):
    source = write_csv_dir(tmp_path / "csv")
    out = tmp_path / "scan"
    assert main(["scan", "--source", str(source), "--as-of", "2024-10-15", "--out", str(out)]) == 0
    return out


@pytest.fixture
def run_dir(tmp_path):
    cases = [{"case_id": f"C{i}", "received_date": "2026-01-05", "amount_due": 1_000_000 * (i + 1)}
             for i in range(40)]
    result = audit_unit(make_records(cases=cases), "KV01", "2026-10-15")
    write_outputs(result, tmp_path / "run")
    return tmp_path / "run"


def test_a_scan_writes_a_sealed_manifest_of_what_it_was_made_from(scan_dir):
    manifest = json.loads((scan_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "scan" and manifest["contract_version"] == CONTRACT_VERSION
    assert manifest["version"] and manifest["parameters"]["as_of"] == "2024-10-15"
    assert len(manifest["input"]["fingerprint"]) == 64 and manifest["input"]["files"]
    assert manifest["settings"]  # the rule parameters in force (the rule pack)
    assert set(manifest["outputs"]) == {"findings.csv", "findings.json", "kpis.csv"}
    assert manifest["seal"] == seal(manifest)
    assert verify_folder(scan_dir).ok


@pytest.mark.parametrize("folder", ["scan_dir", "run_dir"])
def test_verify_passes_on_an_untouched_folder(folder, request, capsys):
    out = request.getfixturevalue(folder)
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"verified: {out}") and f"contract {CONTRACT_VERSION}" in text


def test_verify_names_the_file_and_the_bytes_changed(run_dir, capsys):
    path = run_dir / "findings.csv"
    data = bytearray(path.read_bytes())
    assert len(data) > 9000
    data[9000] = ord("9") if data[9000] != ord("9") else ord("8")  # one byte, in the third block
    path.write_bytes(bytes(data))
    assert main(["verify", str(run_dir)]) == 1
    out, err = capsys.readouterr()
    assert f"{run_dir}/findings.csv: changed: first change in bytes 8,192–12,287 (block 3 of" in out
    assert "1 problem(s)" in err


def test_verify_reports_missing_added_resized_files_and_an_edited_manifest(run_dir, capsys):
    (run_dir / "kpis.csv").unlink()
    (run_dir / "extra.txt").write_text("slipped in", encoding="utf-8")
    with (run_dir / "findings.json").open("ab") as fh:
        fh.write(b" ")
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["findings"]["total"] -= 1  # a figure quietly changed
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["verify", str(run_dir)]) == 1
    out = capsys.readouterr().out
    assert "kpis.csv: missing" in out
    assert "extra.txt: not in the manifest" in out
    assert "findings.json: changed: " in out and "bytes instead of" in out
    assert "manifest.json: changed after it was written" in out


def test_verify_without_a_manifest_is_one_line_exit_2(tmp_path, capsys):
    assert main(["verify", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no manifest.json" in err
    with pytest.raises(SourceError):
        verify_folder(tmp_path)


def test_a_manifest_pointing_outside_its_folder_is_a_problem(run_dir, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("x", encoding="utf-8")
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"]["../secret.txt"] = file_record(outside)
    manifest["seal"] = seal(manifest)
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert any("points outside the folder" in p for p in verify_folder(run_dir).problems)
