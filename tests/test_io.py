"""Reading sources: every kind round-trips the same records; the unit filter; SourceError."""

from __future__ import annotations

import datetime as dt
import os
import uuid
import zipfile
from types import SimpleNamespace

import pandas as pd
import pytest
import sqlalchemy as sa
from _io_fixtures import (
    KV01_ROWS,
    all_rows,
    expected,
    rows,
    write_csv_dir,
    write_duckdb,
    write_parquet_dir,
    write_sql,
    write_xlsx,
)

from audit.contract import TABLES
from audit.errors import SourceError
from audit.io import load_raw, load_records, source_kind
from audit.io.sql import redact

PG_BASE = os.environ.get("AUDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def assert_records_match(records, unit=None):
    """Every table typed exactly as expected, nothing rejected, nothing reported."""
    assert records.issues.empty, records.issues.to_string()
    want = expected(unit)
    for table, frame in want.items():
        got = records.tables[table]
        assert list(got.columns) == [*TABLES[table].column_names, "source_row"]
        got = got.drop(columns="source_row").sort_values(list(got.columns[:2])).reset_index(drop=True)
        frame = frame.sort_values(list(frame.columns[:2])).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, frame, check_dtype=True, obj=table)
    counts = records.counts.set_index("table")
    assert (counts["rows_read"] == counts["rows_audited"] + counts["rows_rejected"]).all()
    assert (counts["rows_rejected"] == 0).all()
    assert records.present == frozenset(TABLES)
    assert len(records.fingerprint) == 64


# ---- each source kind ------------------------------------------------------------
@pytest.fixture
def csv_dir(tmp_path):
    return write_csv_dir(tmp_path / "csv")


@pytest.fixture
def sqlite_file(tmp_path):
    path = tmp_path / "cases.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    write_sql(engine)
    engine.dispose()
    return path


def test_csv_folder_round_trips(csv_dir):
    records = load_records(str(csv_dir))
    assert_records_match(records)
    assert records.source == str(csv_dir)
    # The header is line 1, so the first data row is line 2.
    assert records.cases["source_row"].tolist() == [2, 3, 4, 5, 6, 7]


def test_parquet_folder_round_trips(tmp_path):
    folder = write_parquet_dir(tmp_path / "pq")
    records = load_records(str(folder))
    assert_records_match(records)
    assert records.cases["source_row"].tolist() == [1, 2, 3, 4, 5, 6]


def test_xlsx_round_trips_office_style(tmp_path):
    path = write_xlsx(tmp_path / "so-lieu.xlsx")
    raw = load_raw(str(path))
    # The workbook really carries what office exports carry.
    cases = raw.tables["cases"]
    assert isinstance(cases["received_date"].iloc[0], dt.date)  # a real date cell
    assert cases["received_date"].iloc[1] == "01/02/2024"
    assert cases["amount_due"].iloc[0] == "1.234.567"
    assert cases["long_prison_term"].iloc[2] == "có"
    assert raw.origin["cases"].endswith("#Việc thi hành án")
    assert_records_match(load_records(str(path)))


