"""A dishonest operator against the sampling: every way to steer or doctor a draw that was
possible before (one process committing and revealing 7 ms apart, verify ignoring the CSVs'
``selected`` flags and the log, a seed of the operator's choosing accepted) must now fail.

Two kinds of attacker: a *naive* one edits a file or a log line; a *forger* knows the
scheme and rewrites everything downstream consistently (log chain, file hashes,
manifest). The forger is still caught wherever the scheme binds the draw to what he
cannot change: the sealed secret's commitment, the delay, the assigned public round
and its published value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

import pytest

from audit.cli import main
from audit.errors import ParameterError
from audit.report.outputs import redact
from audit.sampling import (
    NotYet,
    VerificationError,
    commit_units,
    draw,
    read_cycle,
    read_log,
    verify,
)
from audit.sampling.commit import commit_event, inputs_sha256, read_doc
from audit.sampling.draw import build_result, csv_text
from audit.sampling.log import GENESIS, LOG_NAME, line_hash
from audit.sampling.manifest import listing
from audit.sampling.public import first_round, iso
from audit.sampling.seal import commitment
from audit.sampling.units import frame_table, units_body

AS_OF = "2026-10-15"
T0 = dt.datetime(2026, 11, 3, 8, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
VALUE = "04817"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from audit.demo import write_demo_database

    path = tmp_path_factory.mktemp("attack-demo") / "demo.duckdb"
    write_demo_database(path, units=12, cases_per_unit=300)
    return path


@pytest.fixture(scope="module")
def drawn_root(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("attack-root") / "2026-11"
    commit_units(demo_db, AS_OF, "2026-11", 4, folder, now=T0)
    draw(folder, public_value=VALUE, now=T0 + 2 * DAY)
    return folder.parent


@pytest.fixture
def cycle(drawn_root, tmp_path):
    """A private copy of an honestly committed and drawn cycle."""
    shutil.copytree(drawn_root, tmp_path / "root")
    return tmp_path / "root" / "2026-11"


# -- what an attacker who knows the scheme can do ------------------------------------------
def _events(root: Path) -> list[dict]:
    return [json.loads(line) for line in (root / LOG_NAME).read_text(encoding="utf-8").splitlines() if line]


def _write_events(root: Path, events: list[dict]) -> None:
    """Rewrite the log with every line re-chained: sequence numbers, links and hashes recomputed."""
    prev, lines = GENESIS, []
    for seq, event in enumerate(events, start=1):
        event = {k: v for k, v in event.items() if k != "hash"}
        event.update(seq=seq, prev=prev)
        event["hash"] = line_hash(event)
        prev = event["hash"]
        lines.append(json.dumps(event, ensure_ascii=False))
    (root / LOG_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _republish(folder: Path) -> None:
    """Rewrite the manifest to the folder as it is now, and its logged hash."""
    path = folder / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["files"] = listing(folder)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    events = _events(folder.parent)
    last = [e for e in events if e["event"] == "manifest"][-1]
    last["manifest_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    _write_events(folder.parent, events)


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _forge(folder: Path, *, inputs=None, value: str = VALUE, seed: bytes | None = None,
           drawn_at: str | None = None) -> dict:
    """Rebuild the cycle consistently after a change: the commitment (re-made with the revealed
    secret), its log line, the result, the CSV, the draw line, the manifest and the chain."""
    root = folder.parent
    doc = read_doc(folder / "units.commitment.json", "commitment")
    result = read_doc(folder / "units.json", "draw")
    secret = bytes.fromhex(result["secret"])
    old = doc["commitment"]
    if inputs is not None:
        inputs(doc["inputs"])
        doc["inputs_sha256"] = inputs_sha256(doc["inputs"])
        doc["commitment"] = commitment(secret, doc["inputs_sha256"])
    _write_json(folder / "units.commitment.json", doc)
    events = _events(root)
    line = commit_event(events, old)
    line.update(commitment=doc["commitment"], inputs_sha256=doc["inputs_sha256"],
                committed_at=doc["inputs"]["committed_at"], at=doc["inputs"]["committed_at"],
                earliest_draw=doc["inputs"]["earliest_draw"], public_round=doc["inputs"]["public"]["round"],
                commitment_file_sha256=hashlib.sha256((folder / "units.commitment.json").read_bytes()).hexdigest())
    _write_events(root, events)
    events = _events(root)
    line = commit_event(events, doc["commitment"])
    when = drawn_at or result["drawn_at"]
    forged = build_result(doc, line, secret, value, when)
    if seed is not None:  # the operator's own seed, and the draw it gives
        inputs_ = doc["inputs"]
        body = units_body(frame_table(inputs_["frame"]), inputs_["request"]["count"], inputs_["history"],
                          inputs_["params"], seed)
        forged.update(body, seed=seed.hex())
    _write_json(folder / "units.json", forged)
    (folder / "units.csv").write_text(csv_text(forged), encoding="utf-8")
    drawn = next(e for e in events if e["event"] == "draw" and e["commitment"] == old)
    drawn.update(commitment=doc["commitment"], public_value=value, seed=forged["seed"], selected=forged["selected"],
                 drawn_at=when, at=when,
                 result_sha256=hashlib.sha256((folder / "units.json").read_bytes()).hexdigest())
    _write_events(root, events)
    _republish(folder)
    return forged


def test_the_forger_helper_is_faithful(cycle):
    # Rebuilding without a change gives a cycle that verifies: the failures below are the attacks'.
    _forge(cycle)
    assert verify(cycle).draws


# -- redraw until a unit is excluded ---------------------------------------------------------
def test_redrawing_until_a_unit_is_excluded_is_impossible(demo_db, tmp_path):
    folder = tmp_path / "s" / "2026-11"
    first = commit_units(demo_db, AS_OF, "2026-11", 4, folder, now=T0)
    # Old behaviour: commit and reveal at once. Now the draw waits for the delay and the round.
    with pytest.raises(NotYet):
        draw(folder, public_value=VALUE, now=T0 + dt.timedelta(milliseconds=7))
    # A second commitment, hoping for a luckier secret: refused without a reason.
    with pytest.raises(ParameterError, match="already has a commitment"):
        commit_units(demo_db, AS_OF, "2026-11", 4, folder, now=T0 + dt.timedelta(seconds=1))
    result = draw(folder, public_value=VALUE, now=T0 + 2 * DAY)
    target = result["selected"][0]  # the unit the operator would rather not visit
    # Another public value for the same commitment: refused.
    with pytest.raises(ParameterError, match="another value is refused"):
        draw(folder, public_value="11111", now=T0 + 2 * DAY)
    # A redraw needs a reason, and the first commitment and its draw stay on record.
    with pytest.raises(ParameterError, match="--redraw needs --reason"):
        commit_units(demo_db, AS_OF, "2026-11", 4, folder, redraw=True, now=T0 + 3 * DAY)
    commit_units(demo_db, AS_OF, "2026-11", 4, folder, redraw=True, reason="typo in the count",
                 now=T0 + 3 * DAY)
    commits = [e for e in read_log(folder.parent) if e["event"] == "commit"]
    assert [c["commitment"] for c in commits][0] == first["commitment"] and len(commits) == 2
    [gone] = verify(folder).abandoned
    assert gone.commitment == first["commitment"] and gone.drawn and gone.secret_revealed
    assert gone.reason == "typo in the count"
    assert target in json.dumps([e for e in read_log(folder.parent) if e["event"] == "draw"])
    # The published commitment no longer matches what would be drawn now: verify says so.
    with pytest.raises(VerificationError, match="was abandoned \\(typo in the count\\)"):
        verify(folder, commitment=first["commitment"])


def test_the_report_lists_abandoned_commitments(demo_db, tmp_path):
    folder = tmp_path / "s" / "c"
    first = commit_units(demo_db, AS_OF, "c", 3, folder, now=T0)
    commit_units(demo_db, AS_OF, "c", 3, folder, redraw=True, reason="source was incomplete", now=T0 + DAY)
    draw(folder, public_value=VALUE, now=T0 + 3 * DAY)
    [gone] = read_cycle(folder)["abandoned"]
    assert gone["commitment"] == first["commitment"] and gone["reason"] == "source was incomplete"


# -- selected flags --------------------------------------------------------------------------
def _flip_csv_flag(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    no = next(i for i, line in enumerate(lines) if line.rsplit(",", 2)[-2:-1] == ["True"])
    head, _, reason = lines[no].rsplit(",", 2)
    lines[no] = f"{head},False,{reason}"
    path.write_text("\n".join(lines), encoding="utf-8")
    return no + 1


def test_an_edited_selected_flag_in_the_csv_fails(cycle):
    line = _flip_csv_flag(cycle / "units.csv")
    with pytest.raises(VerificationError, match="units.csv was changed after it was published"):
        verify(cycle)
    _republish(cycle)  # the forger makes the manifest agree
    with pytest.raises(VerificationError, match=f"units.csv line {line}, column selected: not what the draw gives"):
        verify(cycle)


def test_an_edited_selected_flag_in_the_json_fails_even_with_its_hashes_fixed(cycle):
    path = cycle / "units.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    row = next(r for r in data["units"] if r["selected"] and r["reason"] == "risk")
    row["selected"] = False
    data["selected"].remove(row["unit_id"])
    _write_json(path, data)
    with pytest.raises(VerificationError, match="units.json was changed after it was published"):
        verify(cycle)
    events = _events(cycle.parent)
    line = next(e for e in events if e["event"] == "draw")
    line.update(result_sha256=hashlib.sha256(path.read_bytes()).hexdigest(), selected=data["selected"])
    _write_events(cycle.parent, events)
    _republish(cycle)
    with pytest.raises(VerificationError, match=f"units\\[{row['unit_id']}\\].selected: recorded False, recomputed True"):
        verify(cycle)


# -- the log ---------------------------------------------------------------------------------
def _edit_draw_line(root: Path, **fields) -> None:
    path = root / LOG_NAME
    lines = path.read_text(encoding="utf-8").splitlines()
    no = next(i for i, line in enumerate(lines) if '"event": "draw"' in line)
    event = json.loads(lines[no])
    event.update(fields)
    lines[no] = json.dumps(event, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_an_edited_seed_in_the_log_fails(cycle):
    other = hashlib.sha256(b"another seed").hexdigest()
    _edit_draw_line(cycle.parent, seed=other)
    with pytest.raises(VerificationError, match="was edited \\(its hash does not match"):
        verify(cycle)
    _write_events(cycle.parent, _events(cycle.parent))  # the forger re-chains the log
    with pytest.raises(VerificationError, match="the seed in the sampling log \\(line \\d+\\) is not the result's"):
        verify(cycle)


def test_an_edited_time_or_commitment_in_the_log_fails(cycle):
    events = _events(cycle.parent)
    next(e for e in events if e["event"] == "commit")["committed_at"] = "2026-11-01T00:00:00.000000Z"
    _write_events(cycle.parent, events)
    with pytest.raises(VerificationError, match="committed_at is not the one logged"):
        verify(cycle)


def test_an_edited_public_value_fails(cycle):
    path = cycle / "units.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["public"]["value"] = "99999"
    _write_json(path, data)
    with pytest.raises(VerificationError, match="units.json was changed after it was published"):
        verify(cycle)


def test_a_forged_public_value_is_caught_against_the_published_one(cycle):
    # The forger redoes everything with another value: internally consistent, but the value
    # is not the one the lottery published, and anybody can read that one.
    forged = _forge(cycle, value="99999")
    assert forged["public"]["value"] == "99999"
    with pytest.raises(VerificationError, match="recorded value of xsmb round 2026-11-04 is 99999, not the "
                                                f"published {VALUE}"):
        verify(cycle, public_values=[f"xsmb 2026-11-04 {VALUE}"])


def test_an_operator_chosen_seed_fails(cycle):
    result = read_doc(cycle / "units.json", "draw")
    target = next(r["unit_id"] for r in result["units"] if r["selected"] and r["pi"] < 1)
    doc = read_doc(cycle / "units.commitment.json", "commitment")
    inputs = doc["inputs"]
    # Search seeds of his own until the unlucky unit is left out: the old scheme accepted any
    # seed whose hash was committed, so this chosen draw verified.
    for i in range(1000):
        seed = hashlib.sha256(b"chosen-%d" % i).digest()
        body = units_body(frame_table(inputs["frame"]), inputs["request"]["count"], inputs["history"],
                          inputs["params"], seed)
        if target not in body["selected"]:
            break
    forged = _forge(cycle, seed=seed)
    assert target not in forged["selected"]
    with pytest.raises(VerificationError, match="seed is not HMAC-SHA-256 of the revealed secret"):
        verify(cycle)


@pytest.mark.parametrize("forger", [False, True])
def test_swapped_log_lines_fail(cycle, forger):
    events = _events(cycle.parent)
    i = next(n for n, e in enumerate(events) if e["event"] == "commit")
    j = next(n for n, e in enumerate(events) if e["event"] == "draw")
    lines = (cycle.parent / LOG_NAME).read_text(encoding="utf-8").splitlines()
    lines[i], lines[j] = lines[j], lines[i]
    (cycle.parent / LOG_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
    if not forger:
        with pytest.raises(VerificationError, match="chain is broken") as info:
            verify(cycle)
        assert f"row {i + 1}" in str(info.value)
        return
    events[i], events[j] = events[j], events[i]
    _write_events(cycle.parent, events)
    with pytest.raises(VerificationError, match="the draw \\(log line \\d+\\) comes before its commitment"):
        verify(cycle)


@pytest.mark.parametrize(("event", "message"), [
    ("draw", "no draw of this commitment"), ("commit", "is not in the sampling log")])
def test_a_deleted_log_line_fails(cycle, event, message):
    events = _events(cycle.parent)
    kept = [e for e in events if e["event"] != event]
    lines = [json.dumps(e, ensure_ascii=False) for e in kept]
    (cycle.parent / LOG_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(VerificationError, match="chain is broken"):
        verify(cycle)
    _write_events(cycle.parent, kept)
    with pytest.raises(VerificationError, match=message):
        verify(cycle)


# -- the files -------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "change", "message"), [
    ("units.json", lambda t: t.replace('"seed"', ' "seed"', 1), "units.json was changed after it was published"),
    ("units.csv", lambda t: t + "\n", "units.csv was changed after it was published"),
    ("units.commitment.json", lambda t: t.replace("0.15", "0.16", 1),
     "units.commitment.json was changed after it was published"),
    ("manifest.json", lambda t: t.replace("thads-audit", "thads-audit ", 1), "not the one logged last"),
    ("extra.csv", None, "extra.csv is not in the manifest"),
    ("units.csv", "delete", "units.csv is listed in the manifest but missing"),
])
def test_a_tampered_output_file_fails(cycle, name, change, message):
    path = cycle / name
    if change is None:
        path.write_text("unit_id,selected\nKV01,True\n", encoding="utf-8")
    elif change == "delete":
        path.unlink()
    else:
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(VerificationError, match=message) as info:
        verify(cycle)
    assert "\n" not in str(info.value)
    assert read_log(cycle.parent)[-1]["event"] == "verify" and read_log(cycle.parent)[-1]["ok"] is False


def test_a_commitment_edited_and_republished_fails(cycle):
    path = cycle / "units.commitment.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["inputs"]["frame"] = [r for r in doc["inputs"]["frame"] if r["unit_id"] != "KV01"]  # steer by the frame
    _write_json(path, doc)
    _republish(cycle)
    with pytest.raises(VerificationError, match="committed inputs were edited"):
        verify(cycle)


# -- times and rounds ------------------------------------------------------------------------
def test_a_commitment_made_after_its_draw_fails(cycle):
    result = read_doc(cycle / "units.json", "draw")
    late = dt.datetime.fromisoformat(result["drawn_at"].replace("Z", "+00:00")) + dt.timedelta(hours=1)

    def backdate(inputs):
        inputs["committed_at"] = iso(late)
        earliest = late + dt.timedelta(hours=inputs["delay_hours"])
        inputs["earliest_draw"] = iso(earliest)
        inputs["public"] = first_round("xsmb", earliest).as_dict()

    _forge(cycle, inputs=backdate)
    with pytest.raises(VerificationError, match="is not later than its commitment"):
        verify(cycle)


def test_a_draw_earlier_than_the_delay_fails(cycle):
    doc = read_doc(cycle / "units.commitment.json", "commitment")
    early = dt.datetime.fromisoformat(doc["inputs"]["committed_at"].replace("Z", "+00:00")) + dt.timedelta(hours=1)
    _forge(cycle, drawn_at=iso(early))
    with pytest.raises(VerificationError, match="earlier than the delay allows"):
        verify(cycle)


def test_a_round_of_the_operators_choosing_fails(cycle):
    # A round whose value he already knew when committing.
    _forge(cycle, inputs=lambda i: i.update(public=first_round("xsmb", T0 - 3 * DAY).as_dict()))
    with pytest.raises(VerificationError, match="the round was chosen, not assigned"):
        verify(cycle)


def test_a_delay_lowered_after_the_fact_fails(cycle):
    def no_wait(inputs):
        inputs["delay_hours"] = 0.0
        inputs["params"]["draw"]["delay_hours"] = 0.0

    _forge(cycle, inputs=no_wait)
    with pytest.raises(VerificationError, match="earliest draw time is not its time plus the delay"):
        verify(cycle)


def test_there_is_no_draw_before_a_commitment(tmp_path):
    folder = tmp_path / "s" / "c"
    folder.mkdir(parents=True)
    with pytest.raises(ParameterError, match="no commitment for the units here: run `audit sample commit` first"):
        draw(folder, public_value=VALUE, now=T0)
    assert not (folder / "units.json").exists()


def test_a_result_without_a_commitment_is_not_a_draw(cycle):
    os.remove(cycle / "units.commitment.json")
    with pytest.raises(VerificationError, match="units.json has no commitment file"):
        verify(cycle)


def test_nothing_is_drawn_from_a_doctored_commitment(demo_db, tmp_path):
    folder = tmp_path / "s" / "c"
    commit_units(demo_db, AS_OF, "c", 3, folder, now=T0)
    path = folder / "units.commitment.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["inputs"]["frame"] = doc["inputs"]["frame"][1:]
    _write_json(path, doc)
    with pytest.raises(VerificationError, match="nothing is drawn from it"):
        draw(folder, public_value=VALUE, now=T0 + 2 * DAY)
    assert not (folder / "units.json").exists()


# -- credentials -----------------------------------------------------------------------------
@pytest.fixture
def demo_in_postgresql(demo_db):
    """The demo province copied table by table into a fresh PostgreSQL schema."""
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
    schema = f"audit_sampling_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        for (name,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            table = TABLES.get(name)
            if table is None:
                continue
            frame = con.execute(f'SELECT * FROM "{table.name}"').df()
            kinds = {c.name: _SQL_TYPES[c.kind] for c in table.columns if c.name in frame}
            frame.to_sql(table.name, engine, schema=schema, index=False, dtype=kinds, chunksize=5000)
        yield base, schema
    finally:
        con.close()
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _every_output(root: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(root.rglob("*"))
                     if p.is_file() and "sealed" not in p.parts)


@pytest.mark.postgres
def test_a_password_in_the_source_never_reaches_a_sampling_output(demo_in_postgresql, tmp_path, capsys):
    base, schema = demo_in_postgresql
    search = f"options=-csearch_path%3D{schema}"
    forms = {"userinfo": base.replace("://postgres@", "://postgres:s3cret-pw1@") + f"?{search}",
             "query": f"{base}?password=s3cret-pw2&{search}"}
    for name, url in forms.items():
        password = "s3cret-pw1" if name == "userinfo" else "s3cret-pw2"
        root = tmp_path / name
        folder = root / "c"
        assert main(["sample", "commit", "units", "--source", url, "--as-of", AS_OF, "--cycle", "c",
                     "--count", "3", "--out", str(folder)]) == 0
        doc = read_doc(folder / "units.commitment.json", "commitment")
        # Re-commit in the past so that the draw is due now (the time passed in explicitly).
        commit_units(url, AS_OF, "c", 3, folder, redraw=True, reason="test: due now",
                     now=dt.datetime.now(dt.UTC) - 3 * DAY)
        doc = read_doc(folder / "units.commitment.json", "commitment")
        assert main(["sample", "draw", str(folder), "--public-value",
                     f"xsmb {doc['inputs']['public']['round']} {VALUE}"]) == 0
        assert main(["sample", "verify", str(folder), "--source", url]) == 0
        printed = capsys.readouterr()
        everything = _every_output(root) + printed.out + printed.err
        # Nothing leaks that the single redaction helper takes out of the URL (it is the one
        # place credentials are removed, whatever form they come in).
        if password not in redact(url):
            assert password not in everything, name
        assert doc["inputs"]["request"]["source"] == redact(url)
    assert "s3cret-pw1" not in _every_output(tmp_path / "userinfo")


def test_an_unreachable_database_is_one_line_without_its_password(tmp_path, capsys):
    url = "postgresql+psycopg://postgres:pw-9f3@127.0.0.1:1/test"  # nothing listens on port 1
    code = main(["sample", "commit", "units", "--source", url, "--as-of", AS_OF, "--cycle", "c", "--count", "2",
                 "--out", str(tmp_path / "s" / "c")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "pw-9f3" not in err
    log = tmp_path / "s" / LOG_NAME
    assert not log.exists() or "pw-9f3" not in log.read_text(encoding="utf-8")
