"""The unit report: notebook, papermill run, self-contained HTML and the run's files.

Fast tests check the pieces on hand-made records; the ``slow`` ones execute the
real notebook on a small demo database, once per language, and share the runs.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re

import nbformat
import pandas as pd
import pytest
from _builders import make_records

from audit.contract import FINDING_COLUMNS
from audit.errors import ParameterError, RunError
from audit.i18n import LANGUAGES, catalogue
from audit.pipeline import audit_unit
from audit.report import FILES, NOTEBOOK, project_path, run_unit_report, write_outputs
from audit.report import display as report_display
from audit.report import execute as report_execute
from audit.report.html import export_html, external_references
from audit.report.outputs import redact, sha256
from audit.report.paths import PROJECT_DIR

# Independent of audit.report.html's own check: any attribute or script reaching off the page.
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|<script[^>]*\bsrc""", re.I)
AS_OF = "2026-10-15"


# -- hand-made records --------------------------------------------------------
def _small_audit(lang: str = "vi"):
    cases = [
        # no decision 9 months after receipt: DL-DECISION
        {"case_id": f"C{i}", "received_date": "2026-01-05", "amount_due": 1_234_567 * (i + 1)}
        for i in range(5)
    ] + [{"case_id": "DONE", "received_date": "2025-11-03", "decision_date": "2025-11-05",
          "status": "completed", "closed_date": "2026-03-02", "amount_due": 50_000_000}]
    records = make_records(cases=cases)
    return audit_unit(records, "KV01", AS_OF, lang=lang)


@pytest.fixture
def shown(monkeypatch):
    """Collect what the display helpers would show instead of displaying it."""
    blocks: list[str] = []
    monkeypatch.setattr(report_display, "show_html", blocks.append)
    return blocks


def test_every_report_message_has_both_languages():
    report = {k: v for k, v in catalogue().items() if k.startswith("report.")}
    assert len(report) > 50
    missing = [k for k, v in report.items() for lang in LANGUAGES if not str(v.get(lang, "")).strip()]
    assert missing == []


def test_notebook_is_committed_clean_with_literal_parameters():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec == {"name": "thads-audit", "display_name": "THADS audit",
                                      "language": "python"}
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    namespace: dict = {}
    exec(params[0].source, namespace)  # plain literals only: nothing to import
    assert {k: namespace[k] for k in ("source", "unit_id", "as_of", "lang", "output_dir")} == {
        "source": "outputs/demo/demo.duckdb", "unit_id": "KV01", "as_of": "2026-10-15",
        "lang": "vi", "output_dir": "outputs/demo/KV01"}
    # No period: the last complete statistical year before the audit date, as make demo's report.
    assert (namespace["period_start"], namespace["period_end"]) == (None, None)
    assert namespace["params_file"] is None
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)


def test_relative_paths_resolve_against_the_project_folder():
    # JupyterLab starts the kernel in notebooks/: the default source must still be found.
    assert project_path("outputs/demo/demo.duckdb") == str(PROJECT_DIR / "outputs" / "demo" / "demo.duckdb")
    assert project_path("postgresql+psycopg://u:p@h/db") == "postgresql+psycopg://u:p@h/db"


def test_redact_hides_url_passwords_only():
    assert redact("postgresql+psycopg://audit:s3cr:et@db.local:5432/thads") == \
        "postgresql+psycopg://audit:***@db.local:5432/thads"
    assert redact("/data/demo.duckdb") == "/data/demo.duckdb"


def test_passwords_are_scrubbed_from_the_executed_notebook(tmp_path):
    from nbformat.v4 import new_code_cell, new_notebook

    url = "postgresql+psycopg://audit:s3cret@db.local/thads"
    nb = new_notebook(cells=[new_code_cell(f'source = "{url}"', metadata={"tags": ["injected-parameters"]})],
                      metadata={"papermill": {"parameters": {"source": url}}})
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    report_execute._scrub(path, url, redact(url))
    text = path.read_text(encoding="utf-8")
    assert "s3cret" not in text and text.count("audit:***@db.local") == 2


SECTIONS = ("summary", "results", "categories", "data_quality", "rules", "method")