def _title_block(path, sheet_name, rows=3):
    """Put an office export's title block (agency, report name, blank line) above a sheet's header."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book[sheet_name]
    sheet.insert_rows(1, rows)
    sheet["A1"] = "CỤC THI HÀNH ÁN DÂN SỰ TỈNH DEMO"
    sheet["D1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    sheet.merge_cells("A2:F2")
    sheet["A2"] = "DANH SÁCH VIỆC THI HÀNH ÁN (tính đến 15/10/2026)"
    book.save(path)
    return path


def test_xlsx_header_below_a_title_block(tmp_path):
    path = _title_block(write_xlsx(tmp_path / "so-lieu.xlsx"), "Việc thi hành án")
    records = load_records(str(path))
    assert_records_match(records)
    # Row numbers stay the sheet's own: the first case is on row 5 under a header on row 4.
    assert records.cases["source_row"].tolist() == [5, 6, 7, 8, 9, 10]


def test_xlsx_rows_under_a_title_block_are_reported_by_sheet_row(tmp_path):
    from openpyxl import load_workbook

    path = _title_block(write_xlsx(tmp_path / "so-lieu.xlsx"), "Việc thi hành án")
    book = load_workbook(path)
    sheet = book["Việc thi hành án"]
    column = next(c.column for c in sheet[4] if c.value and str(c.value).strip().upper() == "NGÀY THỤ LÝ")
    sheet.cell(row=7, column=column, value="31/02/2024")
    book.save(path)
    records = load_records(str(path))
    bad = records.issues[records.issues["column"] == "received_date"]
    assert bad[["table", "row", "value"]].values.tolist() == [["cases", 7, "31/02/2024"]]


def test_xlsx_header_missing_a_column_under_a_title_block_names_its_row(tmp_path):
    from openpyxl import load_workbook

    path = _title_block(write_xlsx(tmp_path / "so-lieu.xlsx"), "Việc thi hành án")
    book = load_workbook(path)
    sheet = book["Việc thi hành án"]
    for cell in sheet[4]:
        if cell.value and str(cell.value).strip().upper() == "NGÀY THỤ LÝ":
            cell.value = "Ngày nhận"
    book.save(path)
    with pytest.raises(SourceError) as err:
        load_raw(str(path))
    text = one_line(err)
    assert text.startswith(f"{path}#Việc thi hành án, header row 4, table cases: "
                           "required column 'received_date' is missing")


def test_duckdb_file_round_trips(tmp_path):
    path = write_duckdb(tmp_path / "demo.duckdb")
    assert source_kind(str(path)) == "duckdb"
    assert_records_match(load_records(str(path)))


def test_duckdb_file_named_db_is_sniffed(tmp_path):
    path = write_duckdb(tmp_path / "extract.db")
    assert source_kind(str(path)) == "duckdb"
    assert_records_match(load_records(str(path)))


def test_sqlite_read_in_many_chunks(sqlite_file, monkeypatch):
    import audit.io.sql

    monkeypatch.setattr(audit.io.sql, "CHUNK_ROWS", 2)  # all-null chunks, mixed dtypes
    records = load_records(str(sqlite_file))
    assert_records_match(records)
    assert records.events["source_row"].tolist() == list(range(1, 13))


def test_sqlite_file_and_url_round_trip(sqlite_file, tmp_path):
    assert source_kind(str(sqlite_file)) == "sqlite"
    assert_records_match(load_records(str(sqlite_file)))
    assert_records_match(load_records(f"sqlite:///{sqlite_file}"))
    renamed = sqlite_file.rename(tmp_path / "cases #1?.db")  # a .db that is SQLite, odd name
    assert source_kind(str(renamed)) == "sqlite"
    records = load_records(str(renamed))
    assert_records_match(records)
    assert records.source == str(renamed)


@pytest.fixture
def pg_schema():
    """A uniquely named schema on the test server, dropped afterwards."""
    engine = sa.create_engine(PG_BASE)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        engine.dispose()
        pytest.skip(f"PostgreSQL not reachable: {exc.orig}")
    schema = f"audit_io_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield engine, schema
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_round_trips_with_search_path(pg_schema):
    engine, schema = pg_schema
    write_sql(engine, schema=schema)
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    assert_records_match(load_records(url))
    # postgresql:// (no driver named) is mapped to psycopg.
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    assert_records_match(load_records(plain))


@pytest.mark.postgres
def test_postgresql_unit_filter_runs_in_sql(pg_schema):
    engine, schema = pg_schema
    write_sql(engine, schema=schema)
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    with capture_sql() as statements:
        records = load_records(url, unit="KV01")
    assert_records_match(records, unit="KV01")
    assert_filtered_in_sql(statements)


@pytest.mark.postgres
def test_postgresql_filtered_rows_keep_their_place_in_the_table(pg_schema):
    engine, schema = pg_schema
    write_sql(engine, schema=schema)
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    kv02 = load_records(url, unit="KV02")
    assert kv02.cases["source_row"].tolist() == [5, 6]
    assert kv02.events["source_row"].tolist() == [10, 11, 12]
    issues = load_records(url).issues
    assert issues.empty


@pytest.mark.postgres
def test_postgresql_missing_schema_table_is_a_source_error(pg_schema):
    _, schema = pg_schema  # an empty schema: no contract tables at all
    with pytest.raises(SourceError, match=r"required table 'units' is missing") as err:
        load_raw(f"{PG_BASE}?options=-csearch_path%3D{schema}")
    assert "\n" not in str(err.value)


# ---- the unit filter ----------------------------------------------------------------
ALL_UNITS = ("T01", "KV01", "KV02")  # every unit id of the fixture dataset
FILTERED = ("cases", "events", "verifications", "assets", "valuations", "auctions", "bids",
            "complaints", "reported_stats")


class capture_sql(list):
    """Record every statement SQLAlchemy sends (with its parameters); ``built`` holds each
    statement as built, before expanding parameters are rendered."""

    def __enter__(self):
        self.built = []
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._record)
        sa.event.listen(sa.engine.Engine, "before_execute", self._build)
        return self

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.append((statement, parameters))

    def _build(self, conn, clauseelement, multiparams, params, execution_options):
        self.built.append(str(clauseelement))

    def __exit__(self, *exc):
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", self._record)
        sa.event.remove(sa.engine.Engine, "before_execute", self._build)


def reads_by_table(statements, renamed=None):
    """Contract table -> (sql, params) of the one statement that read it.

    ``renamed``: contract table -> the source's name, where they differ.
    """
    by_table = {}
    for sql, params in statements:
        for table in TABLES:
            name = (renamed or {}).get(table, table)
            if f'FROM "{name}"' in sql.split(" WHERE ")[0]:
                assert table not in by_table, f"{table} read twice"
                by_table[table] = (sql, params)
    assert set(by_table) == set(TABLES)
    return by_table


def assert_filtered_in_sql(statements, units=("KV01",)):
    by_table = reads_by_table(statements)
    for table in ("units", "executors"):
        assert "WHERE" not in by_table[table][0]
    for table in FILTERED:
        sql, params = by_table[table]
        assert "WHERE" in sql, table
        # Unit ids are bound parameters, never spliced in.
        assert not any(u in sql for u in ALL_UNITS), sql
        assert all(u in str(params) for u in units), params
    assert by_table["bids"][0].count('IN (SELECT "') == 3  # bids -> auctions -> assets -> cases


def assert_units_expanded(captured, units):
    """Each filtered read binds the list once, as SQLAlchemy's expanding ``IN :units``."""
    built = [s for s in captured.built if "POSTCOMPILE_units" in s]
    assert len(built) == len(FILTERED)
    assert all(s.count("IN (__[POSTCOMPILE_units])") == 1 for s in built)
    assert not any(u in s for s in captured.built for u in ALL_UNITS)
    by_table = reads_by_table(captured)
    for table in FILTERED:
        params = by_table[table][1]
        bound = list(params.values()) if isinstance(params, dict) else list(params)
        assert sorted(bound) == sorted(units), (table, params)


