"""Credentials never reach an output, a log or an error line, whatever form they are given in;
and they need not be given on the command line at all (PGPASSWORD, .pgpass, service files)."""

from __future__ import annotations

import json
import os
import uuid
import zipfile
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa
from _io_fixtures import expected, write_sql

from audit.errors import SourceError
from audit.io import load_raw, load_records
from audit.redact import redact

PG_BASE = os.environ.get("AUDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# (given, what must be left) — every form a password can take in a source or a message.
FORMS = [
    ("postgresql+psycopg://audit:s3cr:et@db.local:5432/thads",
     "postgresql+psycopg://audit:***@db.local:5432/thads"),
    ("postgresql://audit:p%40ss%2Fw0rd@db/thads", "postgresql://audit:***@db/thads"),
    ("postgresql://audit:p@ss/w@db:5432/thads?sslmode=require", "postgresql://audit:***@db:5432/thads?sslmode=require"),
    ("postgresql://db/thads?user=audit&password=s3cret&sslmode=require",
     "postgresql://db/thads?user=audit&password=***&sslmode=require"),
    ("postgresql://db/thads?PASSWORD=s3cret", "postgresql://db/thads?PASSWORD=***"),
    ("mysql+pymysql://u@h/db?passwd=s3cret", "mysql+pymysql://u@h/db?passwd=***"),
    ("host=db user=audit password=s3cret dbname=thads", "host=db user=audit password=*** dbname=thads"),
    ("host=db password = 'a b\\' c' dbname=thads", "host=db password = *** dbname=thads"),
    ("Driver={PostgreSQL};Server=db;UID=audit;PWD=s3cret;", "Driver={PostgreSQL};Server=db;UID=audit;PWD=***;"),
    ("PGPASSWORD=s3cret audit run --source postgresql://db/x", "PGPASSWORD=*** audit run --source postgresql://db/x"),
    ("options=-c%20sslpassword%3Ds3cret", "options=-c%20sslpassword%3D***"),
    ('source = "postgresql://u:s3cret@h/db?password=s3cret"',
     'source = "postgresql://u:***@h/db?password=***"'),
]
UNCHANGED = ["/data/demo.duckdb", "sqlite:////srv/a@b/cases.db", "postgresql:///?service=thads",
             "postgresql://audit@db/thads", "C:\\exports\\kv01.xlsx", "the token list is empty",
             "data:image/png;base64,iVBORw0KGgoAAAAN/pwd=="]


@pytest.mark.parametrize(("given", "shown"), FORMS)
def test_every_credential_form_is_redacted(given, shown):
    assert redact(given) == shown
    assert "s3cret" not in redact(given) and "s3cr:et" not in redact(given)
    assert redact(redact(given)) == redact(given)  # idempotent


@pytest.mark.parametrize("text", UNCHANGED)
def test_text_without_credentials_is_left_alone(text):
    assert redact(text) == text


def test_the_helper_is_the_one_every_module_uses():
    import audit.io.sql
    import audit.report.outputs

    assert audit.report.outputs.redact is redact
    assert audit.io.sql.redact is redact
    assert redact(sa.make_url("postgresql://u:pw@h/db")) == "postgresql://u:***@h/db"
    assert redact(None) == ""


def test_error_lines_never_carry_a_password():
    err = SourceError("connection failed for password=s3cret", file="postgresql://u:s3cret@h/db")
    assert "s3cret" not in str(err) and str(err) == \
        "postgresql://u:***@h/db: connection failed for password=***"


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/test",
    "postgresql+psycopg://127.0.0.1:1/test?user=postgres&password=s3cret",
])
def test_an_unreachable_database_names_no_password(url):
    with pytest.raises(SourceError) as err:
        load_raw(url)
    assert "s3cret" not in str(err.value) and "\n" not in str(err.value)