def test_sections_format_money_and_dates_per_language(shown):
    html = {}
    for lang in ("vi", "en"):
        result = _small_audit(lang)
        before = len(shown)
        for name in SECTIONS:
            getattr(report_display, name)(result)
        html[lang] = "".join(shown[before:])
    vi_html, en_html = html["vi"], html["en"]
    assert "Kết quả thi hành án" in vi_html and "Enforcement results" in en_html
    assert "15/10/2026" in vi_html and "2026-10-15" in en_html
    assert re.search(r"\d{1,3}(\.\d{3})+ đồng", vi_html) and re.search(r"\d{1,3}(,\d{3})+ VND", en_html)
    assert "dtype" not in vi_html and "<script" not in vi_html
    assert "Luật Thi hành án dân sự số 106/2025/QH15" in vi_html  # the packs in force, by name


def test_a_short_period_is_flagged_in_the_summary(shown):
    from audit.report.sections import summary_html

    cases = [{"case_id": "C1", "received_date": "2026-01-05", "amount_due": 1_000_000}]
    short = audit_unit(make_records(cases=cases), "KV01", AS_OF, "2026-10-01", AS_OF)
    assert "kỳ kiểm tra (15 ngày) chỉ là một phần của năm thống kê 2026-2027" in summary_html(short)
    english = audit_unit(make_records(cases=cases), "KV01", AS_OF, "2026-10-01", AS_OF, lang="en")
    assert "the period inspected (15 days) is only part of the statistical year" in summary_html(english)
    # No period given: the last complete statistical year, nothing to warn about.
    year = audit_unit(make_records(cases=cases), "KV01", AS_OF)
    assert (year.period_start, year.period_end) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30))
    assert '<span class="caution">' not in summary_html(year)


def test_finding_lists_are_capped_with_a_note(shown):
    result = _small_audit("en")
    n = int((result.findings["category"] == "deadline").sum())
    assert n >= 5
    report_display.categories(result, limit=2)
    deadline = next(block for block in shown if 'id="cat-deadline"' in block)
    assert f"{n - 2} more in findings.xlsx and findings.csv" in deadline
    assert deadline.count("<tr data-severity=") == 2


def test_every_section_heading_is_in_the_navigation(shown):
    result = _small_audit("vi")
    for name in SECTIONS:
        getattr(report_display, name)(result)
    html = "".join(shown)
    anchors = re.findall(r'<nav class="audit toc".*?</nav>', html, re.S)[0]
    links = re.findall(r'href="#([^"]+)"', anchors)
    ids = re.findall(r'<h2 id="([^"]+)"', html)
    assert links == ids and {"summary", "results", "cat-deadline", "timelines", "data-quality", "rules",
                             "method"} <= set(ids)


def test_findings_tables_carry_sort_keys_and_hidden_tools(shown):
    result = _small_audit("vi")
    report_display.categories(result)
    block = next(b for b in shown if 'id="cat-deadline"' in b)
    assert '<div class="tools" hidden>' in block and "data-search" in block and "data-severity" in block
    # dates sort by their ISO form, severities by rank, whatever the display
    assert re.search(r'<td class="nowrap" data-sort="\d{4}-\d{2}-\d{2}">\d{2}/\d{2}/\d{4}</td>', block)
    assert 'data-sort="0"><span class="sev sev-high">' in block


def test_write_outputs_follow_the_contract(tmp_path):
    result = _small_audit("vi")
    paths = write_outputs(result, tmp_path)
    with paths["findings_csv"].open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[: len(FINDING_COLUMNS)] == list(FINDING_COLUMNS)
    assert len(rows) == len(result.findings) > 0
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["event_date"]) for r in rows if r["event_date"])
    data = json.loads(paths["findings_json"].read_text(encoding="utf-8"))
    assert len(data) == len(rows)
    manifest = json.loads(paths["manifest_json"].read_text(encoding="utf-8"))
    assert manifest["findings"]["total"] == len(rows)
    assert manifest["period"] == {"start": "2025-10-01", "end": "2026-09-30", "kind": "statistical_year",
                                  "defaulted": True}
    assert "DL-DECISION" in manifest["settings"]["rules"]
    for name, info in manifest["outputs"].items():
        assert sha256(tmp_path / name) == info["sha256"]


