"""Where the register lives: an embedded DuckDB file, or a PostgreSQL database.

Both backends run the same SQL (``:name`` parameters, types both know) through
one small interface, so the register's logic never asks which one it has.

A DuckDB file admits one writing process at a time, so the file is opened for
each operation and closed right after; a second process that finds it locked
retries for a short bounded time, then stops with a clear error. PostgreSQL
takes concurrent writers itself.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from ..errors import RegisterError
from ..redact import redact

__all__ = ["Connection", "Backend", "DuckDBBackend", "SQLBackend", "backend_for", "DEFAULT_PATH",
           "ENV_VAR", "resolve_target", "LOCK_WAIT_SECONDS"]

DEFAULT_PATH = Path("outputs") / "register.duckdb"
ENV_VAR = "AUDIT_REGISTER"
# How long a writer waits for another process's hold on the DuckDB file.
LOCK_WAIT_SECONDS = float(os.environ.get("AUDIT_REGISTER_WAIT", "30"))
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


class Connection(Protocol):
    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None: ...

    def query(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame: ...

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None: ...


class Backend(Protocol):
    description: str

    def transaction(self) -> Any: ...


def resolve_target(target: str | Path | None) -> str:
    """The register's place: ``target``, else env ``AUDIT_REGISTER``, else the default path."""
    if target is None or str(target).strip() == "":
        target = os.environ.get(ENV_VAR) or str(DEFAULT_PATH)
    return str(target)


# -- DuckDB --------------------------------------------------------------------------------
class _DuckConnection:
    def __init__(self, con: Any) -> None:
        self.con = con

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self.con.execute(_PARAM.sub(r"$\1", sql), params or {})

    def query(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return self.con.execute(_PARAM.sub(r"$\1", sql), params or {}).df()

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        self.con.register("_incoming", frame)
        try:
            cols = ", ".join(frame.columns)
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming")
        finally:
            self.con.unregister("_incoming")


def _locked(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflict" in text


class DuckDBBackend:
    """A register in a DuckDB file, opened per operation."""

    # One process's threads share DuckDB's in-process instance; serialising their
    # transactions here avoids write-write conflicts that DuckDB would abort.
    _mutex = threading.RLock()

    def __init__(self, path: str | Path, wait: float | None = None) -> None:
        self.path = Path(path).expanduser()
        self.description = str(self.path)
        self.wait = LOCK_WAIT_SECONDS if wait is None else wait

    def _connect(self) -> Any:
        import duckdb

        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline, pause = time.monotonic() + self.wait, 0.02
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.Error as exc:
                if not _locked(exc):
                    raise RegisterError(f"cannot open the register ({str(exc).splitlines()[0]})",
                                        file=self.description) from None
                if time.monotonic() >= deadline:
                    raise RegisterError(f"the register is locked by another process (waited {self.wait:g} s); "
                                        "try again when it has finished", file=self.description) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        import duckdb

        with self._mutex:
            con = self._connect()
            try:
                con.begin()
                yield _DuckConnection(con)
                con.commit()
            except BaseException:
                with suppress(duckdb.Error):
                    con.rollback()
                raise
            finally:
                con.close()


# -- PostgreSQL (or any SQLAlchemy URL) ----------------------------------------------------
class _SQLConnection:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        import sqlalchemy as sa

        self.conn.execute(sa.text(sql), params or {})

    def query(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        import sqlalchemy as sa

        result = self.conn.execute(sa.text(sql), params or {})
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        import sqlalchemy as sa

        if frame.empty:
            return
        cols = list(frame.columns)
        rows = [{c: _plain(v) for c, v in zip(cols, row, strict=True)}
                for row in frame.itertuples(index=False, name=None)]
        self.conn.execute(sa.text(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                                  f"({', '.join(':' + c for c in cols)})"), rows)


def _plain(value: Any) -> Any:
    """A frame's cell as the driver takes it (None for missing, Python scalars)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


class SQLBackend:
    """A register in a database reached by a SQLAlchemy URL (PostgreSQL for a team)."""

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self.description = redact(url)
        try:
            parsed = sa.make_url(url)
        except sa.exc.ArgumentError:
            raise RegisterError("not a database URL", file=self.description) from None
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")  # the driver the toolkit ships with
        self.engine = sa.create_engine(parsed, pool_pre_ping=True)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        import sqlalchemy as sa

        try:
            with self.engine.begin() as conn:
                yield _SQLConnection(conn)
        except sa.exc.OperationalError as exc:
            raise RegisterError(f"cannot reach the register's database ({redact(str(exc.orig).splitlines()[0])})",
                                file=self.description) from None

    def dispose(self) -> None:
        self.engine.dispose()


def backend_for(target: str) -> DuckDBBackend | SQLBackend:
    """The backend for a path (DuckDB file) or a database URL."""
    if "://" in target:
        return SQLBackend(target)
    return DuckDBBackend(target)
