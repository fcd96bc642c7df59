"""An ordinary install: the wheel carries its notebooks and parameters and runs outside the checkout;
requirements.lock pins what the tests run with."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from audit.resources import CHECKOUT, resource_dir

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
REFRESH = "run `make lock` to refresh requirements.lock"


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_name(name)] = version.strip()
    return pins


def test_lock_pins_every_declared_dependency_at_the_installed_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared |= {_name(r) for r in extra}
    pins = _locked()
    assert not declared - set(pins), f"not in the lock: {sorted(declared - set(pins))}; {REFRESH}"
    installed = {name: metadata.version(name) for name in pins}
    drift = {n: (v, installed[n]) for n, v in pins.items() if installed[n] != v}
    assert not drift, f"locked vs installed: {drift}; {REFRESH}"


def test_checkout_reads_its_own_notebooks_and_params():
    assert CHECKOUT == ROOT
    assert resource_dir("notebooks") == ROOT / "notebooks"
    assert (resource_dir("params") / "defaults.yaml").is_file()


@pytest.mark.slow
def test_wheel_runs_the_demo_outside_the_checkout(tmp_path):
    dist, env, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    run = lambda *args, **kw: subprocess.run([str(a) for a in args], capture_output=True, text=True,  # noqa: E731
                                             timeout=900, **kw)
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT)
    assert built.returncode == 0, built.stderr
    wheel = next(dist.glob("thads_audit-*.whl"))
    # A fresh environment with the package's own files from the wheel alone; its third-party
    # dependencies are the project's (already installed here), seen through a path entry.
    assert run(sys.executable, "-m", "venv", "--without-pip", env).returncode == 0
    python = env / "bin" / "python"
    installed = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q",
                    wheel)
    assert installed.returncode == 0, installed.stderr
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (site / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    # nbconvert's own templates are data files its installation puts under the environment's share/.
    (env / "share" / "jupyter").mkdir(parents=True)
    (env / "share" / "jupyter" / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    where = run(python, "-c", "import audit.resources as r; print(r.__file__, r.CHECKOUT)", cwd=work)
    assert where.stdout.split() == [str(site / "audit" / "resources.py"), "None"], where.stderr
    # Without the kernel, audit run says how to register it; registered, the run goes through.
    audit = env / "bin" / "audit"
    assert run(audit, "demo-data", "--out", "demo.duckdb", "--units", "2", "--cases-per-unit", "150",
               cwd=work).returncode == 0
    args = ["run", "--source", "demo.duckdb", "--unit", "KV01", "--as-of", "2026-10-15", "--out", "KV01"]
    no_kernel = run(audit, *args, cwd=work)
    assert no_kernel.returncode == 1 and "ipykernel install --sys-prefix --name thads-audit" in no_kernel.stderr
    assert run(python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "thads-audit").returncode == 0
    done = run(audit, *args, cwd=work)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((work / "KV01" / "manifest.json").read_text(encoding="utf-8"))
    assert Path(manifest["run"]["notebook"]) == site / "audit" / "_data" / "notebooks" / "unit_audit.ipynb"
    assert (work / "KV01" / "report.html").stat().st_size > 10_000
    assert not (ROOT / "outputs" / "KV01").exists()