def test_unit_filter_in_sqlite_is_done_in_sql(sqlite_file):
    with capture_sql() as statements:
        records = load_records(str(sqlite_file), unit="KV01")
    assert_records_match(records, unit="KV01")
    assert_filtered_in_sql(statements)
    assert dict(records.counts[["table", "rows_read"]].values) == KV01_ROWS


def write_trap_duckdb(path):
    """A DuckDB file whose KV02 rows blow up when read: only a filter evaluated
    inside DuckDB, before the rows are, can read it."""
    write_duckdb(path)
    con = __import__("duckdb").connect(str(path))
    con.execute('ALTER TABLE cases RENAME TO cases_data')
    con.execute("CREATE VIEW cases AS SELECT * REPLACE (CASE WHEN unit_id = 'KV02' "
                "THEN error('read a KV02 row') ELSE judgment_ref END AS judgment_ref) FROM cases_data")
    con.close()
    return path


def test_unit_filter_in_duckdb_never_evaluates_other_units_rows(tmp_path):
    path = write_trap_duckdb(tmp_path / "trap.duckdb")
    with pytest.raises(SourceError, match="KV02"):
        load_raw(str(path))  # unfiltered, the trap fires (and is translated)
    records = load_records(str(path), unit="KV01")
    assert_records_match(records, unit="KV01")


