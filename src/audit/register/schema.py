"""The register's tables, created and migrated by the toolkit.

``MIGRATIONS`` is the ordered list of schema versions; each is the SQL that
takes the register from the version before to it. Opening a register applies
the missing ones in one transaction and records each in ``schema_version``; a
register written by a newer toolkit is refused rather than misread. To change
the schema, append a version: never edit one that has shipped.

Every table is append-only: nothing is updated or deleted, so the history of a
finding (each run that saw it, each decision on it) is never lost, and two
reviewers writing at once only add rows.
"""

from __future__ import annotations

import datetime as dt

from ..errors import RegisterError
from .backend import Connection

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "schema_version"]

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # v1: runs, what each run saw, reviewers' decisions, conclusions and their recommendations.
    (
        """CREATE TABLE runs (
            run_id TEXT PRIMARY KEY, kind TEXT NOT NULL, unit_ids TEXT NOT NULL, as_of DATE NOT NULL,
            period_start DATE, period_end DATE, manifest_fingerprint TEXT, started_at TIMESTAMP,
            ended_at TIMESTAMP, operator TEXT, findings BIGINT NOT NULL)""",
        """CREATE TABLE observations (
            run_id TEXT NOT NULL, finding_id TEXT NOT NULL, rule_id TEXT NOT NULL, unit_id TEXT,
            case_id TEXT, category TEXT, severity TEXT, finding_kind TEXT, ongoing BOOLEAN,
            occurred_on DATE, amount BIGINT, evidence_fingerprint TEXT NOT NULL, evidence TEXT)""",
        "CREATE INDEX observations_finding ON observations (finding_id)",
        "CREATE INDEX observations_unit ON observations (unit_id)",
        """CREATE TABLE dispositions (
            disposition_id TEXT PRIMARY KEY, finding_id TEXT NOT NULL, state TEXT NOT NULL,
            reviewer TEXT NOT NULL, decided_on DATE NOT NULL, reason TEXT, evidence TEXT,
            evidence_fingerprint TEXT, origin TEXT NOT NULL, recorded_at TIMESTAMP NOT NULL)""",
        "CREATE INDEX dispositions_finding ON dispositions (finding_id)",
        """CREATE TABLE conclusions (
            conclusion_id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, as_of DATE NOT NULL, run_id TEXT,
            conclusion_ref TEXT, recorded_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE recommendations (
            conclusion_id TEXT NOT NULL, item_no BIGINT NOT NULL, unit_id TEXT NOT NULL, as_of DATE NOT NULL,
            finding_id TEXT, rule_id TEXT, case_id TEXT, remedy_required BOOLEAN NOT NULL, text TEXT,
            remedy_deadline DATE)""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: Connection) -> int:
    """The register's schema version (0 for an empty database)."""
    try:
        found = conn.query("SELECT MAX(version) AS v FROM schema_version")
    except Exception:  # no such table: a new register (each driver names this error its own way)
        return 0
    value = found["v"].iloc[0] if len(found) else None
    return 0 if value is None or value != value else int(value)


def _has_version_table(conn: Connection) -> bool:
    tables = conn.query("SELECT table_name FROM information_schema.tables WHERE table_name = 'schema_version' "
                        "AND table_schema = current_schema()")
    return len(tables) > 0


def migrate(conn: Connection, where: str,
            migrations: tuple[tuple[str, ...], ...] = MIGRATIONS) -> int:
    """Bring the register up to the last version of ``migrations`` (default
    :data:`MIGRATIONS`); returns the version found before.

    Raises
    ------
    RegisterError
        The register was written by a newer toolkit.
    """
    if not _has_version_table(conn):
        conn.execute("CREATE TABLE schema_version (version BIGINT PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
        found = 0
    else:
        found = schema_version(conn)
    latest = len(migrations)
    if found > latest:
        raise RegisterError(f"the register has schema version {found}, newer than this toolkit's "
                            f"{latest}: upgrade thads-audit", file=where)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for version in range(found + 1, latest + 1):
        for statement in migrations[version - 1]:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (:v, :at)", {"v": version, "at": now})
    return found
