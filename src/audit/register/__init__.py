"""The findings register: findings and decisions on them across runs, and the follow-up
of earlier conclusions.

A DuckDB file by default (``outputs/register.duckdb``, or env ``AUDIT_REGISTER``)
or a PostgreSQL database for a team (a ``postgresql://`` URL). Every run, scan
and batch records its findings under their stable ids; reviewers confirm,
dismiss (with a reason), mark remedied (with evidence) or send back to pending;
a conclusion's recommendations and deadlines are recorded, and the next run of
the same unit reports whether they were carried out. History is append-only.

>>> with open_register("outputs/register.duckdb") as reg:   # doctest: +SKIP
...     reg.set_disposition("DL-DECISION-1a2b3c4d5e6f", "dismissed", reviewer="Lan",
...                         reason="decision issued on paper, entered late")
"""

from .backend import DEFAULT_PATH, ENV_VAR
from .followup import FollowUp, follow_up
from .metrics import register_metrics
from .schema import MIGRATIONS, SCHEMA_VERSION
from .sheet import STATES, read_dispositions
from .store import RUN_KINDS, ImportSummary, Register, open_register

__all__ = ["open_register", "Register", "ImportSummary", "FollowUp", "follow_up", "register_metrics",
           "STATES", "RUN_KINDS", "DEFAULT_PATH", "ENV_VAR", "MIGRATIONS", "SCHEMA_VERSION", "read_dispositions"]