@pytest.mark.parametrize("kind", ["csv", "parquet", "xlsx", "duckdb", "sqlite"])
def test_unit_filter_keeps_source_rows(tmp_path, kind):
    source = write_source(tmp_path, kind)
    records = load_records(str(source), unit="KV01")
    assert_records_match(records, unit="KV01")
    assert dict(records.counts[["table", "rows_read"]].values) == KV01_ROWS
    base = 2 if kind in ("csv", "xlsx") else 1
    # Row numbers still point at the unfiltered source: KV01's last event is the 9th row.
    assert records.events["source_row"].max() == 8 + base
    # KV02's cases are the 5th and 6th rows of the table, read alone or not.
    kv02 = load_records(str(source), unit="KV02").cases
    assert kv02["source_row"].tolist() == [4 + base, 5 + base]


def test_unit_filter_on_csv_reads_other_units_bad_rows_never(tmp_path):
    tables = all_rows()
    cases = tables["cases"].copy()
    cases.loc[cases["unit_id"] == "KV02", "received_date"] = "not a date"
    tables["cases"] = cases
    folder = write_csv_dir(tmp_path / "csv", tables)
    assert load_records(str(folder), unit="KV01").issues.empty
    assert (load_records(str(folder)).issues["rule_id"] == "DQ-SCHEMA").sum() == 2


# ---- several units --------------------------------------------------------------------
SOURCE_KINDS = ["csv", "parquet", "xlsx", "duckdb", "sqlite"]


def write_source(tmp_path, kind):
    """The fixture dataset as a source of one kind."""
    if kind == "csv":
        return str(write_csv_dir(tmp_path / "csv"))
    if kind == "parquet":
        return str(write_parquet_dir(tmp_path / "pq"))
    if kind == "xlsx":
        return str(write_xlsx(tmp_path / "book.xlsx"))
    if kind == "duckdb":
        return str(write_duckdb(tmp_path / "db.duckdb"))
    path = tmp_path / "cases.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    write_sql(engine)
    engine.dispose()
    return str(path)


def assert_union_of_single_reads(source, units, positions):
    """Reading ``units`` together gives exactly the rows of reading each alone.

    ``positions``: whether ``source_row`` is the position in the whole source (files),
    so it must match too; a database numbers the rows it returns, 1 to n.
    """
    both = load_records(source, units)
    alone = [load_records(source, u) for u in units]
    assert both.issues.empty, both.issues.to_string()
    for table in TABLES:
        got = both.tables[table]
        want = pd.concat([r.tables[table] for r in alone if len(r.tables[table])] or
                         [alone[0].tables[table]])
        if not positions:
            assert got["source_row"].tolist() == list(range(1, len(got) + 1)), table
            got, want = got.drop(columns="source_row"), want.drop(columns="source_row")
        want = want.drop_duplicates()  # units and executors: read whole each time
        got = got.sort_values(list(got.columns)).reset_index(drop=True)
        want = want.sort_values(list(want.columns)).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_dtype=True, obj=table)
    return both


def assert_no_case_rows(records):
    assert records.issues.empty, records.issues.to_string()
    rows_read = dict(records.counts[["table", "rows_read"]].values)
    assert rows_read == {t: 3 if t in ("units", "executors") else 0 for t in TABLES}


