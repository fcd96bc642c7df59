"""The unit notebook run by papermill directly, as a user may: its parameters are checked
before any work, and its report renders with one command."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from audit.report.html import external_references
from audit.report.parameters import UNIT_AUDIT, check_injected, injected_names
from audit.report.paths import NOTEBOOK, PROJECT_DIR

PAPERMILL = [sys.executable, "-m", "papermill"]
DEMO_OUT = PROJECT_DIR / "outputs" / "demo" / "KV01"


def _parameters_cell() -> str:
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


def test_the_notebook_declares_what_the_package_checks():
    tree = ast.parse(_parameters_cell())
    cell = [(n.target.id, ast.literal_eval(n.value)) for n in tree.body if isinstance(n, ast.AnnAssign)]
    assert cell == [(p.name, p.default) for p in UNIT_AUDIT]
    # Typed for papermill --help-notebook: no "Unknown type".
    shown = subprocess.run([*PAPERMILL, "--help-notebook", str(NOTEBOOK)], capture_output=True, text=True,
                           check=True).stdout
    assert "Unknown type" not in shown and "remedy_days: Optional[int]" in shown


def test_the_check_reads_the_injected_cell():
    history = ["", _parameters_cell(), '# Parameters\nunit = "KV99"\nremedy_days = 60\n']
    assert injected_names(history) == {"unit": "KV99", "remedy_days": 60}
    from audit.errors import ParameterError

    with pytest.raises(ParameterError, match=r"unknown notebook parameter 'unit'; known: source, unit_id"):
        check_injected({"In": history})
    with pytest.raises(ParameterError, match="remedy_days: expected Optional\\[int\\], got 'x'"):
        check_injected({"In": ["# Parameters\nremedy_days = 'x'\noutput_dir = '/tmp/x'\n"]})
    with pytest.raises(ParameterError, match="give output_dir"):
        check_injected({"In": ["# Parameters\nunit_id = 'KV02'\n"]})
    check_injected({"In": ["", _parameters_cell()]})  # the demo opened by hand: the defaults apply
    check_injected({"In": ["# Parameters\nunit_id = 'KV02'\noutput_dir = '/tmp/x'\nperiod_start = None\n"]})


def _mtimes(folder: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in folder.rglob("*")} if folder.exists() else {}


@pytest.mark.slow
def test_a_misspelt_parameter_stops_papermill_and_writes_nothing(tmp_path):
    before = _mtimes(DEMO_OUT)
    run = subprocess.run([*PAPERMILL, str(NOTEBOOK), str(tmp_path / "out.ipynb"), "-k", "thads-audit",
                          "-p", "unit", "KV99", "--cwd", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode != 0
    assert "ParameterError: unknown notebook parameter 'unit'; known: source, unit_id" in run.stderr
    assert _mtimes(DEMO_OUT) == before  # the project's demo folder is untouched


@pytest.mark.slow
def test_a_papermill_run_renders_with_one_command(tmp_path):
    from audit.cli import main
    from audit.demo import write_demo_database

    db = tmp_path / "demo.duckdb"
    write_demo_database(db, units=2, cases_per_unit=200)
    executed = tmp_path / "executed.ipynb"
    subprocess.run([*PAPERMILL, str(NOTEBOOK), str(executed), "-k", "thads-audit", "-p", "source", str(db),
                    "-p", "unit_id", "KV02", "-p", "output_dir", str(tmp_path / "files"), "-p", "lang", "en",
                    "--cwd", str(tmp_path)], check=True, capture_output=True, text=True)
    assert (tmp_path / "files" / "conclusion.docx").is_file()
    assert main(["render", str(executed)]) == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in html and external_references(html) == []
    assert "KV02" in html and "import audit" not in html
    meta = json.loads(executed.read_text(encoding="utf-8"))["metadata"]["papermill"]["parameters"]
    assert meta["unit_id"] == "KV02"


def test_render_refuses_what_is_not_an_executed_notebook(tmp_path, capsys):
    from audit.cli import main

    assert main(["render", str(NOTEBOOK)]) == 2
    assert "not a notebook executed by papermill" in capsys.readouterr().err
    bad = tmp_path / "x.ipynb"
    bad.write_text("{", encoding="utf-8")
    assert main(["render", str(bad)]) == 2
