"""The inspector's workbench: the review it runs (filter, open a case, decide), the
notebook top to bottom under papermill, and JupyterLab driven in a real browser far
enough to record one decision through the widgets and find it in the register."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from audit.errors import ParameterError
from audit.register import open_register
from audit.report.parameters import WORKBENCH
from audit.report.paths import PROJECT_DIR
from audit.workbench import open_review, open_workbench

AS_OF = "2026-10-15"
NOTEBOOK = PROJECT_DIR / "notebooks" / "workbench.ipynb"
CHROMIUM = os.environ.get("AUDIT_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    from audit.demo import write_demo_database

    db = tmp_path_factory.mktemp("wb") / "demo.duckdb"
    write_demo_database(db, units=3, cases_per_unit=300)
    return db


@pytest.fixture(scope="module")
def review(small_db, tmp_path_factory):
    return open_review(small_db, "KV01", AS_OF, register=tmp_path_factory.mktemp("reg") / "r.duckdb",
                       reviewer="Lan", lang="en")


def test_the_review_records_the_units_findings_once(small_db, tmp_path):
    target = tmp_path / "r.duckdb"
    first = open_review(small_db, "KV01", AS_OF, register=target, reviewer="Lan")
    assert len(first.register.runs()) == 1 and len(first.table()) == len(first.result.findings) > 0
    assert (first.table()["state"] == "pending").all()
    open_review(small_db, "KV01", AS_OF, register=target, reviewer="Lan")
    assert len(open_register(target).runs()) == 1  # nothing new to record
    with pytest.raises(ParameterError, match="reviewer"):
        open_review(small_db, "KV01", AS_OF, register=target, reviewer=" ")


def test_filters_narrow_the_list(review):
    table = review.table()
    deadline = review.filtered(category="deadline")
    assert len(deadline) == (table["category"] == "deadline").sum() > 0
    high = review.filtered(category="deadline", severity="high")
    assert set(high["severity"]) <= {"high"} and len(high) <= len(deadline)
    case = table["case_id"].dropna().iloc[0]
    assert set(review.filtered(text=case.lower())["case_id"]) >= {case}
    assert review.filtered(state="dismissed").empty


def test_a_case_is_laid_open_and_a_decision_recorded(review):
    row = review.filtered(category="deadline").iloc[0]
    fid, case_id = row["finding_id"], row["case_id"]
    behind = review.records_behind(fid)
    assert behind["case"]["case_id"].tolist() == [case_id] and len(behind["records"]) > 0
    assert review.timeline(fid) is not None
    with pytest.raises(ParameterError, match="reason"):
        review.decide(fid, "dismissed")
    review.decide(fid, "dismissed", reason="the decision was issued on paper and entered late")
    state = review.table().set_index("finding_id").loc[fid, "state"]
    assert state == "dismissed" and review.history(fid).query("event == 'decision'")[["reviewer", "origin"]].values.tolist() == [["Lan", "workbench"]]
    with pytest.raises(ParameterError, match="not among"):
        review.decide("XX-NOT-A-FINDING", "confirmed")


def test_the_widgets_record_through_the_review(small_db, tmp_path):
    wb = open_workbench(small_db, "KV01", AS_OF, register=tmp_path / "r.duckdb", reviewer="Lan", lang="en")
    wb.category.value = "deadline"
    assert wb.count.value.startswith(f"{len(wb.review.filtered(category='deadline'))} of ")
    wb.table.selected_rows = [0]  # a click on the first row opens it
    fid = wb.chooser.value
    assert fid and fid in wb.detail.value and "data:image/png;base64," in wb.detail.value
    wb.decision.value = "remedied"
    assert not wb.record() and "needs" in wb.status.value  # a remedy needs its evidence
    wb.remedy.value = "payment order 12/QĐ-CCTHADS of 2 Nov 2026"
    assert wb.record() and "Recorded" in wb.status.value
    assert open_register(tmp_path / "r.duckdb").findings("KV01").set_index("finding_id").loc[fid, "state"] == "remedied"


def test_the_notebook_declares_what_the_package_checks():
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    cell = next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert [line.split(":")[0] for line in cell.splitlines()] == [p.name for p in WORKBENCH]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
def test_the_notebook_runs_top_to_bottom_under_papermill(small_db, tmp_path):
    out = tmp_path / "wb.ipynb"
    run = subprocess.run([sys.executable, "-m", "papermill", str(NOTEBOOK), str(out), "-k", "thads-audit",
                          "-p", "source", str(small_db), "-p", "register", str(tmp_path / "r.duckdb"),
                          "-p", "reviewer", "Lan"], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    outputs = [o for o in json.loads(out.read_text())["cells"][-1]["outputs"]]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert len(open_register(tmp_path / "r.duckdb").runs()) == 1
    bad = subprocess.run([sys.executable, "-m", "papermill", str(NOTEBOOK), str(tmp_path / "bad.ipynb"),
                          "-k", "thads-audit", "-p", "unit", "KV02"], capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode != 0 and "unknown notebook parameter 'unit'" in bad.stderr


# -- JupyterLab in a real browser ------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def lab(small_db, tmp_path):
    """A JupyterLab server on a copy of the workbench whose parameters point at the test's data."""
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = "\n".join([f"source = {str(small_db)!r}", 'unit_id = "KV01"', f"as_of = {AS_OF!r}",
                             f"register = {str(tmp_path / 'r.duckdb')!r}", 'reviewer = "Lan"', 'lang = "en"'])
    nbformat.write(nb, str(tmp_path / "wb.ipynb"))
    port, token = _free_port(), "workbench-test"
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={tmp_path}", "--allow-root",
         "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start")
        yield f"{base}/lab/tree/wb.ipynb?token={token}", tmp_path / "r.duckdb"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_a_reviewer_records_a_decision_in_jupyterlab(lab):
    url, register = lab
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{CHROMIUM} not found (make browser installs it)")
        pytest.skip(f"{CHROMIUM} not found")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        # Nothing but the local server: the widgets' code comes with the lab extensions.
        context.route(lambda u: not u.startswith("http://127.0.0.1"), lambda route: route.abort())
        page = context.new_page()
        page.set_default_timeout(int(os.environ.get("WB_TIMEOUT", "120000")))
        try:
            page.goto(url)
            page.wait_for_selector(".jp-Notebook")
            page.wait_for_timeout(3000)
            dialog = page.locator(".jp-Dialog")
            if dialog.count():  # JupyterLab may ask which kernel: the project's own
                dialog.locator("select").select_option(label="THADS audit")
                dialog.get_by_role("button", name="Select").click()
            page.get_by_text("THADS audit | Idle").wait_for()
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            # The widgets appear once the unit is audited: click the table's first row.
            rows = page.locator("table.dataTable tbody tr")
            rows.first.wait_for()
            rows.first.click()
            page.locator(".widget-html img[alt='timeline']").first.wait_for()
            heading = page.locator(".widget-html h4").first.inner_text()
            finding_id = heading.split(" — ")[0].strip()

            def field(kind: str, name: str):
                return page.locator(f".widget-{kind}", has=page.locator("label", has_text=name)).first

            field("dropdown", "Decision").locator("select").select_option(label="Dismissed")
            field("text", "Reason for dismissal").locator("input").fill("decision issued on paper, entered late")
            field("text", "Reason for dismissal").locator("input").press("Tab")
            page.get_by_role("button", name="Record").click()
            page.get_by_text(f"Recorded: {finding_id}").wait_for()
        except Exception:
            (PROJECT_DIR / "test-artifacts").mkdir(exist_ok=True)
            page.screenshot(path=str(PROJECT_DIR / "test-artifacts" / "workbench-failed.png"), full_page=True)
            raise
        page.screenshot(path=str(register.parent / "workbench.png"), full_page=False)
        browser.close()
    state = open_register(register).findings("KV01").set_index("finding_id").loc[finding_id]
    assert (state["state"], state["reviewer"], state["reason"]) == (
        "dismissed", "Lan", "decision issued on paper, entered late")
    artifacts = PROJECT_DIR / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shutil.copy(register.parent / "workbench.png", artifacts / "workbench.png")