def test_the_executed_notebook_is_scrubbed_of_every_form(tmp_path):
    from nbformat.v4 import new_code_cell, new_notebook

    from audit.report import execute

    url = "postgresql+psycopg://127.0.0.1/test?user=audit&password=s3cret"
    nb = new_notebook(cells=[new_code_cell(f'source = "{url}"', metadata={"tags": ["injected-parameters"]}),
                             new_code_cell("x = 1", outputs=[nbformat.v4.new_output(
                                 "stream", name="stdout", text="connect: host=db password=s3cret\n")])],
                      metadata={"papermill": {"parameters": {"source": url}}})
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    execute._scrub(path, url)
    text = path.read_text(encoding="utf-8")
    assert "s3cret" not in text and text.count("password=***") == 3
    nbformat.validate(nbformat.read(path, as_version=4))  # still a valid notebook


# -- the real server ---------------------------------------------------------------------
@pytest.fixture
def pg_schema():
    engine = sa.create_engine(PG_BASE)
    try:
        engine.connect().close()
    except sa.exc.OperationalError as exc:
        engine.dispose()
        pytest.skip(f"PostgreSQL not reachable: {exc.orig}")
    schema = f"audit_cred_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    write_sql(engine, schema=schema)
    try:
        yield schema
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _contents(path: Path):
    """A file's bytes, or each member's of an Office (zip) file, where a plain search cannot look."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for member in z.namelist():
                yield f"{path.name}!{member}", z.read(member)
    else:
        yield path.name, path.read_bytes()


def _server() -> sa.URL:
    return sa.make_url(PG_BASE)


@pytest.mark.postgres
def test_a_service_file_keeps_credentials_off_the_command_line(pg_schema, tmp_path, monkeypatch):
    server = _server()
    service = tmp_path / "pg_service.conf"
    service.write_text(f"[thads_test]\nhost={server.host}\nport={server.port or 5432}\n"
                       f"dbname={server.database}\nuser={server.username}\n", encoding="utf-8")
    monkeypatch.setenv("PGSERVICEFILE", str(service))
    records = load_records(f"postgresql:///?service=thads_test&options=-csearch_path%3D{pg_schema}")
    assert records.issues.empty
    assert len(records.cases) == len(expected()["cases"])
    assert records.source == f"postgresql:///?service=thads_test&options=-csearch_path%3D{pg_schema}"


@pytest.mark.postgres
def test_environment_and_pgpass_are_honoured_by_the_driver(pg_schema, tmp_path, monkeypatch):
    """The server here trusts local connections, so a password is never checked; what is
    checked is that a URL naming no user or password reaches the server through the
    environment (PGUSER, PGPASSWORD, PGPASSFILE) and that nothing of it is written anywhere."""
    server = _server()
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"{server.host}:{server.port or 5432}:*:{server.username}:s3cret-from-file\n",
                        encoding="utf-8")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGUSER", server.username)
    monkeypatch.setenv("PGPASSWORD", "s3cret-from-env")
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    url = f"postgresql://{server.host}:{server.port or 5432}/{server.database}?options=-csearch_path%3D{pg_schema}"
    records = load_records(url)
    assert records.issues.empty and len(records.units) == 3
    assert "s3cret" not in records.source


@pytest.mark.postgres
@pytest.mark.parametrize("form", ["userinfo", "query"])
def test_no_output_file_holds_the_password(pg_schema, tmp_path, form):
    from audit.pipeline import audit_unit
    from audit.report import write_outputs

    server = _server()
    host = f"{server.host}:{server.port or 5432}/{server.database}"
    search = f"options=-csearch_path%3D{pg_schema}"
    url = (f"postgresql+psycopg://{server.username}:Pw-s3cret-9@{host}?{search}" if form == "userinfo"
           else f"postgresql+psycopg://{host}?user={server.username}&password=Pw-s3cret-9&{search}")
    result = audit_unit(url, "KV01", "2024-10-15")
    written = write_outputs(result, tmp_path / "run")
    assert written
    for path in sorted(Path(tmp_path / "run").iterdir()):
        for name, data in _contents(path):
            assert b"Pw-s3cret-9" not in data, name
    assert any(p.suffix == ".docx" for p in (tmp_path / "run").iterdir())

    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert "***" in manifest["input"]["source"]