def _notebook_with_noise() -> nbformat.NotebookNode:
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    return new_notebook(cells=[
        new_code_cell("import audit  # setup", metadata={"tags": ["setup"]},
                      outputs=[new_output("stream", name="stdout", text="setup noise")]),
        new_code_cell("show()", outputs=[
            new_output("display_data", data={"text/html": "<h2>Kết quả</h2>", "text/plain": "<HTML>"}),
            new_output("stream", name="stderr", text="UserWarning: something"),
            new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
        ]),
        new_code_cell("x = 1"),
    ], metadata={"kernelspec": {"name": "thads-audit", "display_name": "THADS audit",
                                "language": "python"}})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_html_export_has_no_code_no_stderr_and_no_network(tmp_path, lang):
    out = export_html(_notebook_with_noise(), tmp_path / "report.html", title="Báo cáo — KV01", lang=lang)
    html = out.read_text(encoding="utf-8")
    assert f'lang="{lang}"' in html and "<title>Báo cáo — KV01</title>" in html
    assert "Kết quả" in html and "data:image/png;base64," in html
    for noise in ("import audit", "setup noise", "UserWarning", "show()", "x = 1", "In [", "In&nbsp;["):
        assert noise not in html
    assert EXTERNAL.search(html) is None and external_references(html) == []
    assert "mathjax" not in html.lower() and "require.js" not in html


def test_external_reference_check_catches_cdn_scripts():
    assert external_references('<script src="https://cdn.example/x.js"></script>')
    assert external_references('<link href="//fonts.example/css">')
    assert not external_references('<img src="data:image/png;base64,AAAA">')