@pytest.mark.parametrize("kind", SOURCE_KINDS)
def test_several_units_read_the_union_of_each(tmp_path, kind):
    source = write_source(tmp_path, kind)
    positions = True  # every kind numbers a row by its place in the whole table, filter or not
    both = assert_union_of_single_reads(source, ("KV02", "KV01"), positions)
    assert_records_match(both)  # the two units hold every case
    # T01 handles no cases itself: adding it changes nothing.
    assert_records_match(assert_union_of_single_reads(source, ["KV01", "T01"], positions),
                         unit="KV01")
    assert_no_case_rows(load_records(source, []))


def test_unit_ids_must_be_strings(csv_dir):
    with pytest.raises(TypeError, match="unit ids must be strings"):
        load_raw(str(csv_dir), ["KV01", 2])


def test_unit_list_in_sqlite_is_one_expanding_parameter(sqlite_file):
    with capture_sql() as captured:
        records = load_records(str(sqlite_file), [" KV01", "T01"])  # ids are trimmed
    assert_records_match(records, unit="KV01")
    assert_filtered_in_sql(captured, units=("KV01", "T01"))
    assert_units_expanded(captured, ["KV01", "T01"])
    with capture_sql() as captured:
        assert_no_case_rows(load_records(str(sqlite_file), []))
    assert_filtered_in_sql(captured, units=())
    assert_units_expanded(captured, [])


@pytest.mark.postgres
def test_postgresql_unit_list_is_one_expanding_parameter(pg_schema):
    engine, schema = pg_schema
    write_sql(engine, schema=schema)
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    assert_records_match(assert_union_of_single_reads(url, ["KV01", "KV02"], positions=True))
    with capture_sql() as captured:
        records = load_records(url, ("KV01", "T01"))
    assert_records_match(records, unit="KV01")
    assert_filtered_in_sql(captured, units=("KV01", "T01"))
    assert_units_expanded(captured, ["KV01", "T01"])
    with capture_sql() as captured:  # an empty list: no cases, and valid SQL for text columns
        assert_no_case_rows(load_records(url, []))
    assert_filtered_in_sql(captured, units=())
    assert_units_expanded(captured, [])


class _RecordingDuckDB:
    """A DuckDB connection that records what ``sql`` is asked to run."""

    def __init__(self, con, log):
        self._con, self._log = con, log

    def sql(self, query, params=None):
        self._log.append((query, params))
        return self._con.sql(query, params=params)

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_unit_list_in_duckdb_is_one_list_parameter(tmp_path, monkeypatch):
    import duckdb

    import audit.io.duckdb_file

    path = write_trap_duckdb(tmp_path / "trap.duckdb")  # KV02's case rows blow up when read
    log = []
    recording = SimpleNamespace(
        connect=lambda *a, **k: _RecordingDuckDB(duckdb.connect(*a, **k), log), Error=duckdb.Error)
    monkeypatch.setattr(audit.io.duckdb_file, "duckdb", recording)
    assert_records_match(load_records(str(path), ["KV01", "T01"]), unit="KV01")
    by_table = reads_by_table(log, renamed={"units": "don_vi"})  # as write_duckdb names it
    for table in ("units", "executors"):
        assert by_table[table][1] is None
    for table in FILTERED:
        sql, params = by_table[table]
        assert sql.count("list_contains(?, ") == 1, sql
        assert not any(u in sql for u in ALL_UNITS), sql
        assert params == [["KV01", "T01"]]
    assert_no_case_rows(load_records(str(path), []))  # and the trap never fires


# ---- what stops a run ----------------------------------------------------------------
def one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "\n" not in text
    assert "Traceback" not in text
    return text


def test_missing_required_csv_is_named(csv_dir):
    (csv_dir / "verifications.csv").unlink()
    with pytest.raises(SourceError) as err:
        load_raw(str(csv_dir))
    text = one_line(err)
    assert text.startswith(str(csv_dir))
    assert "required file 'verifications.csv' is missing" in text
    assert "'Xác minh.csv'" in text  # the accepted alias is named too


