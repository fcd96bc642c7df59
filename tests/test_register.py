"""The findings register: decisions carried across runs, the follow-up of an earlier
conclusion, imports that apply all or nothing, and writers that lose nothing — on a
DuckDB file and on the local PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import subprocess
import sys
import uuid

import duckdb
import pandas as pd
import pytest

from audit.errors import ParameterError, RegisterError
from audit.i18n import fmt_date, fmt_int, t
from audit.register import SCHEMA_VERSION, open_register, read_dispositions
from audit.register.backend import DuckDBBackend
from audit.register.fingerprint import evidence_fingerprints

PG_BASE = os.environ.get("AUDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


# -- places to keep a register ------------------------------------------------------------------
@pytest.fixture
def pg_url():
    """A PostgreSQL register in a schema of its own, dropped afterwards (its URL carries a password
    the trust-authenticated server ignores, so that its redaction can be checked)."""
    import sqlalchemy as sa

    engine = sa.create_engine(PG_BASE)
    try:
        engine.connect().close()
    except sa.exc.OperationalError as exc:
        engine.dispose()
        pytest.skip(f"PostgreSQL not reachable: {exc.orig}")
    schema = f"audit_register_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield PG_BASE.replace("://postgres@", "://postgres:s3cret-pw@") + f"?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request, tmp_path):
    if request.param == "duckdb":
        return str(tmp_path / "register.duckdb")
    return request.getfixturevalue("pg_url")


def _findings(ids=("DL-A-1", "DL-A-2", "ST-B-3"), unit="U1", amount=5_000_000, ongoing=(True, False, True)):
    n = len(ids)
    return pd.DataFrame({
        "finding_id": list(ids), "rule_id": [i.rsplit("-", 1)[0] for i in ids], "unit_id": [unit] * n,
        "case_id": [f"C{i}" for i in range(n)], "entity_type": ["case"] * n, "entity_id": [f"C{i}" for i in range(n)],
        "category": ["deadline"] * n, "severity": ["high"] * n, "finding_kind": ["violation"] * n,
        "ongoing": pd.array(list(ongoing)[:n], dtype="boolean"),
        "occurred_on": pd.to_datetime(["2025-03-01"] * n).astype("datetime64[s]"),
        "amount": pd.array([amount] * n, dtype="Int64"), "evidence": ["late"] * n})


def _record(reg, findings, as_of):
    return reg.record_run(findings, kind="run", unit_ids=["U1"], as_of=as_of, period_start=None, period_end=None,
                          manifest_fingerprint="f" * 16, operator="tester")


# -- the register's own behaviour ------------------------------------------------------------------
def test_decisions_carry_over_and_a_changed_dismissal_comes_back(target):
    with open_register(target) as reg:
        _record(reg, _findings(), "2025-10-15")
        reg.set_disposition("DL-A-1", "dismissed", reviewer="Lan", reason="entered late, acted on time")
        reg.set_disposition("DL-A-2", "dismissed", reviewer="Lan", reason="duplicate")
        reg.set_disposition("ST-B-3", "confirmed", reviewer="Minh", decided_on="2025-10-20")
        later = _findings()
        later.loc[later["finding_id"] == "DL-A-2", "amount"] = 9_000_000  # its facts changed
        _record(reg, later, "2026-10-15")
        state = reg.findings("U1").set_index("finding_id")
    assert state.loc["DL-A-1", "state"] == "dismissed" and state.loc["DL-A-1", "unchanged_since_decision"]
    assert not state.loc["DL-A-1", "needs_review"] and state.loc["DL-A-1", "runs_seen"] == 2
    assert state.loc["DL-A-2", "state"] == "pending" and state.loc["DL-A-2", "needs_review"]
    assert state.loc["ST-B-3", "state"] == "confirmed" and state.loc["ST-B-3", "decided_on"] == dt.date(2025, 10, 20)
    assert state.loc["ST-B-3", "first_seen"] == dt.date(2025, 10, 15)
    assert state.loc["ST-B-3", "last_seen"] == dt.date(2026, 10, 15)


def test_history_is_append_only(target):
    with open_register(target) as reg:
        _record(reg, _findings(), "2025-10-15")
        reg.set_disposition("DL-A-1", "confirmed", reviewer="Lan")
        reg.set_disposition("DL-A-1", "remedied", reviewer="Minh", evidence="decision 12/QĐ-CCTHADS issued")
        _record(reg, _findings(), "2026-10-15")
        h = reg.history("DL-A-1")
        with pytest.raises(ParameterError, match="NO-SUCH is not in the register"):
            reg.history("NO-SUCH")
    assert list(h["event"]) == ["seen", "decision", "decision", "seen"]
    decisions = h.loc[h["event"] == "decision"]
    assert list(decisions["state"]) == ["confirmed", "remedied"]
    assert list(decisions["superseded"]) == [True, False]


@pytest.mark.parametrize(("state", "extra", "message"), [
    ("dismissed", {}, "needs a reason"),
    ("remedied", {}, "needs the evidence"),
    ("closed", {}, "must be one of confirmed, dismissed, remedied, pending"),
    ("confirmed", {"reviewer": " "}, "reviewer is required"),
])
def test_a_decision_is_refused_with_its_reason(tmp_path, state, extra, message):
    with open_register(tmp_path / "r.duckdb") as reg:
        _record(reg, _findings(), "2025-10-15")
        with pytest.raises(ParameterError, match=message):
            reg.set_disposition("DL-A-1", state, **({"reviewer": "Lan"} | extra))
        with pytest.raises(ParameterError, match="NOPE is not in the register"):
            reg.set_disposition("NOPE", "confirmed", reviewer="Lan")
        assert reg.decisions().empty


def test_the_schema_is_versioned_and_a_newer_one_refused(tmp_path):
    path = tmp_path / "r.duckdb"
    open_register(path).close()
    open_register(path).close()  # opening again migrates nothing
    with duckdb.connect(str(path)) as con:
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        con.execute("INSERT INTO schema_version VALUES (99, now())")
    with pytest.raises(RegisterError, match="schema version 99, newer than"):
        open_register(path)


def test_a_locked_file_is_waited_for_then_named(tmp_path):
    path = tmp_path / "r.duckdb"
    open_register(path).close()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"con = duckdb.connect({str(path)!r}); print('held', flush=True); time.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RegisterError, match="locked by another process"), \
                DuckDBBackend(path, wait=0.3).transaction():
            pass
    finally:
        holder.kill()
        holder.communicate()
    with DuckDBBackend(path, wait=5).transaction() as conn:  # free again
        assert len(conn.query("SELECT * FROM runs")) == 0


def test_the_fingerprint_ignores_what_grows_with_the_date():
    f = _findings()
    g = f.assign(days_over=[400, 500, 600], evidence=["other words"] * 3, score=[0.1, 0.2, 0.3])
    assert evidence_fingerprints(f).tolist() == evidence_fingerprints(g).tolist()
    assert evidence_fingerprints(f.assign(amount=pd.array([1, 5_000_000, 5_000_000], dtype="Int64")))[0] \
        != evidence_fingerprints(f)[0]


# -- dispositions files ------------------------------------------------------------------------------
def test_an_import_with_errors_applies_nothing_and_lists_every_error(target, tmp_path):
    with open_register(target) as reg:
        _record(reg, _findings(), "2025-10-15")
        path = tmp_path / "d.csv"
        path.write_text("finding_id,disposition,reviewer,decided_on,reason,evidence\n"
                        "DL-A-1,confirmed,Lan,2025-10-20,,\n"       # fine
                        "NOPE-1,confirmed,Lan,,,\n"                 # row 3: unknown
                        "DL-A-2,dismissed,Lan,,,\n"                 # row 4: no reason
                        "ST-B-3,remedied,Lan,,,\n"                  # row 5: no evidence
                        "DL-A-1,maybe,Lan,,,\n"                     # row 6: bad state (and a conflict)
                        ",confirmed,Lan,,,\n"                       # row 7: no id
                        "ST-B-3,confirmed,Lan,20/13/2025,,\n",      # row 8: bad date, conflict with 5
                        encoding="utf-8")
        with pytest.raises(ParameterError) as err:
            reg.import_dispositions(path)
        text = str(err.value)
        for part in ("row 4: finding DL-A-2: a dismissed finding needs a reason",
                     "row 5: finding ST-B-3: a remedied finding needs the evidence",
                     "row 6: finding DL-A-1: disposition must be one of", "row 7: finding_id is empty",
                     "row 8: finding ST-B-3: decided_on '20/13/2025' is not a date",
                     "finding DL-A-1 is given conflicting decisions", "nothing applied"):
            assert part in text, part
        assert reg.decisions().empty
        # Fixed except for the unknown id: still nothing applied, the unknown id named with its row.
        path.write_text("finding_id,disposition,reviewer,reason\nDL-A-1,confirmed,Lan,\nNOPE-1,confirmed,Lan,\n",
                        encoding="utf-8")
        with pytest.raises(ParameterError, match="row 3: finding NOPE-1 is not in the register"):
            reg.import_dispositions(path)
        assert reg.decisions().empty
        path.write_text("finding_id,disposition,reason\nDL-A-1,confirmed,\nDL-A-2,dismissed,duplicate\n",
                        encoding="utf-8")
        done = reg.import_dispositions(path, reviewer="Hoa")
        assert (done.applied, done.by_state) == (2, {"confirmed": 1, "dismissed": 1})
        again = reg.import_dispositions(path, reviewer="Hoa")  # the same file twice changes nothing
        assert (again.applied, again.unchanged) == (0, 2)
        assert set(reg.decisions()["reviewer"]) == {"Hoa"}


def test_an_edit_made_since_the_file_was_filled_in_is_a_conflict(tmp_path):
    with open_register(tmp_path / "r.duckdb") as reg:
        _record(reg, _findings(), "2025-10-15")
        reg.set_disposition("DL-A-1", "confirmed", reviewer="Minh", decided_on="2025-11-05")
        stale = pd.DataFrame({"finding_id": ["DL-A-1"], "disposition": ["dismissed"], "reviewer": ["Lan"],
                              "decided_on": ["2025-11-01"], "reason": ["not late"]})
        with pytest.raises(ParameterError, match="decided confirmed by Minh on 2025-11-05, after this row's"):
            reg.import_dispositions(stale)
        assert reg.findings().set_index("finding_id").loc["DL-A-1", "state"] == "confirmed"


def test_a_workbook_is_read_from_its_sheet_of_dispositions(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Tổng hợp"
    wb.active.append(["Báo cáo"])  # a title sheet without the columns
    cat = wb.create_sheet("Vi phạm thời hạn")  # a per-category sheet in Vietnamese
    cat.append(["Mã phát hiện", "Mức độ", "Căn cứ xác định", "Ý kiến của Đoàn kiểm tra", "Người xem xét",
                "Lý do loại trừ"])
    cat.append(["DL-A-1", "Cao", "the finding's evidence", "Loại trừ", "Lan", "acted on time"])
    cat.append(["DL-A-2", "Cao", "…", "Xác nhận", "Lan", None])
    cat.append([None] * 6)
    path = tmp_path / "findings.xlsx"
    wb.save(path)
    rows = read_dispositions(path)
    assert rows["disposition"].tolist() == ["dismissed", "confirmed"]
    assert rows["evidence"].tolist() == ["", ""]  # the finding's evidence is not a remedy's
    flat = wb.create_sheet("Dispositions")  # the flat sheet, exact names: preferred
    flat.append(["finding_id", "disposition", "reviewer", "decided_on", "reason", "evidence"])
    flat.append(["ST-B-3", "remedied", "Minh", dt.datetime(2026, 1, 5), None, "paid out 12/2025"])
    flat.append(["DL-A-1", "pending", "Minh", None, None, None])
    wb.save(path)
    rows = read_dispositions(path)
    assert rows["finding_id"].tolist() == ["ST-B-3", "DL-A-1"]
    assert rows["decided_on"].tolist() == [dt.date(2026, 1, 5), None]
    assert rows["row"].tolist() == ["sheet 'Dispositions' row 2", "sheet 'Dispositions' row 3"]
    flat.append(["DL-A-2", "dismissed", "Minh", None, None, None])
    wb.save(path)
    with pytest.raises(ParameterError, match="sheet 'Dispositions' row 4: finding DL-A-2: a dismissed finding"):
        read_dispositions(path)


# -- two writers at once ------------------------------------------------------------------------------
def _writer(target: str, reviewer: str, ids: list[str]) -> None:
    from audit.register import open_register

    for i, fid in enumerate(ids):
        with open_register(target) as reg:
            reg.set_disposition(fid, "confirmed" if i % 2 else "dismissed", reviewer=reviewer,
                                reason=f"checked by {reviewer}")


def test_two_reviewers_writing_at_once_lose_nothing(target):
    ids = [f"DL-X-{i}" for i in range(15)]
    with open_register(target) as reg:
        _record(reg, _findings(ids=ids, ongoing=[True] * 15), "2025-10-15")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(target, name, ids)) for name in ("Lan", "Minh")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    with open_register(target) as reg:
        decisions = reg.decisions()
        state = reg.findings()
    assert len(decisions) == 30 and decisions.groupby("reviewer").size().to_dict() == {"Lan": 15, "Minh": 15}
    assert set(state["reviewer"]) <= {"Lan", "Minh"} and state["state"].isin(["confirmed", "dismissed"]).all()


# -- a unit audited twice, a year apart ----------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from audit.demo import write_demo_database

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    write_demo_database(path, units=3, cases_per_unit=400)
    return path


def _raw_items(target: str) -> pd.DataFrame:
    """The first conclusion's recommendations, read with plain SQL."""
    sql = ("SELECT r.finding_id, r.remedy_deadline FROM recommendations r JOIN conclusions c "
           "ON c.conclusion_id = r.conclusion_id WHERE c.as_of = DATE '2025-10-15' AND r.remedy_required")
    if "://" in target:
        import sqlalchemy as sa

        engine = sa.create_engine(target)
        with engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(sa.text(sql)).fetchall(), columns=["finding_id", "remedy_deadline"])
        engine.dispose()
        return frame
    with duckdb.connect(target) as con:
        return con.execute(sql).df()