# -- parameters are refused before anything runs ------------------------------
@pytest.fixture
def no_kernel(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the notebook must not run with bad parameters")

    monkeypatch.setattr(report_execute, "_execute", refuse)


@pytest.mark.parametrize(("change", "message"), [
    ({"lang": "fr"}, "lang must be one of"),
    ({"as_of": "2026-13-01"}, "as_of"),
    ({"as_of": "15/10/2026"}, "as_of"),
    ({"period_start": "yesterday"}, "period_start"),
    ({"period_start": "2026-09-30", "period_end": "2026-01-01"}, "after period_end"),
    ({"unit": " "}, "unit"),
    ({"source": "no/such/source.duckdb"}, "source not found"),
    ({"params_file": "no/such/params.yaml"}, "cannot read"),
    ({"out": __file__}, "output folder is a file"),
])
def test_bad_parameters_are_refused_before_execution(tmp_path, no_kernel, change, message):
    kwargs = {"source": str(tmp_path), "unit": "KV01", "as_of": AS_OF, "out": tmp_path / "out"} | change
    with pytest.raises(ParameterError, match=message) as info:
        run_unit_report(**kwargs)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out").exists()


def test_an_invalid_params_file_is_refused_before_execution(tmp_path, no_kernel):
    bad = tmp_path / "inspection.yaml"
    bad.write_text("rules:\n  ST-NO-ACTION: {dayz: 90}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="dayz"):
        run_unit_report(tmp_path, "KV01", AS_OF, tmp_path / "out", params_file=bad)


# -- end to end on a small demo database --------------------------------------
@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    demo = pytest.importorskip("audit.demo")
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.write_demo_database(path, units=3, cases_per_unit=300)
    return path


@pytest.fixture(scope="session", params=LANGUAGES)
def unit_run(request, demo_db, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"run-{request.param}")
    outputs = run_unit_report(demo_db, "KV01", AS_OF, out, lang=request.param)
    return request.param, outputs


@pytest.mark.slow
def test_run_writes_every_output(unit_run):
    _, outputs = unit_run
    for role in FILES:
        assert getattr(outputs, role).is_file(), role
    assert not (outputs.out_dir / "failed").exists()
    assert not list(outputs.out_dir.glob(".staging-*"))


@pytest.mark.slow
def test_report_has_no_code_and_loads_nothing(unit_run):
    lang, outputs = unit_run
    html = outputs.report_html.read_text(encoding="utf-8")
    for code in ("import audit", "audit_unit(", "In [", "In&nbsp;[", "Out[", "Traceback", "dtype:"):
        assert code not in html, code
    assert EXTERNAL.search(html) is None
    # Stricter still: nothing on the page names a web address or links a file, and the one
    # script is the report's own, written inline.
    assert not re.search(r"https?://|<link|@import", html, re.I)
    scripts = re.findall(r"<script[^>]*>", html, re.I)
    assert scripts == ["<script>"] and "data-ftable" in html
    assert "data:image/png;base64," in html
    assert f'<html lang="{lang}">' in html
    heading = {"vi": "Kết quả thi hành án trong kỳ", "en": "Enforcement results in the period"}[lang]
    for anchor in ('id="summary"', 'id="results"', 'id="rules"', 'id="method"', 'id="cat-valuation"',
                   'id="cat-auction"', 'id="timelines"'):
        assert anchor in html, anchor
    assert html.count('<div class="timeline">') == 5  # the most serious cases, pictured
    title = {"vi": "Báo cáo kiểm tra", "en": "audit report"}[lang]
    assert heading in html and re.search(rf"<title>[^<]*{title}[^<]*</title>", html)


@pytest.mark.slow
def test_files_agree_with_the_report(unit_run):
    _, outputs = unit_run
    html = outputs.report_html.read_text(encoding="utf-8")
    shown = int(re.search(r'data-findings-total="(\d+)"', html).group(1))
    with outputs.findings_csv.open(encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames[: len(FINDING_COLUMNS)] == list(FINDING_COLUMNS)
        rows = list(reader)
    assert len(rows) == shown > 0
    assert len(json.loads(outputs.findings_json.read_text(encoding="utf-8"))) == shown
    manifest = json.loads(outputs.manifest_json.read_text(encoding="utf-8"))
    assert manifest["findings"]["total"] == shown
    assert set(manifest["outputs"]) == set(FILES.values()) - {"manifest.json"}
    for name, info in manifest["outputs"].items():
        assert sha256(outputs.out_dir / name) == info["sha256"], name
    assert manifest["parameters"]["unit_id"] == "KV01" and manifest["parameters"]["as_of"] == AS_OF
    assert manifest["input"]["fingerprint"] and manifest["rows"]
    assert manifest["started_at"] <= manifest["finished_at"]
    assert dt.datetime.fromisoformat(manifest["finished_at"].replace("Z", "+00:00"))


@pytest.mark.slow
def test_a_failing_notebook_keeps_the_partial_run_and_no_report(demo_db, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "report.html").write_text("an earlier run's report", encoding="utf-8")
    with pytest.raises(RunError) as info:
        run_unit_report(demo_db, "NO-SUCH-UNIT", AS_OF, out)
    message = str(info.value)
    assert "\n" not in message
    # The cell (index, prompt and first line of code) and the exception raised in it.
    assert re.search(r"notebook cell \d+ \(In \[\d+\]: result = audit_unit\(.+\) raised ParameterError: "
                     r".*NO-SUCH-UNIT", message)
    assert not (out / "report.html").exists()
    assert info.value.exit_code == 2  # an unknown unit is the input's fault, not the notebook's
    partial = nbformat.read(out / "failed" / "executed.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in partial.cells for o in c.get("outputs", []))
    assert not list(out.glob(".staging-*"))


@pytest.mark.slow
def test_a_notebook_that_writes_no_files_is_a_failed_run(tmp_path, monkeypatch):
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell('unit_id = "KV01"', metadata={"tags": ["parameters"]}),
                             new_code_cell("print(unit_id)")],
                      metadata={"kernelspec": {"name": "thads-audit", "display_name": "THADS audit",
                                               "language": "python"}})
    nbformat.write(nb, tmp_path / "bare.ipynb")
    monkeypatch.setattr(report_execute, "NOTEBOOK", tmp_path / "bare.ipynb")
    with pytest.raises(RunError, match=r"did not write findings\.csv.*write_outputs") as info:
        run_unit_report(tmp_path, "KV01", AS_OF, tmp_path / "run")
    assert info.value.exit_code == 1
    assert (tmp_path / "run" / "failed" / "executed.ipynb").is_file()
    assert not (tmp_path / "run" / "report.html").exists()


@pytest.mark.slow
def test_the_command_line_passes_dispositions_and_remedy_days(demo_db, tmp_path, capsys):
    from audit.cli import main

    first = audit_unit(str(demo_db), "KV01", AS_OF).findings["finding_id"].iloc[0]
    register = tmp_path / "dispositions.csv"
    register.write_text(f"finding_id,disposition,reason\n{first},dismissed,a duplicate entry\n", encoding="utf-8")
    out = tmp_path / "run"
    code = main(["run", "--source", str(demo_db), "--unit", "KV01", "--as-of", AS_OF, "--out", str(out),
                 "--dispositions", str(register), "--remedy-days", "60"])
    assert code == 0 and str(out / "report.html") in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["remedy_days"] == 60
    assert manifest["conclusion"]["dispositions"]["dismissed"] == 1
    assert manifest["conclusion"]["findings_not_dismissed"] == manifest["findings"]["total"] - 1
    assert manifest["conclusion"]["remedy_days"] == 60
    md = (out / "conclusion.md").read_text(encoding="utf-8")
    assert "trong thời hạn 60 ngày kể từ ngày nhận Kết luận" in md


def test_the_command_line_refuses_negative_remedy_days(capsys):
    from audit.cli import main

    with pytest.raises(SystemExit) as info:
        main(["run", "--source", ".", "--unit", "KV01", "--as-of", AS_OF, "--out", "x", "--remedy-days", "0"])
    assert info.value.code == 2 and "must be at least 1" in capsys.readouterr().err


# -- from a real PostgreSQL database to the reviewer's HTML ---------------------
@pytest.fixture
def demo_in_postgresql(demo_db):
    """The small demo province copied table by table into a fresh PostgreSQL schema."""
    import os
    import uuid

    import duckdb
    import sqlalchemy as sa
    from _io_fixtures import _SQL_TYPES

    from audit.contract import TABLES

    base = os.environ.get("AUDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    engine = sa.create_engine(base)
    try:
        engine.connect().close()
    except sa.exc.OperationalError as exc:
        engine.dispose()
        pytest.skip(f"PostgreSQL not reachable: {exc.orig}")
    schema = f"audit_run_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        for name in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            table = TABLES.get(name[0])
            if table is None:
                continue  # the demo's truth table is not a contract table
            frame = con.execute(f'SELECT * FROM "{table.name}"').df()
            kinds = {c.name: _SQL_TYPES[c.kind] for c in table.columns if c.name in frame}
            frame.to_sql(table.name, engine, schema=schema, index=False, dtype=kinds, chunksize=5000)
        # A password in the URL (trust authentication ignores it) must never reach the outputs.
        url = base.replace("://postgres@", "://postgres:s3cret-pw@") + f"?options=-csearch_path%3D{schema}"
        yield url
    finally:
        con.close()
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_a_unit_audited_from_postgresql_matches_the_same_data_in_duckdb(demo_in_postgresql, demo_db,
                                                                        tmp_path, capsys):
    from audit.cli import main

    out = tmp_path / "pg-run"
    code = main(["run", "--source", demo_in_postgresql, "--unit", "KV01", "--as-of", AS_OF,
                 "--period-start", "2025-10-01", "--period-end", "2026-09-30", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Báo cáo kiểm tra" in html and EXTERNAL.search(html) is None
    # The same records give the same findings, whichever database holds them.
    from_pg = pd.read_csv(out / "findings.csv", dtype=str).sort_values("finding_id")
    direct = audit_unit(str(demo_db), "KV01", AS_OF, "2025-10-01", "2026-09-30").findings
    assert len(from_pg) > 0
    assert from_pg["finding_id"].tolist() == sorted(direct["finding_id"].tolist())
    for name in ("executed.ipynb", "manifest.json", "report.html", "findings.json", "conclusion.md"):
        assert "s3cret-pw" not in (out / name).read_text(encoding="utf-8"), name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["source"].startswith("postgresql+psycopg://postgres:***@")
    assert manifest["rows"]


@pytest.mark.slow
def test_an_unreachable_database_exits_2_in_one_line(tmp_path, capsys):
    from audit.cli import main

    url = "postgresql+psycopg://postgres:pw@127.0.0.1:1/test"  # nothing listens on port 1
    code = main(["run", "--source", url, "--unit", "KV01", "--as-of", AS_OF, "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "cannot read the database" in err and ":pw@" not in err  # checked before any kernel starts
