"""Outputs are published whole or not at all, one writer at a time: killed at any step of the
swap, a folder holds the old output or the new one, whole; stale staging folders are cleaned;
a second run into the same folder is refused; an --out that cannot be used stops with exit 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _io_fixtures import write_csv_dir

from audit.cli import main
from audit.publish import PAUSE_ENV, OutputError, publishing
from audit.verify import verify_folder

AUDIT = [sys.executable, "-c", "import sys; from audit.cli import main; sys.exit(main(sys.argv[1:]))"]


@pytest.fixture
def source(tmp_path):
    return write_csv_dir(tmp_path / "csv")


def _scan(source, out, as_of, **env):
    return subprocess.Popen([*AUDIT, "scan", "--source", str(source), "--as-of", as_of, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env})


def _kill_at(proc, step: str, timeout: float = 120) -> None:
    """Kill ``proc`` (SIGKILL, no clean-up) as soon as it reports ``step``."""
    deadline = time.monotonic() + timeout
    try:
        for line in proc.stdout:
            if step in line:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return
            if time.monotonic() > deadline:
                break
        proc.kill()
        proc.wait()
        pytest.fail(f"the run never reached {step!r}: {proc.stderr.read()}")
    finally:
        _close(proc)


def _close(proc) -> None:
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def _as_of(out: Path) -> str:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["parameters"]["as_of"]


def _whole(out: Path) -> str:
    result = verify_folder(out)
    assert result.ok, result.problems
    assert {p.name for p in out.iterdir()} == {"findings.csv", "findings.json", "kpis.csv", "manifest.json"}
    return _as_of(out)


@pytest.mark.parametrize(("step", "expect"), [
    ("swapping the new folder in", "old"),
    ("removing the old folder", "new"),
])
def test_a_kill_during_publishing_leaves_one_whole_output(source, tmp_path, step, expect):
    out = tmp_path / "scan"
    assert main(["scan", "--source", str(source), "--as-of", "2024-10-15", "--out", str(out)]) == 0
    assert _whole(out) == "2024-10-15"
    proc = _scan(source, out, "2024-12-31", **{PAUSE_ENV: "5"})
    _kill_at(proc, step)
    assert _whole(out) == {"old": "2024-10-15", "new": "2024-12-31"}[expect]
    # What the killed run left beside the folder is cleaned by the next run.
    assert main(["scan", "--source", str(source), "--as-of", "2024-11-30", "--out", str(out)]) == 0
    assert _whole(out) == "2024-11-30"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".scan")) == [".scan.lock"]


def test_a_kill_between_the_two_renames_of_the_fallback_is_undone(tmp_path):
    """Where the system cannot swap two folders atomically, the old one is set aside first;
    killed right then, the next run puts it back before anything else."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old", encoding="utf-8")
    script = (
        "import sys, audit.publish as p\n"
        "p._exchange = lambda a, b: False\n"
        "with p.publishing(sys.argv[1]) as s:\n"
        "    (s / 'a.txt').write_text('new')\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, PAUSE_ENV: "5"})
    _kill_at(proc, "old folder set aside")
    assert not out.exists() and len(list(tmp_path.glob(".out.old-*"))) == 1
    with publishing(out) as staging:
        assert (out / "a.txt").read_text(encoding="utf-8") == "old"  # put back before anything else
        (staging / "a.txt").write_text("newer", encoding="utf-8")
    assert (out / "a.txt").read_text(encoding="utf-8") == "newer"
    assert [p.name for p in tmp_path.iterdir()] == ["out", ".out.lock"] or \
        sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


def test_a_failure_while_writing_leaves_the_old_output(tmp_path):
    out = tmp_path / "out"
    with publishing(out) as staging:
        (staging / "a.txt").write_text("first", encoding="utf-8")
    with pytest.raises(RuntimeError), publishing(out) as staging:
        (staging / "a.txt").write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")
    assert (out / "a.txt").read_text(encoding="utf-8") == "first"
    assert not list(tmp_path.glob(".out.staging-*"))


def test_a_second_run_into_the_same_folder_is_refused(source, tmp_path, capsys):
    out = tmp_path / "scan"
    proc = _scan(source, out, "2024-10-15", **{PAUSE_ENV: "30"})
    try:
        for line in proc.stdout:  # the first run holds the folder until it has published
            if "publish:" in line:
                break
        code = main(["scan", "--source", str(source), "--as-of", "2024-10-15", "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1
        assert "another run is writing into this folder" in err and str(out) in err
    finally:
        proc.kill()
        proc.wait()
        _close(proc)
    # The lock dies with its process: the folder is usable again at once.
    assert main(["scan", "--source", str(source), "--as-of", "2024-10-15", "--out", str(out)]) == 0


@pytest.mark.parametrize("command", ["run", "scan"])
def test_an_out_that_is_a_file_or_unwritable_exits_2(source, tmp_path, capsys, command):
    afile = tmp_path / "report.txt"
    afile.write_text("x", encoding="utf-8")
    extra = ["--unit", "KV01"] if command == "run" else []
    for out, message in ((afile, "the output folder is a file"),
                         (afile / "sub", "is a file, not a folder"),
                         (Path("/sys/thads-audit-out"), "cannot write into /sys")):
        code = main([command, "--source", str(source), *extra, "--as-of", "2024-10-15", "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert afile.read_text(encoding="utf-8") == "x"


def test_publishing_refuses_unusable_folders_before_any_work(tmp_path):
    afile = tmp_path / "f"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file"), publishing(afile):
        pytest.fail("must not be reached")