def test_missing_required_sheet_is_named(tmp_path):
    from openpyxl import load_workbook

    path = write_xlsx(tmp_path / "book.xlsx")
    book = load_workbook(path)
    del book["Sự kiện"]
    book.save(path)
    with pytest.raises(SourceError) as err:
        load_raw(str(path))
    text = one_line(err)
    assert text.startswith(f"{path}: required sheet 'events' is missing")
    assert "sheets found:" in text and "'Việc thi hành án'" in text


def test_missing_required_column_names_file_table_and_column(csv_dir):
    path = csv_dir / "CASES.csv"
    pd.read_csv(path, dtype="str").drop(columns="received_date").to_csv(path, index=False)
    with pytest.raises(SourceError) as err:
        load_raw(str(csv_dir))
    text = one_line(err)
    assert text.startswith(f"{path}, table cases: required column 'received_date' is missing")
    assert err.value.table == "cases" and err.value.file == str(path)


def test_missing_required_column_in_a_database(tmp_path):
    path = write_duckdb(tmp_path / "db.duckdb")
    con = __import__("duckdb").connect(str(path))
    con.execute("ALTER TABLE events DROP COLUMN event_type")
    con.close()
    with pytest.raises(SourceError, match=r"db.duckdb#events, table events: required column "
                                          r"'event_type' is missing") as err:
        load_raw(str(path))
    one_line(err)


def test_a_read_failing_in_the_database_is_a_source_error(sqlite_file):
    # A view that reflects fine but fails when its rows are computed.
    engine = sa.create_engine(f"sqlite:///{sqlite_file}")
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE events RENAME TO events_data"))
        conn.execute(sa.text("CREATE VIEW events AS SELECT case_id, event_date, event_type, "
                             "abs(-9223372036854775808) AS amount, ref FROM events_data"))
    engine.dispose()
    with pytest.raises(SourceError) as err:
        load_raw(str(sqlite_file), ["KV01"])
    assert one_line(err).endswith(f"{sqlite_file}: cannot read the database: integer overflow")


def test_missing_optional_column_is_filled_and_optional_table_may_be_absent(tmp_path):
    tables = all_rows()
    tables["cases"] = tables["cases"].drop(columns="long_prison_term")
    for t in ("assets", "valuations", "auctions", "bids", "complaints", "reported_stats"):
        del tables[t]
    records = load_records(str(write_csv_dir(tmp_path / "csv", tables)))
    assert records.issues.empty
    assert records.cases["long_prison_term"].isna().all()
    assert str(records.cases["long_prison_term"].dtype) == "boolean"
    assert records.present == frozenset({"units", "executors", "cases", "events", "verifications"})
    assert records.auctions.empty and list(records.counts["table"]) == sorted(
        records.present, key=list(TABLES).index)