def test_a_year_later_the_earlier_conclusion_is_followed_up(demo, target, tmp_path):
    from audit.pipeline import audit_unit
    from audit.report import write_outputs
    from audit.report.sections import followup_html

    first = audit_unit(demo, "KV01", "2025-10-15")
    write_outputs(first, tmp_path / "2025", register=target, remedy_days=30)
    own = first.findings.loc[(first.findings["unit_id"] == "KV01") & (first.findings["finding_kind"] == "violation")]
    # The team reviews after the first run: dismisses two, marks one still open as remedied, confirms the rest.
    ongoing = own.loc[own["ongoing"].fillna(False).astype(bool), "finding_id"].tolist()
    dismissed, remedied = own["finding_id"].tolist()[-2:], ongoing[0]
    with open_register(target) as reg:
        for fid in own["finding_id"]:
            if fid in dismissed:
                reg.set_disposition(fid, "dismissed", reviewer="Lan", reason="entered late; acted on time")
            elif fid == remedied:
                reg.set_disposition(fid, "remedied", reviewer="Lan", evidence="order 15/QĐ of 01/12/2025")
            else:
                reg.set_disposition(fid, "confirmed", reviewer="Lan")

    second = audit_unit(demo, "KV01", "2026-10-15")
    paths = write_outputs(second, tmp_path / "2026", register=target, remedy_days=30)

    # The truth, from the recorded recommendations and the second run's findings.csv alone.
    items = _raw_items(target)
    now = pd.read_csv(paths["findings_csv"], dtype="str", keep_default_na=False, encoding="utf-8-sig")
    now = now.loc[now["unit_id"] == "KV01"].set_index("finding_id")
    truth = {"remedied": 0, "not_remedied": 0, "overdue": 0}
    for fid, deadline in zip(items["finding_id"], items["remedy_deadline"], strict=True):
        holds = fid in now.index and now.loc[fid, "ongoing"].lower() != "false" and fid != remedied
        truth["not_remedied" if holds else "remedied"] += 1
        truth["overdue"] += holds and pd.Timestamp(deadline).date() < dt.date(2026, 10, 15)
    assert len(items) > 5 and truth["remedied"] > 1 and truth["not_remedied"] > 1

    counts = second.follow_up.counts
    assert {k: counts[k] for k in truth} == truth
    manifest = json.loads(paths["manifest_json"].read_text(encoding="utf-8"))
    assert manifest["register"]["follow_up"]["overdue"] == truth["overdue"]
    assert "s3cret-pw" not in paths["manifest_json"].read_text(encoding="utf-8")
    n = {k: fmt_int(v) for k, v in truth.items()}
    facts = t("conclusion.results.followup_facts", "vi", earlier="15/10/2025", as_of="15/10/2026",
              n=fmt_int(len(items)), remedied=n["remedied"], not_remedied=n["not_remedied"], overdue=n["overdue"])
    md = paths["conclusion_md"].read_text(encoding="utf-8")
    assert "Việc thực hiện kết luận kiểm tra trước" in md and " ".join(facts.split()) in " ".join(md.split())
    assert "Khẩn trương khắc phục" in md  # the recommendation on overdue items
    html = followup_html(second)
    intro = t("register.followup.intro", "vi", earlier=fmt_date(dt.date(2025, 10, 15), "vi"),
              as_of=fmt_date(dt.date(2026, 10, 15), "vi"), n=fmt_int(len(items)), remedied=n["remedied"],
              not_remedied=n["not_remedied"], overdue=n["overdue"])
    assert intro in html.replace("\n", " ") or " ".join(intro.split()) in " ".join(html.split())
    # The dismissals carried over: the recurring, unchanged ones are not stated again.
    stated = manifest["conclusion"]["dispositions"]
    assert stated["source"] == "register" and stated["dismissed"] == len(set(dismissed) & set(now.index))
    with open_register(target) as reg:
        state = reg.findings("KV01").set_index("finding_id")
        metrics = reg.metrics(["KV01"])
    for fid in set(dismissed) & set(now.index):
        assert state.loc[fid, "state"] in ("dismissed", "pending")
        assert (state.loc[fid, "state"] == "dismissed") == bool(state.loc[fid, "unchanged_since_decision"])
    assert metrics.loc[0, "overdue_remedies"] == truth["overdue"]
    assert metrics.loc[0, "findings"] == len(state)


