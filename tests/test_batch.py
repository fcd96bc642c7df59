"""``audit batch``: many units on a local process pool or a Dask cluster, each the same
run as ``audit run``, failures isolated, interrupted batches resumed, and index.html
opened offline in Chromium.

The slow tests run the real notebook on the small demo province (three regional
units), imported once into a store; the Dask test starts a real ``dask scheduler``
and ``dask worker`` from this environment and stops them afterwards.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from audit import __version__
from audit.batch import EXIT_UNITS_FAILED, run_batch, safe_name
from audit.batch.names import MAX_NAME
from audit.batch.plan import assign_folders, outputs_verified, read_targets, select_units
from audit.cli import main
from audit.errors import ParameterError
from audit.report import FILES, run_unit_report
from audit.report.outputs import sha256

AS_OF = "2026-10-15"
UNITS = ["KV01", "KV02", "KV03"]
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("AUDIT_CHROMIUM", "/usr/bin/chromium")


# -- folder names, targets, the choice of units (no notebook) -----------------------------
@pytest.mark.parametrize("unit_id", ["KV01", "Phòng-1", "a.b_c"])
def test_a_safe_id_is_its_own_folder_name(unit_id):
    assert safe_name(unit_id) == unit_id


@pytest.mark.parametrize("unit_id", ["../../etc", "..", ".", "", "a/b", "a\\b", "a\x00b", "x" * 300, "CON",
                                     "nul.txt", " KV01", "index.html", "batch.json", ".hidden", "a:b*c?"])
def test_an_unsafe_id_becomes_one_harmless_path_component(unit_id, tmp_path):
    name = safe_name(unit_id)
    assert name and len(name) <= MAX_NAME and name == safe_name(unit_id)
    assert not set(name) & set("/\\\x00:*?\"<>|") and not name.startswith(".") and name not in (".", "..")
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()
    (tmp_path / name).mkdir()  # a real folder can be made with it


def test_ids_that_would_share_a_folder_do_not():
    assert safe_name("a/b") != safe_name("a:b") != safe_name("a_b")
    folders = assign_folders(["KV01", "kv01", "KV02"])
    assert len({f.casefold() for f in folders.values()}) == 3 and folders["KV02"] == "KV02"


def test_targets_are_percentages_per_unit_with_a_default(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text("Mã đơn vị,Chỉ tiêu việc,Chỉ tiêu tiền\nKV01,\"84,5\",40%\n*,80,\n", encoding="utf-8")
    targets = read_targets(path)
    assert targets.loc["KV01", "cases_target"] == pytest.approx(0.845)
    assert targets.loc["KV01", "money_target"] == pytest.approx(0.40)
    assert targets.loc["*", "cases_target"] == pytest.approx(0.80)
    path.write_text("unit_id,cases_target\nKV01,85\nKV02,185\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"row 3, column cases_target: '185' is not a percentage"):
        read_targets(path)
    path.write_text("unit,rate\nKV01,85\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="needs the columns unit_id"):
        read_targets(path)


# -- the demo province, imported once ------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    from audit.demo import write_demo_database
    from audit.io.store_import import import_source

    root = tmp_path_factory.mktemp("batch-demo")
    db = root / "demo.duckdb"
    write_demo_database(db, units=3, cases_per_unit=300)
    store = import_source(str(db), root / "demo-store.duckdb").path
    return {"root": root, "db": db, "store": store}


def test_units_are_chosen_from_the_source(demo):
    store = str(demo["store"])
    assert select_units(store, "all", None).unit_ids == UNITS  # TINH supervises, it has no cases
    assert select_units(store, None, "TINH").unit_ids == UNITS
    assert select_units(store, "KV03, KV01", None).unit_ids == ["KV03", "KV01"]
    assert select_units(store, "KV01", None).names["KV01"].startswith("Phòng")
    with pytest.raises(ParameterError, match="not units of the source: 'KV09'"):
        select_units(store, "KV01,KV09", None)
    with pytest.raises(ParameterError, match="no unit has 'KV01' as its supervising unit"):
        select_units(store, None, "KV01")
    with pytest.raises(ParameterError, match="either --units"):
        select_units(store, "all", "TINH")


@pytest.mark.parametrize("args, message", [
    (["--units", "KV01,KV99"], "not units of the source: 'KV99'"),
    (["--province", "NOWHERE"], "--province 'NOWHERE' is not a unit of the source"),
    (["--units", "KV01", "--targets", "missing.csv"], "cannot read the targets file"),
    (["--units", "KV01", "--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
    (["--units", "KV01", "--rule-params", "missing.yaml"], "missing.yaml"),
    (["--units", "KV01", "--params", "x.yaml"], "--params is now --rule-params FILE"),
])
def test_bad_input_stops_the_batch_before_any_unit_runs(demo, tmp_path, capsys, args, message):
    out = tmp_path / "batch"
    code = main(["batch", "--source", str(demo["store"]), "--as-of", AS_OF, "--out", str(out), *args])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and err.count("\n") == 0
    assert not any(out.glob("*/manifest.json")) and not (out / "index.html").exists()


def test_units_and_province_exclude_each_other(demo, capsys):
    with pytest.raises(SystemExit) as info:
        main(["batch", "--source", str(demo["store"]), "--as-of", AS_OF, "--out", "x",
              "--units", "all", "--province", "TINH"])
    assert info.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


# -- the same outputs as audit run, unit by unit --------------------------------------------
@pytest.fixture(scope="module")
def reference(demo, tmp_path_factory) -> Path:
    """Every demo unit run alone with run_unit_report, as `audit run` runs it."""
    root = tmp_path_factory.mktemp("reference")
    for unit in UNITS:
        run_unit_report(demo["store"], unit, AS_OF, root / unit)
    return root


_VARYING = ("started_at", "finished_at", "timings_seconds", "seal")  # the seal hashes the times too
_STABLE_FILES = ("findings.csv", "findings.json", "kpis.csv", "conclusion.md")


def _comparable(manifest: dict) -> dict:
    """A unit's manifest without what differs between two runs of the same audit: the
    times, the output folder, the findings register it was recorded in, and the hashes of
    files that carry a time of their own."""
    out = {k: v for k, v in manifest.items() if k not in _VARYING}
    # The batch records its units in the findings register (by default, as `audit run` does).
    out.pop("register", None)
    out["parameters"] = {k: v for k, v in manifest["parameters"].items() if k != "register"}
    out["run"] = {k: v for k, v in manifest["run"].items() if k != "output_dir"}
    out["outputs"] = {k: v for k, v in manifest["outputs"].items() if k in _STABLE_FILES}
    return out


def _assert_same_as_audit_run(batch_dir: Path, reference: Path, folders: dict[str, str]) -> None:
    for unit in UNITS:
        ours, theirs = batch_dir / folders[unit], reference / unit
        for name in ("findings.csv", "kpis.csv"):
            assert (ours / name).read_bytes() == (theirs / name).read_bytes(), (unit, name)
        mine = json.loads((ours / "manifest.json").read_text(encoding="utf-8"))
        ref = json.loads((theirs / "manifest.json").read_text(encoding="utf-8"))
        assert _comparable(mine) == _comparable(ref), unit
        assert (ours / "report.html").is_file()


@pytest.fixture(scope="module")
def local_batch(demo, reference, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("local") / "batch"
    code = main(["batch", "--source", str(demo["store"]), "--as-of", AS_OF, "--out", str(out),
                 "--units", "all", "--workers", "2"])
    return {"out": out, "code": code}


@pytest.mark.slow
def test_a_local_batch_gives_each_unit_what_audit_run_gives(local_batch, reference):
    assert local_batch["code"] == 0
    _assert_same_as_audit_run(local_batch["out"], reference, {u: u for u in UNITS})


@pytest.mark.slow
def test_the_batch_manifest_lists_units_and_hashes(local_batch):
    out = local_batch["out"]
    manifest = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert manifest["summary"] == {"units": 3, "ok": 3, "skipped": 0, "failed": 0, "not_run": 0,
                                   "interrupted": False, "exit_code": 0}
    assert manifest["index"]["sha256"] == sha256(out / "index.html")
    assert manifest["parameters"]["executor"] == {"kind": "local", "workers": 2}
    # Recorded in the findings register (the tests' own): the index shows its figures per unit.
    assert manifest["parameters"]["register"].endswith("register.duckdb")
    assert 'id="register"' in (out / "index.html").read_text(encoding="utf-8")
    for unit in manifest["units"]:
        assert unit["status"] == "ok" and unit["seconds"] > 0 and unit["finished_at"].endswith("Z")
        assert unit["manifest_sha256"] == sha256(out / unit["folder"] / "manifest.json")


@pytest.mark.slow
def test_a_second_run_keeps_verified_units_and_redoes_a_tampered_one(demo, local_batch, capsys):
    out = local_batch["out"]
    capsys.readouterr()
    before = {u: (out / u / "report.html").stat().st_mtime_ns for u in UNITS}
    with (out / "KV02" / "kpis.csv").open("a", encoding="utf-8") as fh:
        fh.write("edited by hand\n")
    result = run_batch(demo["store"], AS_OF, out, units="all", workers=2)
    assert [o.status for o in result.outcomes] == ["skipped", "ok", "skipped"]
    assert (out / "KV01" / "report.html").stat().st_mtime_ns == before["KV01"]
    assert (out / "KV02" / "report.html").stat().st_mtime_ns != before["KV02"]
    assert result.exit_code == 0 and "edited by hand" not in (out / "KV02" / "kpis.csv").read_text()
    assert all(outputs_verified(out / u, {"unit_id": u, "as_of": AS_OF}, __version__) for u in UNITS)
    # another audit date is another audit, another toolkit version too: nothing is kept
    assert not outputs_verified(out / "KV01", {"as_of": "2026-10-16"}, __version__)
    assert not outputs_verified(out / "KV01", {"as_of": AS_OF}, "0.0.0-other")


# -- on a Dask cluster started for the test ---------------------------------------------------
def _stop(proc: subprocess.Popen) -> None:
    """Stop a process this test started, and its children (its own session)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture
def dask_cluster(tmp_path):
    dask = BIN / "dask"
    if not dask.is_file():
        pytest.fail(f"{dask} is missing: make setup installs dask[distributed]")
    file = tmp_path / "scheduler.json"
    logs = (tmp_path / "scheduler.log").open("w"), (tmp_path / "worker.log").open("w")
    scheduler = subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                  "--no-dashboard", "--scheduler-file", str(file)],
                                 stdout=logs[0], stderr=subprocess.STDOUT, start_new_session=True)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not file.is_file() and time.monotonic() < deadline:
            assert scheduler.poll() is None, (tmp_path / "scheduler.log").read_text()
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        worker = subprocess.Popen([str(dask), "worker", "--scheduler-file", str(file), "--nworkers", "2",
                                   "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                                  stdout=logs[1], stderr=subprocess.STDOUT, start_new_session=True)
        yield address
    finally:
        if worker is not None:
            _stop(worker)
        _stop(scheduler)
        for log in logs:
            log.close()


@pytest.mark.slow
def test_a_batch_on_a_dask_cluster_gives_what_audit_run_gives(demo, reference, dask_cluster, tmp_path, capsys):
    out = tmp_path / "batch"
    code = main(["batch", "--source", str(demo["store"]), "--as-of", AS_OF, "--out", str(out),
                 "--province", "TINH", "--scheduler", dask_cluster])
    err = capsys.readouterr().err
    assert code == 0, err
    _assert_same_as_audit_run(out, reference, {u: u for u in UNITS})
    manifest = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["executor"] == {"kind": "dask", "scheduler": dask_cluster}
    # not a terminal: one line per unit, no progress bar
    lines = [ln for ln in err.splitlines() if ln.startswith("[")]
    assert len(lines) == 3 and all(re.match(r"\[\d/3\] KV0\d ok \d+\.\d s$", ln) for ln in lines), err
    # --quiet: nothing on stderr (another language is another audit: KV01 runs again)
    assert main(["batch", "--source", str(demo["store"]), "--as-of", AS_OF, "--out", str(out),
                 "--units", "KV01", "--scheduler", dask_cluster, "--quiet", "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "1 unit: 1 audited" in captured.out
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index and "Audit of units" in index


# -- one unit's broken data fails alone ----------------------------------------------------------
@pytest.fixture
def broken_source(demo, tmp_path) -> Path:
    """The demo database with KV03 moved to a province of its own, and its cases unreadable:
    the database raises an error for any of KV03's case rows (as for a damaged partition)."""
    db = tmp_path / "broken.duckdb"
    shutil.copy(demo["db"], db)
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO units VALUES ('TINH2', 'Thi hành án dân sự tỉnh Hai', 'province', NULL)")
        con.execute("UPDATE units SET parent_id = 'TINH2' WHERE unit_id = 'KV03'")
        con.execute("ALTER TABLE cases RENAME TO cases_data")
        columns = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                             "WHERE table_name = 'cases_data' ORDER BY ordinal_position").fetchall()]
        select = ", ".join(
            "CASE WHEN unit_id = 'KV03' THEN error('damaged page in cases') ELSE amount_due END AS amount_due"
            if c == "amount_due" else c for c in columns)
        con.execute(f"CREATE VIEW cases AS SELECT {select} FROM cases_data")
    return db


@pytest.mark.slow
def test_a_unit_with_broken_data_fails_alone(broken_source, tmp_path, capsys):
    out = tmp_path / "batch"
    code = main(["batch", "--source", str(broken_source), "--as-of", AS_OF, "--out", str(out),
                 "--units", "KV01,KV03", "--workers", "2"])
    captured = capsys.readouterr()
    assert code == EXIT_UNITS_FAILED == 4
    assert "2 units: 1 audited, 0 kept from an earlier run, 1 failed" in captured.out
    assert re.search(r"failed: KV03: .*damaged page in cases", captured.err)
    assert (out / "KV01" / "report.html").is_file() and not (out / "KV03" / "report.html").exists()
    assert (out / "KV03" / "failed" / "error.txt").is_file()
    manifest = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    status = {u["unit_id"]: (u["status"], u["reason"]) for u in manifest["units"]}
    assert status["KV01"] == ("ok", None)
    assert status["KV03"][0] == "failed" and "damaged page in cases" in status["KV03"][1]
    assert "\n" not in status["KV03"][1]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'data-unit="KV03" data-status="failed"' in index and "damaged page in cases" in index


# -- an interrupted batch resumes ----------------------------------------------------------------
@pytest.mark.slow
def test_a_killed_batch_resumes_where_it_stopped(demo, tmp_path):
    import pty

    out = tmp_path / "batch"
    primary, secondary = pty.openpty()  # stderr on a terminal: the progress bar is drawn
    proc = subprocess.Popen([str(BIN / "audit"), "batch", "--source", str(demo["store"]), "--as-of", AS_OF,
                             "--out", str(out), "--units", "all", "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=secondary, start_new_session=True)
    os.close(secondary)
    try:
        deadline = time.monotonic() + 240
        while not (out / "KV01" / "manifest.json").is_file():
            assert proc.poll() is None and time.monotonic() < deadline, "the first unit never finished"
            time.sleep(0.5)
        time.sleep(1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # no chance to tidy up: the harshest stop
        proc.wait(timeout=30)
    terminal = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    os.close(primary)
    assert re.search(rb"audit batch: +\d+%.*\| *[01]/3 \[", terminal), terminal  # units done / total
    assert not (out / "index.html").exists()
    first = {name: sha256(out / "KV01" / name) for name in FILES.values()}

    result = run_batch(demo["store"], AS_OF, out, units="all", workers=1, quiet=True)
    status = {o.unit_id: o.status for o in result.outcomes}
    assert status["KV01"] == "skipped" and status["KV03"] == "ok" and result.exit_code == 0
    assert {name: sha256(out / "KV01" / name) for name in FILES.values()} == first
    for unit in UNITS:
        assert (out / unit / "report.html").is_file()
        assert not list((out / unit).glob(".staging-*"))
    assert json.loads((out / "batch.json").read_text())["summary"]["failed"] == 0


# -- index.html in Chromium, offline ----------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{CHROMIUM} not found")
        pytest.skip(f"{CHROMIUM} not found (make browser installs Debian's chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                               args=["--no-sandbox", "--disable-background-networking",
                                     "--disable-component-update", "--no-first-run"])
        yield b
        b.close()


@pytest.mark.slow
def test_the_index_opens_offline_sorts_and_links_to_each_report(browser, local_batch):
    index = local_batch["out"] / "index.html"
    context = browser.new_context(viewport={"width": 1400, "height": 900}, offline=True)
    external, errors = [], []
    context.route(re.compile(r"^(?!file:|data:).*"), lambda route: (external.append(route.request.url),
                                                                     route.abort()))
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(index.as_uri(), wait_until="load")
        assert page.evaluate("document.documentElement.lang") == "vi"
        assert "Tổng hợp kết quả kiểm tra" in page.title()
        table = page.locator("table.units")
        assert table.locator("tbody tr").count() == 3
        assert page.locator(".ftable .tools").is_visible()  # the script ran
        header = table.locator("thead th").nth(3)  # cases
        assert "Số việc" in header.inner_text()

        def keys():
            return [float(k) for k in table.locator("tbody tr").evaluate_all(
                "rows => rows.map(r => r.cells[3].getAttribute('data-sort'))")]

        header.click()
        assert header.get_attribute("aria-sort") == "ascending" and keys() == sorted(keys())
        header.click()
        assert header.get_attribute("aria-sort") == "descending" and keys() == sorted(keys(), reverse=True)
        page.locator("input[data-search]").fill("KV02")
        assert table.locator("tbody tr:not([hidden])").count() == 1
        page.locator("input[data-search]").fill("")
        page.locator("a", has_text=re.compile("^KV02$")).click()
        page.wait_for_load_state("load")
        assert page.url.endswith("/KV02/report.html")
        assert "khu vực 2" in page.title()
        assert page.locator("#summary").count() == 1
        assert external == [] and errors == []
        ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
        ARTIFACTS.mkdir(exist_ok=True)
        page.goto(index.as_uri(), wait_until="load")
        page.screenshot(path=str(ARTIFACTS / "batch-index-vi.png"), full_page=True)
    finally:
        context.close()
