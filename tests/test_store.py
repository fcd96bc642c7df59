"""The columnar store: a source imported once (``audit import``) reads back as the source
does, a unit's rows alone through a filter pushed into the scan, with the source's
data-quality findings at their original rows; an edited store is refused.

The source is the demo province exported to a CSV folder (a unit filter on a CSV
folder keeps every row's own line number, so it is the reference), with problems
put at known lines.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from audit.cli import main
from audit.contract import TABLES
from audit.errors import ParameterError, SourceError
from audit.io import load_raw, load_records, source_kind
from audit.io.store import UNIT, select_sql, sidecar, store_kind
from audit.io.store_import import import_source

AS_OF = "2026-10-15"
PG_BASE = os.environ.get("AUDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _csv_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> dict:
    """The demo province as CSV files, with a bad date, an orphan event and a case id
    repeated in another unit put at known lines."""
    from audit.demo import write_demo_database

    root = tmp_path_factory.mktemp("store-src")
    db = root / "demo.duckdb"
    write_demo_database(db, units=3, cases_per_unit=300)
    folder = root / "csv"
    folder.mkdir()
    with duckdb.connect(str(db), read_only=True) as con:
        for table in TABLES:
            con.execute(f"COPY (SELECT * FROM {table}) TO '{folder / (table + '.csv')}' (HEADER)")
    cases = _csv_lines(folder / "cases.csv")
    header = cases[0].split(",")
    col = {name: i for i, name in enumerate(header)}
    # line numbers count the header as line 1
    kv01 = [n for n, line in enumerate(cases[1:], start=2) if line.split(",")[col["unit_id"]] == "KV01"]
    kv02 = [n for n, line in enumerate(cases[1:], start=2) if line.split(",")[col["unit_id"]] == "KV02"]
    bad_line = kv01[9]
    cells = cases[bad_line - 1].split(",")
    cells[col["received_date"]] = "31/02/2024"
    cases[bad_line - 1] = ",".join(cells)
    # a KV02 case repeating a KV01 case's id: the second is rejected as a duplicate
    dup_line = kv02[4]
    cells = cases[dup_line - 1].split(",")
    cells[col["case_id"]] = cases[kv01[20] - 1].split(",")[col["case_id"]]
    cases[dup_line - 1] = ",".join(cells)
    (folder / "cases.csv").write_text("\n".join(cases) + "\n", encoding="utf-8")
    events = _csv_lines(folder / "events.csv")
    events.append("NO-SUCH-CASE,2025-01-02,collection,1000,")
    (folder / "events.csv").write_text("\n".join(events) + "\n", encoding="utf-8")
    return {"folder": folder, "bad_line": bad_line, "dup_line": dup_line, "orphan_line": len(events),
            "bad_case": cases[bad_line - 1].split(",")[col["case_id"]]}


@pytest.fixture(scope="module", params=["duckdb", "parquet"])
def store(request, source, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp(f"store-{request.param}")
    target = root / ("national.duckdb" if request.param == "duckdb" else "national-store")
    done = import_source(str(source["folder"]), target)
    assert done.kind == request.param and done.path == target.resolve()
    return target


def _same_records(a, b) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True, obj=name)
    pd.testing.assert_frame_equal(a.issues, b.issues, obj="issues")
    pd.testing.assert_frame_equal(a.counts, b.counts, obj="counts")
    assert a.present == b.present


def test_the_whole_store_reads_back_as_the_source(source, store):
    from_source, from_store = load_records(str(source["folder"])), load_records(str(store))
    _same_records(from_source, from_store)
    assert from_store.fingerprint == from_source.fingerprint
    assert from_store.source == f"{store} (imported from {source['folder']})"
    assert len(from_store.issues) >= 3  # the demo's own problems and the three put in


@pytest.mark.parametrize("units", ["KV01", ["KV01", "KV03"], "KV03", [], "TINH"])
def test_a_units_rows_read_as_a_unit_filter_at_the_source_reads_them(source, store, units):
    _same_records(load_records(str(source["folder"]), unit=units), load_records(str(store), unit=units))


def test_a_case_id_repeated_in_another_unit_is_caught_because_the_store_validated_everything(source, store):
    # Read alone, KV02's copy of a KV01 case id looks valid; validated with the whole
    # source, as the store was, it is the repeat it is.
    alone = load_records(str(source["folder"]), unit="KV02")
    stored = load_records(str(store), unit="KV02")
    assert len(stored.cases) == len(alone.cases) - 1
    repeat = stored.issues[(stored.issues["rule_id"] == "DQ-DUPLICATE") & (stored.issues["table"] == "cases")]
    assert repeat["row"].tolist() == [source["dup_line"]]
    counts = stored.counts.set_index("table").loc["cases"]
    before = alone.counts.set_index("table").loc["cases"]
    assert counts["rows_read"] == before["rows_read"]
    assert counts["rows_rejected"] == before["rows_rejected"] + 1


def test_data_quality_findings_keep_their_original_table_and_row(source, store):
    from audit.rules.context import RuleContext
    from audit.rules.run import run_rules
    from audit.runparams import RunParams

    records = load_records(str(store), unit="KV01")
    ctx = RuleContext(RunParams.build(AS_OF, lang="en"))
    found = run_rules(records, ctx, only=["DQ-SCHEMA"])
    bad = found[(found["source_table"] == "cases") & (found["source_column"] == "received_date")]
    assert bad["source_row"].tolist() == [source["bad_line"]]
    assert bad["source_value"].tolist() == ["31/02/2024"]
    assert bad["entity_id"].tolist() == [source["bad_case"]]
    # the event of no known case belongs to no unit's run, only to the whole source's
    assert not (load_records(str(store), unit=["KV01", "KV02", "KV03"]).issues["row"]
                == source["orphan_line"]).any()
    assert (load_records(str(store)).issues["row"] == source["orphan_line"]).any()


def test_the_tables_are_typed_as_the_records_hold_them(store):
    kind = store_kind(store)
    con = duckdb.connect(str(store), read_only=True) if kind == "duckdb" else duckdb.connect()
    try:
        for name in ("cases", "events", "verifications", "auctions"):
            relation = name if kind == "duckdb" else f"read_parquet('{store / (name + '.parquet')}')"
            types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {relation})").fetchall())
            for column in TABLES[name].columns:
                expected = {"str": "VARCHAR", "date": "DATE", "money": "BIGINT", "int": "BIGINT",
                            "float": "DOUBLE", "bool": "BOOLEAN"}[column.kind]
                assert types[column.name] == expected, (name, column.name)
            assert types["source_row"] == "BIGINT" and types[UNIT] == "VARCHAR"
    finally:
        con.close()


def test_a_unit_is_read_through_a_filter_pushed_into_the_scan(store):
    kind = store_kind(store)
    con = duckdb.connect(str(store), read_only=True) if kind == "duckdb" else duckdb.connect()
    try:
        plan = "\n".join(row[1] for row in con.execute(
            "EXPLAIN " + select_sql(kind, store, "events", filtered=True), [["KV01"]]).fetchall())
        scan = plan.rsplit("╭─", 1)[1]  # the plan's leaf: the scan itself holds the filter
        assert ("Scan" in scan or "Parquet" in scan) and f"Filters: {UNIT} = 'KV01'" in scan
        relation = "events" if kind == "duckdb" else f"read_parquet('{store / 'events.parquet'}')"
        units = [r[0] for r in con.execute(f"SELECT {UNIT} FROM {relation}").fetchall()]
    finally:
        con.close()
    assert units == sorted(units)  # stored by unit: a unit's rows share few row groups


def test_the_manifest_tells_what_was_imported(source, store):
    kind = store_kind(store)
    file = store / "manifest.json" if kind == "parquet" else sidecar(store)
    manifest = json.loads(file.read_text(encoding="utf-8"))
    from audit import __version__
    from audit.contract import CONTRACT_VERSION

    assert manifest["format"] == "thads-audit-store" and manifest["kind"] == kind
    assert manifest["contract_version"] == CONTRACT_VERSION and manifest["toolkit_version"] == __version__
    assert manifest["source"]["description"] == str(source["folder"])
    assert manifest["source"]["kind"] == "folder"
    assert manifest["source"]["origin"]["cases"] == str(source["folder"] / "cases.csv")
    assert manifest["source"]["row_base"]["cases"] == 2
    for count in manifest["counts"]:
        assert count["rows_read"] == count["rows_audited"] + count["rows_rejected"]
    cases = next(c for c in manifest["counts"] if c["table"] == "cases")
    assert cases["rows_rejected"] >= 2
    folder = store if kind == "parquet" else store.parent
    assert manifest["files"] and all((folder / name).is_file() for name in manifest["files"])
    assert manifest["created_at"].endswith("Z")
    if kind == "duckdb":
        with duckdb.connect(str(store), read_only=True) as con:
            inner = json.loads(con.execute("SELECT value FROM _audit_store WHERE key = 'manifest'").fetchone()[0])
        assert inner["source"] == manifest["source"] and "files" not in inner


def test_the_store_is_recognised_by_its_marker_not_its_name(source, store, tmp_path):
    assert source_kind(str(store)) == "store"
    if store_kind(store) == "duckdb":
        renamed = tmp_path / "records.db"
        shutil.copy(store, renamed)
        shutil.copy(sidecar(store), sidecar(renamed))
        assert source_kind(str(renamed)) == "store"
        _same_records(load_records(str(store), unit="KV02"), load_records(str(renamed), unit="KV02"))
        plain = tmp_path / "store.duckdb"  # a contract DuckDB named like a store is a source
        with duckdb.connect(str(plain)) as con:
            con.execute("CREATE TABLE units (unit_id VARCHAR)")
        assert source_kind(str(plain)) == "duckdb"
    else:
        foreign = tmp_path / "exports"
        shutil.copytree(source["folder"], foreign)
        (foreign / "manifest.json").write_text('{"format": "something else"}', encoding="utf-8")
        assert source_kind(str(foreign)) == "folder"
    with pytest.raises(SourceError, match="read it with load_records"):
        load_raw(str(store))


def _edit(store: Path) -> None:
    if store_kind(store) == "duckdb":
        with duckdb.connect(str(store)) as con:
            con.execute("UPDATE cases SET amount_due = amount_due + 1 WHERE case_id = "
                        "(SELECT min(case_id) FROM cases)")
    else:
        table = pq.read_table(store / "cases.parquet")
        pq.write_table(table.slice(1), store / "cases.parquet")


def test_a_store_edited_after_import_is_refused_in_one_line(source, store, tmp_path, capsys):
    copy = tmp_path / store.name
    if store.is_dir():
        shutil.copytree(store, copy)
    else:
        shutil.copy(store, copy)
        shutil.copy(sidecar(store), sidecar(copy))
    load_records(str(copy), unit="KV01")  # intact, it reads
    _edit(copy)
    with pytest.raises(SourceError, match="changed after import") as info:
        load_records(str(copy), unit="KV01")
    assert "\n" not in str(info.value) and "import the source again" in str(info.value)
    assert main(["validate", str(copy)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "changed after import" in err


def test_a_duckdb_store_without_its_manifest_is_refused(source, tmp_path):
    store = import_source(str(source["folder"]), tmp_path / "s.duckdb").path
    lonely = tmp_path / "alone.duckdb"
    shutil.copy(store, lonely)
    with pytest.raises(SourceError, match="manifest alone.duckdb.manifest.json is missing"):
        load_records(str(lonely))


def test_import_replaces_an_earlier_store_and_nothing_else(source, tmp_path):
    target = tmp_path / "s.duckdb"
    first = import_source(str(source["folder"]), target)
    again = import_source(str(source["folder"]), target)
    assert again.manifest["created_at"] >= first.manifest["created_at"]
    load_records(str(target), unit="KV01")
    other = tmp_path / "other.duckdb"
    other.write_bytes(b"not a store")
    with pytest.raises(ParameterError, match="not an audit store"):
        import_source(str(source["folder"]), other)
    assert other.read_bytes() == b"not a store"
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ParameterError, match="not empty and not an audit store"):
        import_source(str(source["folder"]), busy)
    with pytest.raises(ParameterError, match="already"):
        import_source(str(target), tmp_path / "twice.duckdb")
    assert not list(tmp_path.glob(".*importing*"))  # no half-written store left behind


def test_audit_import_prints_the_store_and_its_counts(source, tmp_path, capsys):
    target = tmp_path / "p"
    assert main(["import", str(source["folder"]), "--to", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"store: {target.resolve()} (parquet," in out and "data-quality issues" in out
    assert store_kind(target) == "parquet"
    assert main(["import", str(tmp_path / "missing"), "--to", str(tmp_path / "x.duckdb")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_every_command_taking_a_source_takes_the_store(source, store, tmp_path, capsys):
    assert main(["validate", str(store), "--unit", "KV01"]) == 0
    out = capsys.readouterr().out
    assert "imported from" in out and "DQ-SCHEMA" in out and f"cases row {source['bad_line']}" in out
    scans = {}
    for name, src in (("source", source["folder"]), ("store", store)):
        assert main(["scan", "--source", str(src), "--as-of", AS_OF, "--out", str(tmp_path / name)]) == 0
        scans[name] = (tmp_path / name / "findings.csv").read_bytes(), (tmp_path / name / "kpis.csv").read_bytes()
    assert scans["store"] == scans["source"]  # the same findings, byte for byte
    assert main(["sample", "commit", "cases", "--source", str(store), "--unit", "KV01", "--as-of", AS_OF,
                 "--cycle", "t", "--out", str(tmp_path / "cycle")]) == 0
    assert "KV01" in capsys.readouterr().out


@pytest.mark.postgres
def test_a_database_password_never_reaches_the_store(tmp_path):
    import sqlalchemy as sa
    from _io_fixtures import write_sql

    engine = sa.create_engine(PG_BASE)
    try:
        engine.connect().close()
    except sa.exc.OperationalError as exc:
        engine.dispose()
        pytest.skip(f"PostgreSQL not reachable: {exc.orig}")
    schema = f"audit_store_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        write_sql(engine, schema=schema)
        url = PG_BASE.replace("://postgres@", "://postgres:s3cret-pw@") + f"?options=-csearch_path%3D{schema}"
        done = import_source(url, tmp_path / "pg.duckdb")
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
    text = sidecar(done.path).read_text(encoding="utf-8")
    assert "s3cret-pw" not in text and "***" in text
    assert done.manifest["source"]["kind"] == "url"
    with duckdb.connect(str(done.path), read_only=True) as con:
        inner = con.execute("SELECT value FROM _audit_store").fetchone()[0]
    assert "s3cret-pw" not in inner
    records = load_records(str(done.path), unit="KV01")
    assert "s3cret-pw" not in records.source and len(records.cases) == 4
