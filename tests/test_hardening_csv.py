"""A CSV file's structure never loses rows silently: repeated headers, stray quotes, and
a file rewritten while it is read; the hash recorded is that of the bytes parsed."""

from __future__ import annotations

import hashlib
import threading
import time

import pytest
from _io_fixtures import all_rows, write_csv_dir

from audit.errors import SourceError
from audit.io import load_raw, load_records
from audit.validate import validate

UNITS = "unit_id,name,level,parent_id\n"


@pytest.fixture
def folder(tmp_path):
    return write_csv_dir(tmp_path / "csv")


def test_a_repeated_header_is_refused_naming_it(folder):
    path = folder / "units.csv"
    path.write_text("unit_id,name,level,parent_id,name\nT01,Tỉnh A,province,,Tỉnh B\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        load_raw(str(folder))
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"{path}, table units: ")
    assert "the header 'name' appears twice (columns 2 and 5)" in text


def test_a_repeated_header_differing_in_case_and_spacing_is_refused(folder):
    path = folder / "CASES.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text[0] = text[0].replace("amount_due", " Amount_Due ")
    text = [line + ",1" for line in text]
    text[0] = text[0][:-2] + ",amount_due"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match="appears twice"):
        load_raw(str(folder))


def test_repeated_headers_nothing_reads_are_fine(folder):
    path = folder / "units.csv"
    path.write_text("unit_id,name,level,parent_id,Ghi chú,Ghi chú\nT01,A,province,,x,y\n"
                    "KV01,B,regional,T01,,\nKV02,C,regional,T01,,\n", encoding="utf-8")
    assert load_records(str(folder)).issues.empty


@pytest.mark.parametrize(("body", "lines"), [
    # the quote opens on T01's name and closes on KV02's: KV01's row would vanish
    ('T01,"Tỉnh A,province,\nKV01,KV 1,regional,T01\nKV02,KV 2",regional,T01\n', (2, 3)),
    # a closing quote far below, on another field
    ('T01,Tỉnh A,province,\nKV01,"KV 1,regional,T01\nKV02,KV 2,regional,T01\nKV03,KV 3",regional,T01\n',
     (3, 4)),
])
def test_a_stray_quote_that_swallows_rows_is_refused_naming_the_lines(folder, body, lines):
    path = folder / "units.csv"
    path.write_text(UNITS + body, encoding="utf-8")
    with pytest.raises(SourceError) as err:
        load_raw(str(folder))
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"{path}, table units")
    assert "stray double quote" in text
    assert f"a quoted cell opened on line {lines[0]} swallows line {lines[1]}" in text


def test_a_legitimate_multi_line_cell_is_kept_and_counted(folder):
    path = folder / "units.csv"
    path.write_text(UNITS + 'T01,"Thi hành án tỉnh A\n(trụ sở mới)",province,\n'
                    'KV01,KV 1,regional,T01\r\nKV02,"KV\r\n2",regional,T01\n', encoding="utf-8")
    records = load_records(str(folder))
    assert records.issues.empty
    assert records.units["name"].tolist() == ["Thi hành án tỉnh A\n(trụ sở mới)", "KV 1", "KV\r\n2"]
    assert records.units["source_row"].tolist() == [2, 3, 4]  # records, as a spreadsheet numbers them


def test_the_hash_recorded_is_that_of_the_bytes_parsed(folder):
    raw = load_raw(str(folder))
    data = (folder / "units.csv").read_bytes()
    assert raw.files["units.csv"] == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    records = validate(raw)
    assert records.files["units.csv"]["sha256"] == hashlib.sha256(data).hexdigest()
    before = records.fingerprint
    # The same rows, written differently (CRLF), are another file and another fingerprint.
    (folder / "units.csv").write_bytes(data.replace(b"\n", b"\r\n"))
    again = load_records(str(folder))
    assert again.files["units.csv"]["sha256"] != records.files["units.csv"]["sha256"]
    assert again.fingerprint != before


def test_a_file_rewritten_while_it_is_read_is_refused(folder, monkeypatch):
    """A writer appends to the file between the reader's size check and its read."""
    import audit.io.base as base

    path = folder / "events.csv" if (folder / "events.csv").exists() else next(folder.glob("S*.csv"))
    original = base.Path.read_bytes

    def read_while_written(self):
        data = original(self)
        if self == path:
            with open(self, "ab") as fh:  # the exporter is still writing
                fh.write(b"C1,2024-12-01,collection,5000,\n")
            time.sleep(0.01)
        return data

    monkeypatch.setattr(base.Path, "read_bytes", read_while_written)
    with pytest.raises(SourceError, match="changed while it was read") as err:
        load_raw(str(folder))
    assert "\n" not in str(err.value)


def test_a_concurrent_rewrite_is_recorded_as_what_was_read(tmp_path):
    """A real second writer truncates and rewrites the file in a loop while it is read: every
    read is refused, or its recorded hash and size are exactly those of the bytes its rows came
    from (a prefix of the file here), so the manifest never claims more than was parsed."""
    tables = all_rows()
    tables["events"] = tables["events"].loc[tables["events"].index.repeat(2000)].reset_index(drop=True)
    folder = write_csv_dir(tmp_path / "csv", tables)
    path = next(p for p in folder.iterdir() if "events" in p.name or p.name.startswith("S"))
    content = path.read_bytes()
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            with open(path, "wb") as fh:
                fh.write(content[: len(content) // 2])
                fh.flush()
                fh.write(content[len(content) // 2:])

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    accepted = refused = 0
    try:
        for _ in range(15):
            try:
                raw = load_raw(str(folder))
            except SourceError as exc:
                assert "\n" not in str(exc)
                refused += 1
                continue
            accepted += 1
            info = raw.files[path.name]
            read = content[: info["bytes"]]
            assert info["sha256"] == hashlib.sha256(read).hexdigest()
            lines = read.count(b"\n") + (0 if read.endswith(b"\n") else 1)
            assert len(raw.tables["events"]) <= lines - 1  # no row beyond the bytes hashed
    finally:
        stop.set()
        thread.join()
    assert accepted + refused == 15