def test_corrupt_xlsx(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(SourceError) as err:
        load_raw(str(path))
    assert one_line(err).startswith(f"{path}: not a readable workbook")
    assert isinstance(err.value.__cause__, zipfile.BadZipFile | Exception)


def test_xlsx_that_is_a_zip_but_no_workbook(tmp_path):
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(SourceError) as err:
        load_raw(str(path))
    assert one_line(err).startswith(f"{path}: ")


def test_nonexistent_path(tmp_path):
    with pytest.raises(SourceError) as err:
        load_raw(str(tmp_path / "nowhere"))
    assert one_line(err) == f"{tmp_path / 'nowhere'}: no such file or folder"


@pytest.mark.parametrize("suffix", [".db", ".sqlite", ".duckdb"])
def test_garbage_database_file(tmp_path, suffix):
    path = tmp_path / f"x{suffix}"
    path.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(SourceError) as err:
        load_raw(str(path))
    assert one_line(err).startswith(str(path))


def test_single_csv_and_unknown_files_are_refused(csv_dir, tmp_path):
    with pytest.raises(SourceError, match="give the folder"):
        load_raw(str(csv_dir / "units.csv"))
    other = tmp_path / "notes.txt"
    other.write_text("x")
    with pytest.raises(SourceError, match="unsupported source"):
        load_raw(str(other))
    old_excel = tmp_path / "so-lieu.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # an OLE2 (Excel 97-2003) header
    with pytest.raises(SourceError, match=r"so-lieu\.xls: not a readable workbook") as err:
        load_raw(str(old_excel))  # a broken one is refused in one line (real ones are read)
    one_line(err)


def test_two_files_for_one_table(csv_dir):
    rows("units").to_csv(csv_dir / "Đơn vị.csv", index=False)
    with pytest.raises(SourceError, match="two files hold table 'units'"):
        load_raw(str(csv_dir))


def test_empty_and_header_only_csv(csv_dir):
    path = csv_dir / "verifications.csv"
    path.write_bytes(b"")
    with pytest.raises(SourceError) as err:
        load_raw(str(csv_dir))
    assert "the file is empty" in one_line(err)
    path.write_text(",".join(TABLES["verifications"].column_names) + "\n")
    records = load_records(str(csv_dir))
    assert records.verifications.empty
    assert records.issues.empty
    assert records.counts.set_index("table").loc["verifications", "rows_read"] == 0


def test_header_only_sheet_and_empty_sheet(tmp_path):
    from openpyxl import load_workbook

    path = write_xlsx(tmp_path / "book.xlsx")
    book = load_workbook(path)
    sheet = book["Xác minh"]
    sheet.delete_rows(2, sheet.max_row)
    book.save(path)
    assert load_records(str(path)).verifications.empty
    book = load_workbook(path)
    del book["Xác minh"]
    book.create_sheet("Xác minh")
    book.save(path)
    with pytest.raises(SourceError, match="the sheet is empty") as err:
        load_raw(str(path))
    one_line(err)


def test_csv_oddities(csv_dir):
    path = csv_dir / "units.csv"
    # BOM, semicolons, a blank line inside (kept and reported) and blank lines at the end (dropped).
    text = "unit_id;name;level;parent_id\nT01;Tỉnh A;province;\n\nKV01;KV 1;regional;T01\n" \
           "KV02;KV 2;regional;T01\n\n\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    records = load_records(str(csv_dir))
    assert records.units["unit_id"].tolist() == ["T01", "KV01", "KV02"]
    assert records.units["source_row"].tolist() == [2, 4, 5]
    blank = records.issues[records.issues["table"] == "units"]
    assert set(blank["row"]) == {3} and set(blank["rule_id"]) == {"DQ-SCHEMA"}


def test_csv_not_utf8_and_malformed(csv_dir):
    path = csv_dir / "units.csv"
    path.write_bytes("unit_id,name,level,parent_id\nT01,Đà,province,\n".encode("cp1258"))
    with pytest.raises(SourceError, match="not UTF-8") as err:
        load_raw(str(csv_dir))
    one_line(err)
    path.write_text('unit_id,name,level,parent_id\n"T01,Tỉnh,province,\n')
    with pytest.raises(SourceError) as err:
        load_raw(str(csv_dir))
    assert one_line(err).startswith(f"{path}, table units: malformed CSV")


def test_bad_urls_are_source_errors_without_passwords(tmp_path):
    with pytest.raises(SourceError, match="no such database file"):
        load_raw(f"sqlite:///{tmp_path / 'missing.sqlite'}")
    assert not (tmp_path / "missing.sqlite").exists()  # not created as a side effect
    url = "postgresql+psycopg://auditor:s3cret@127.0.0.1:1/test"
    with pytest.raises(SourceError) as err:
        load_raw(url)
    text = one_line(err)
    assert "s3cret" not in text and "auditor:***@127.0.0.1:1/test" in text
    assert isinstance(err.value.__cause__, sa.exc.SQLAlchemyError)
    with pytest.raises(SourceError, match="unsupported database URL"):
        load_raw("nosuchdialect://x/y")
    assert redact("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