def test_without_an_earlier_conclusion_the_report_says_so(demo, tmp_path):
    from audit.pipeline import audit_unit
    from audit.report import write_outputs
    from audit.report.sections import followup_html
    from audit.report.sections.outline import outline

    result = audit_unit(demo, "KV02", "2026-10-15", lang="en")
    write_outputs(result, tmp_path / "run", register=tmp_path / "r.duckdb")
    assert not result.follow_up.has_baseline
    html = followup_html(result)
    assert t("register.followup.none", "en") in html and "Register metrics" in html
    assert ("followup", "3. Findings register") in outline(result)


# -- the command line -----------------------------------------------------------------------------------
def test_the_command_line_records_and_shows_decisions(tmp_path, capsys, monkeypatch):
    from audit.cli import main

    path = str(tmp_path / "r.duckdb")
    with open_register(path) as reg:
        _record(reg, _findings(), "2025-10-15")
    monkeypatch.setenv("AUDIT_REGISTER", path)
    assert main(["disposition", "DL-A-1", "--state", "dismissed", "--reviewer", "Lan", "--reason", "late entry"]) == 0
    assert main(["disposition", "DL-A-2", "--state", "dismissed", "--reviewer", "Lan"]) == 2
    assert "needs a reason" in capsys.readouterr().err
    csv = tmp_path / "d.csv"
    csv.write_text("finding_id,disposition,evidence\nST-B-3,remedied,paid out\n", encoding="utf-8")
    assert main(["register", "import", str(csv), "--reviewer", "Minh"]) == 0
    assert "1 decisions recorded (1 remedied)" in capsys.readouterr().out
    assert main(["register", "show", "--unit", "U1"]) == 0
    shown = capsys.readouterr().out
    assert "dismissed" in shown and "remedied" in shown
    assert main(["register", "show", "--csv", str(tmp_path / "state.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "state.csv")) == 3
    assert main(["register", "history", "ST-B-3", "--register", path]) == 0
    assert "paid out" in capsys.readouterr().out
    assert main(["register", "metrics"]) == 0
    assert "U1" in capsys.readouterr().out
    assert main(["register", "history", "NOPE"]) == 2


def test_the_batch_index_shows_the_register(tmp_path):
    from audit.batch.index import _register_metrics

    with open_register(tmp_path / "r.duckdb") as reg:
        _record(reg, _findings(), "2025-10-15")
        html = _register_metrics(reg.metrics(), {"U1": "Unit one"}, "vi")
    assert "Sổ theo dõi phát hiện" in html and "Unit one" in html and "<td class=\"num\">3</td>" in html


@pytest.mark.slow
def test_audit_run_twice_shows_the_follow_up_in_the_report(demo, tmp_path, capsys):
    from audit.cli import main

    reg = str(tmp_path / "team.duckdb")
    common = ["--source", str(demo), "--unit", "KV01", "--register", reg]
    assert main(["run", *common, "--as-of", "2025-10-15", "--out", str(tmp_path / "a")]) == 0
    assert f"register:   {reg}" in capsys.readouterr().out
    assert main(["run", *common, "--as-of", "2026-10-15", "--out", str(tmp_path / "b")]) == 0
    html = (tmp_path / "b" / "report.html").read_text(encoding="utf-8")
    assert 'id="followup"' in html and "Việc thực hiện kết luận kiểm tra trước" in html
    assert 'href="#followup"' in html  # in the navigation too
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["register"]["follow_up"]["recommendations"] > 0
    assert main(["run", "--source", str(demo), "--unit", "KV01", "--as-of", "2026-10-15", "--no-register",
                 "--out", str(tmp_path / "c")]) == 0
    assert json.loads((tmp_path / "c" / "manifest.json").read_text(encoding="utf-8"))["register"] is None
    with open_register(reg) as r:
        assert len(r.runs()) == 2


def test_a_scan_is_recorded_when_asked(demo, tmp_path, capsys):
    from audit.cli import main

    reg = str(tmp_path / "scan.duckdb")
    assert main(["scan", "--source", str(demo), "--as-of", "2026-10-15", "--out", str(tmp_path / "s"),
                 "--register", reg]) == 0
    assert f"register: {reg}" in capsys.readouterr().out
    with open_register(reg) as r:
        runs = r.runs()
        assert list(runs["kind"]) == ["scan"] and runs.loc[0, "unit_ids"].split(",") == ["KV01", "KV02", "KV03"]
        assert runs.loc[0, "findings"] == len(pd.read_csv(tmp_path / "s" / "findings.csv"))


def test_a_register_password_never_shows(pg_url, capsys):
    from audit.cli import main

    assert main(["register", "metrics", "--register", pg_url]) == 0
    out = capsys.readouterr().out
    assert main(["register", "show", "--register", "postgresql://postgres:s3cret-pw@127.0.0.1:1/test"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the register's database" in err and "postgres:***@127.0.0.1:1" in err
    assert "s3cret-pw" not in out + err


def test_each_recommendation_is_judged_by_the_records_now():
    from audit.register.followup import judge_items

    items = pd.DataFrame({
        "item_no": [1, 2, 3, 4, 5, 6, 7],
        "finding_id": ["A-1", "A-2", "A-3", "A-4", "A-5", None, "A-7"],
        "rule_id": ["A", "A", "A", "A", "A", "B", "A"],
        "remedy_required": [True, True, True, True, True, True, False],
        "remedy_deadline": [dt.date(2026, 1, 1), dt.date(2027, 1, 1), dt.date(2026, 1, 1), dt.date(2026, 1, 1),
                            None, dt.date(2026, 1, 1), None]})
    now = pd.DataFrame({"finding_id": ["A-1", "A-2", "A-4", "A-5", "B-9", "A-7"],
                        "rule_id": ["A", "A", "A", "A", "B", "A"],
                        "ongoing": pd.array([True, True, False, True, True, True], dtype="boolean")})
    judged = judge_items(items, now, {"A-5"}, dt.date(2026, 10, 15)).set_index("item_no")
    assert judged["status"].tolist() == ["not_remedied", "not_remedied", "remedied", "remedied", "remedied",
                                         "not_remedied", "lesson"]
    assert judged["how"].tolist() == ["", "", "absent", "no_longer_ongoing", "marked", "", ""]
    assert judged["overdue"].tolist() == [True, False, False, False, False, True, False]


def test_a_second_schema_version_migrates_a_first_one_in_place(target):
    from audit.register.backend import backend_for
    from audit.register.schema import MIGRATIONS, migrate

    with open_register(target) as reg:
        _record(reg, _findings(), "2025-10-15")
    v2 = (*MIGRATIONS, ("ALTER TABLE runs ADD COLUMN note TEXT",))
    backend = backend_for(target)
    with backend.transaction() as conn:
        assert migrate(conn, backend.description, v2) == SCHEMA_VERSION
    with backend.transaction() as conn:
        assert migrate(conn, backend.description, v2) == SCHEMA_VERSION + 1  # applied once
        assert conn.query("SELECT note, findings FROM runs")["findings"].tolist() == [3]
    if hasattr(backend, "dispose"):
        backend.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_a_team_register_url_leaves_no_password_in_a_run(demo, pg_url, tmp_path):
    from audit.report import run_unit_report

    out = run_unit_report(demo, "KV03", "2026-10-15", tmp_path / "run", lang="en", register=pg_url)
    for path in (out.executed_ipynb, out.manifest_json, out.report_html, out.conclusion_md):
        text = path.read_text(encoding="utf-8")
        assert "s3cret-pw" not in text, path.name
    manifest = json.loads(out.manifest_json.read_text(encoding="utf-8"))
    assert manifest["parameters"]["register"].startswith("postgresql+psycopg://postgres:***@")
    assert "Findings register" in out.report_html.read_text(encoding="utf-8")
    with open_register(pg_url) as reg:
        assert reg.runs()["unit_ids"].tolist() == ["KV03"]
