"""The findings register: runs, what each run found, reviewers' decisions, conclusions.

Open one with :func:`open_register`; see :mod:`audit.register` for the whole API.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..dates import as_date
from ..errors import ParameterError
from .backend import Connection, DuckDBBackend, SQLBackend, backend_for, resolve_target
from .fingerprint import evidence_fingerprints
from .schema import migrate
from .sheet import STATES, read_dispositions, row_problems

__all__ = ["Register", "ImportSummary", "open_register", "RUN_KINDS", "STATES"]

RUN_KINDS = ("run", "scan", "batch")
_FINDING_COLUMNS = ("finding_id", "rule_id", "unit_id", "case_id", "category", "severity", "finding_kind",
                    "ongoing", "occurred_on", "amount", "evidence")


@dataclass(frozen=True)
class ImportSummary:
    """What an import of a dispositions file did."""

    source: str
    applied: int
    unchanged: int
    by_state: dict[str, int] = field(default_factory=dict)


def _now() -> dt.datetime:
    # Naive UTC to the microsecond: both backends store it alike and order by it.
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _day(value: Any) -> dt.date | None:
    if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return as_date(value)


def _days(series: pd.Series) -> pd.Series:
    return pd.Series([_day(v) for v in series], index=series.index, dtype="object")


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


class Register:
    """A findings register (a DuckDB file or a PostgreSQL database); a context manager.

    Every write adds rows, none changes or removes one: a finding's sightings and
    the decisions on it stay in its history.
    """

    def __init__(self, backend: DuckDBBackend | SQLBackend) -> None:
        self.backend = backend

    @property
    def description(self) -> str:
        """Where the register is, without credentials."""
        return self.backend.description

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections (a DuckDB file is never held open between calls)."""
        if isinstance(self.backend, SQLBackend):
            self.backend.dispose()

    def __repr__(self) -> str:
        return f"Register({self.description!r})"

    # -- runs --------------------------------------------------------------------------------
    def record_run(self, findings: pd.DataFrame, *, kind: str, unit_ids: str | Sequence[str], as_of: Any,
                   period_start: Any, period_end: Any, manifest_fingerprint: str | None,
                   operator: str | None = None, started_at: dt.datetime | None = None) -> str:
        """Record a run and every finding it made; returns the new run's id.

        Parameters
        ----------
        findings : DataFrame
            The run's findings (docs/contract.md columns).
        kind : {"run", "scan", "batch"}
        unit_ids : str or list of str
            The units the run audited.
        as_of, period_start, period_end : date or ISO string
        manifest_fingerprint : str
            The fingerprint of the input the run read (its manifest's ``input.fingerprint``).
        operator : str, optional
            Who ran it.
        """
        if kind not in RUN_KINDS:
            raise ParameterError(f"run kind must be one of {', '.join(RUN_KINDS)}, got {kind!r}")
        missing = [c for c in ("finding_id", "rule_id") if c not in findings.columns]
        if missing:
            raise ParameterError(f"findings to record lack the column {', '.join(missing)}")
        units = [unit_ids] if isinstance(unit_ids, str) else list(unit_ids)
        run_id = uuid.uuid4().hex
        f = findings.drop_duplicates("finding_id")
        obs = pd.DataFrame({"run_id": run_id, "finding_id": f["finding_id"].astype("str").to_numpy()})
        for col in _FINDING_COLUMNS[1:]:
            values = f[col] if col in f else pd.Series(None, index=f.index, dtype="object")
            if col == "occurred_on":
                obs[col] = _days(values).to_numpy()
            elif col == "ongoing":
                obs[col] = pd.array(values.to_numpy(), dtype="boolean")
            elif col == "amount":
                obs[col] = pd.array(values.to_numpy(), dtype="Int64")
            else:
                obs[col] = pd.Series([_text(v) for v in values], dtype="object").to_numpy()
        obs["evidence_fingerprint"] = evidence_fingerprints(f).to_numpy()
        run = {"run_id": run_id, "kind": kind, "unit_ids": ",".join(units), "as_of": _day(as_of),
               "period_start": _day(period_start), "period_end": _day(period_end),
               "manifest_fingerprint": manifest_fingerprint, "started_at": started_at or _now(),
               "ended_at": _now(), "operator": operator, "findings": len(obs)}
        with self.backend.transaction() as conn:
            conn.execute("INSERT INTO runs (run_id, kind, unit_ids, as_of, period_start, period_end, "
                         "manifest_fingerprint, started_at, ended_at, operator, findings) VALUES (:run_id, :kind, "
                         ":unit_ids, :as_of, :period_start, :period_end, :manifest_fingerprint, :started_at, "
                         ":ended_at, :operator, :findings)", run)
            conn.insert_frame("observations", obs)
        return run_id

    def runs(self) -> pd.DataFrame:
        """Every run recorded, oldest first."""
        with self.backend.transaction() as conn:
            frame = conn.query("SELECT * FROM runs ORDER BY as_of, started_at, run_id")
        return _dated(frame, ("as_of", "period_start", "period_end"))

    # -- decisions ---------------------------------------------------------------------------
    def _latest_fingerprints(self, conn: Connection, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        found = _observations(conn, finding_ids=ids)
        if found.empty:
            return {}
        last = found.sort_values(["as_of", "started_at"], kind="stable").drop_duplicates("finding_id", keep="last")
        return dict(zip(last["finding_id"], last["evidence_fingerprint"], strict=True))

    def set_disposition(self, finding_id: str, state: str, *, reviewer: str, decided_on: Any = None,
                        reason: str | None = None, evidence: str | None = None, origin: str = "command") -> None:
        """Record a reviewer's decision on one finding.

        Parameters
        ----------
        finding_id : str
            A finding some recorded run made.
        state : {"confirmed", "dismissed", "remedied", "pending"}
            ``dismissed`` needs a ``reason``, ``remedied`` the ``evidence`` of the remedy;
            ``pending`` sends the finding back for review.
        reviewer : str
            Who decided.
        decided_on : date or ISO string, optional
            The day of the decision (default today).
        origin : str
            Where it was entered, kept in the history: ``command`` (audit disposition) or
            ``workbench``.

        Raises
        ------
        ParameterError
            An unknown finding id, state, missing reason or evidence, or no reviewer.
        """
        fid, reviewer_name = str(finding_id).strip(), _text(reviewer)
        problems = row_problems(str(state).strip().lower(), _text(reason) or "", _text(evidence) or "")
        if not reviewer_name:
            problems.append("the reviewer is required")
        if problems:
            raise ParameterError(f"finding {fid}: " + "; ".join(problems))
        day = _day(decided_on) or dt.date.today()
        with self.backend.transaction() as conn:
            prints = self._latest_fingerprints(conn, [fid])
            if fid not in prints:
                raise ParameterError(f"finding {fid} is not in the register ({self.description})")
            _insert_decisions(conn, [{"finding_id": fid, "state": str(state).strip().lower(),
                                      "reviewer": reviewer_name, "decided_on": day, "reason": _text(reason),
                                      "evidence": _text(evidence), "evidence_fingerprint": prints[fid],
                                      "origin": origin}])

    def import_dispositions(self, path_or_frame: str | Path | pd.DataFrame, *,
                            reviewer: str | None = None) -> ImportSummary:
        """Apply a dispositions file (CSV or workbook) all at once, or nothing.

        Every row is checked first: unknown finding ids, bad states, a dismissal without a
        reason or a remedy without evidence, conflicting rows for one finding, a row
        without a reviewer (when ``reviewer`` is not given), and a decision the register
        holds that another reviewer made after the file's (an edit made since the file
        was filled in). Any problem raises one error listing them all; otherwise every
        decision is recorded in one transaction. A row that repeats the finding's
        current decision is left as it is.

        Parameters
        ----------
        path_or_frame : path or DataFrame
        reviewer : str, optional
            The reviewer of rows that name none.

        Raises
        ------
        ParameterError
            Listing every problem, with the file's row numbers; nothing is applied.
        """
        rows = read_dispositions(path_or_frame)
        where = "frame" if isinstance(path_or_frame, pd.DataFrame) else str(path_or_frame)
        default_reviewer = _text(reviewer)
        today = dt.date.today()
        with self.backend.transaction() as conn:
            ids = rows["finding_id"].tolist()
            prints = self._latest_fingerprints(conn, ids)
            current = _latest_decisions(_decisions(conn, finding_ids=ids)).set_index("finding_id")
            problems, new = [], []
            for r in rows.itertuples(index=False):
                who = r.reviewer or default_reviewer
                if r.finding_id not in prints:
                    problems.append(f"{r.row}: finding {r.finding_id} is not in the register")
                    continue
                if not who:
                    problems.append(f"{r.row}: finding {r.finding_id}: no reviewer (give the column or --reviewer)")
                    continue
                day = r.decided_on or today
                if r.finding_id in current.index:
                    now = current.loc[r.finding_id]
                    same = (now["state"] == r.disposition and (_text(now["reason"]) or "") == r.reason
                            and (_text(now["evidence"]) or "") == r.evidence)
                    if same:
                        continue
                    theirs = _day(now["decided_on"])
                    if now["reviewer"] != who and theirs is not None and theirs > day:
                        problems.append(f"{r.row}: finding {r.finding_id} was decided {now['state']} by "
                                        f"{now['reviewer']} on {theirs.isoformat()}, after this row's "
                                        f"{day.isoformat()}: reconcile the two first")
                        continue
                new.append({"finding_id": r.finding_id, "state": r.disposition, "reviewer": who,
                            "decided_on": day, "reason": r.reason or None, "evidence": r.evidence or None,
                            "evidence_fingerprint": prints[r.finding_id], "origin": "import"})
            if problems:
                raise ParameterError(f"dispositions: {len(problems)} problem(s), nothing applied: "
                                     + "; ".join(problems[:50])
                                     + (f"; and {len(problems) - 50} more" if len(problems) > 50 else ""),
                                     file=where)
            _insert_decisions(conn, new)
        by_state = pd.Series([d["state"] for d in new], dtype="str").value_counts()
        return ImportSummary(where, len(new), len(rows) - len(new), {str(k): int(v) for k, v in by_state.items()})

    # -- reading -----------------------------------------------------------------------------
    def findings(self, unit_id: str | None = None) -> pd.DataFrame:
        """The current state of every finding (of one unit).

        Returns
        -------
        DataFrame
            finding_id, rule_id, unit_id, case_id, category, severity, finding_kind, ongoing,
            first_seen, last_seen, runs_seen, state, reviewer, decided_on, reason, evidence,
            needs_review, unchanged_since_decision, finding_evidence. A finding nobody decided
            on is ``pending``. A dismissed finding whose evidence fingerprint changed since
            the dismissal is ``pending`` again with ``needs_review``; one seen unchanged stays
            ``dismissed`` with ``unchanged_since_decision``.
        """
        with self.backend.transaction() as conn:
            obs = _observations(conn, unit_id=unit_id)
            decisions = _decisions(conn, unit_id=unit_id)
        return current_state(obs, decisions)

    def history(self, finding_id: str) -> pd.DataFrame:
        """Every sighting of a finding by a run and every decision on it, oldest first.

        Returns
        -------
        DataFrame
            at, event (``seen`` or ``decision``), run_id, kind, as_of, ongoing,
            evidence_fingerprint, state, reviewer, decided_on, reason, evidence, origin,
            superseded (a decision a later one replaced).

        Raises
        ------
        ParameterError
            The register never saw the finding.
        """
        fid = str(finding_id).strip()
        with self.backend.transaction() as conn:
            obs = _observations(conn, finding_ids=[fid])
            dec = _decisions(conn, finding_ids=[fid])
        if obs.empty:
            raise ParameterError(f"finding {fid} is not in the register ({self.description})")
        seen = pd.DataFrame({"at": obs["started_at"], "event": "seen", "run_id": obs["run_id"],
                             "kind": obs["kind"], "as_of": obs["as_of"], "ongoing": obs["ongoing"],
                             "evidence_fingerprint": obs["evidence_fingerprint"]})
        dec = dec.sort_values(["recorded_at", "disposition_id"], kind="stable")
        decided = pd.DataFrame({"at": dec["recorded_at"], "event": "decision", "state": dec["state"],
                                "reviewer": dec["reviewer"], "decided_on": dec["decided_on"],
                                "reason": dec["reason"], "evidence": dec["evidence"], "origin": dec["origin"],
                                "evidence_fingerprint": dec["evidence_fingerprint"],
                                "superseded": [True] * (len(dec) - 1) + [False] if len(dec) else []})
        columns = ["at", "event", "run_id", "kind", "as_of", "ongoing", "evidence_fingerprint", "state", "reviewer",
                   "decided_on", "reason", "evidence", "origin", "superseded"]
        out = pd.concat([seen, decided], ignore_index=True) if len(decided) else seen
        return out.reindex(columns=columns).sort_values("at", kind="stable").reset_index(drop=True)

    # -- conclusions -------------------------------------------------------------------------
    def record_conclusion(self, unit_id: str, as_of: Any, items: pd.DataFrame, *, run_id: str | None = None,
                          conclusion_ref: str | None = None) -> str:
        """Record a conclusion's recommendations and their remedy deadlines.

        Parameters
        ----------
        unit_id : str
        as_of : date or ISO string
            The audit date of the run the conclusion was drawn from.
        items : DataFrame
            One row per recommendation: ``rule_id``, ``finding_id`` (the violation, or
            empty for a recommendation about a rule as a whole), ``case_id``, ``text``,
            ``remedy_deadline`` and ``remedy_required`` (False for a past act that only
            calls for lessons; default True).
        run_id : str, optional
            The recorded run the conclusion was drawn from.
        conclusion_ref : str, optional
            The conclusion's number or file.

        Returns
        -------
        str
            The conclusion's id in the register.
        """
        if "rule_id" not in items.columns and "finding_id" not in items.columns:
            raise ParameterError("conclusion items need a rule_id or a finding_id column")
        cid, day = uuid.uuid4().hex, _day(as_of)
        n = len(items)

        def col(name: str) -> pd.Series:
            return items[name] if name in items else pd.Series(None, index=items.index, dtype="object")

        rows = pd.DataFrame({
            "conclusion_id": cid, "item_no": pd.array(range(1, n + 1), dtype="Int64"), "unit_id": str(unit_id),
            "as_of": [day] * n,
            "finding_id": [_text(v) for v in col("finding_id")], "rule_id": [_text(v) for v in col("rule_id")],
            "case_id": [_text(v) for v in col("case_id")],
            "remedy_required": pd.array([True if v is None or v is pd.NA else bool(v)
                                         for v in col("remedy_required")], dtype="boolean"),
            "text": [_text(v) for v in col("text")], "remedy_deadline": _days(col("remedy_deadline")).to_numpy()})
        for c in ("finding_id", "rule_id", "case_id", "text", "remedy_deadline", "as_of"):
            rows[c] = rows[c].astype("object")
        with self.backend.transaction() as conn:
            conn.execute("INSERT INTO conclusions (conclusion_id, unit_id, as_of, run_id, conclusion_ref, recorded_at) "
                         "VALUES (:cid, :unit, :as_of, :run_id, :ref, :at)",
                         {"cid": cid, "unit": str(unit_id), "as_of": day, "run_id": run_id, "ref": conclusion_ref,
                          "at": _now()})
            conn.insert_frame("recommendations", rows)
        return cid

    def recommendations(self, unit_id: str | None = None, before: Any = None) -> pd.DataFrame:
        """The recommendations of the latest conclusion per unit and audit date, with as_of
        strictly before ``before`` when given."""
        where: list[str] = []
        params: dict[str, Any] = {}
        if unit_id is not None:
            where.append("r.unit_id = :unit")
            params["unit"] = str(unit_id)
        if before is not None:
            where.append("r.as_of < :before")
            params["before"] = _day(before)
        sql = ("SELECT r.*, c.recorded_at, c.conclusion_ref FROM recommendations r JOIN conclusions c "
               "ON c.conclusion_id = r.conclusion_id" + (" WHERE " + " AND ".join(where) if where else ""))
        with self.backend.transaction() as conn:
            frame = conn.query(sql, params)
        frame = _dated(frame, ("as_of", "remedy_deadline"))
        if frame.empty:
            return frame
        # A conclusion drafted again for the same unit and date replaces the earlier draft.
        latest = (frame.sort_values(["recorded_at", "conclusion_id"]).groupby(["unit_id", "as_of"])["conclusion_id"]
                  .last())
        return frame.loc[frame["conclusion_id"].isin(set(latest))].sort_values(
            ["unit_id", "as_of", "item_no"], kind="stable").reset_index(drop=True)

    def observations(self, unit_id: str | None = None) -> pd.DataFrame:
        """Every sighting of every finding (of one unit), with its run's kind and dates."""
        with self.backend.transaction() as conn:
            return _observations(conn, unit_id=unit_id)

    def decisions(self, unit_id: str | None = None) -> pd.DataFrame:
        """Every decision recorded (on one unit's findings), oldest first."""
        with self.backend.transaction() as conn:
            return _decisions(conn, unit_id=unit_id)

    # Item 3 and item 5 live in their own modules; bound here for one object to hold.
    def follow_up(self, unit_id: str, as_of: Any, current_findings: pd.DataFrame) -> Any:
        """The follow-up of the unit's earlier conclusion (see :func:`audit.register.followup.follow_up`)."""
        from .followup import follow_up

        return follow_up(self, unit_id, as_of, current_findings)

    def metrics(self, unit_ids: Sequence[str] | None = None, as_of: Any = None) -> pd.DataFrame:
        """Per unit: findings by state and age, overdue remedies, repeat violations
        (see :func:`audit.register.metrics.register_metrics`)."""
        from .metrics import register_metrics

        return register_metrics(self, unit_ids, as_of)


# -- queries shared by the methods -----------------------------------------------------------------
def _dated(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    for c in columns:
        if c in frame:
            frame[c] = _days(frame[c])
    return frame


def _in_list(name: str, values: Sequence[str], params: dict[str, Any]) -> str:
    keys = []
    for i, v in enumerate(values):
        params[f"{name}{i}"] = v
        keys.append(f":{name}{i}")
    return f"({', '.join(keys)})" if keys else "(NULL)"


def _observations(conn: Connection, *, unit_id: str | None = None,
                  finding_ids: Sequence[str] | None = None) -> pd.DataFrame:
    params: dict[str, Any] = {}
    sql = ("SELECT o.*, r.as_of, r.started_at, r.kind FROM observations o JOIN runs r ON r.run_id = o.run_id")
    if unit_id is not None:
        sql += " WHERE o.unit_id = :unit"
        params["unit"] = str(unit_id)
    elif finding_ids is not None:
        sql += " WHERE o.finding_id IN " + _in_list("f", list(dict.fromkeys(finding_ids)), params)
    frame = conn.query(sql + " ORDER BY r.as_of, r.started_at", params)
    frame = _dated(frame, ("as_of", "occurred_on"))
    frame["ongoing"] = pd.array(frame["ongoing"].to_numpy(), dtype="boolean")
    return frame


def _decisions(conn: Connection, *, unit_id: str | None = None,
               finding_ids: Sequence[str] | None = None) -> pd.DataFrame:
    params: dict[str, Any] = {}
    sql = "SELECT * FROM dispositions"
    if unit_id is not None:
        sql += " WHERE finding_id IN (SELECT finding_id FROM observations WHERE unit_id = :unit)"
        params["unit"] = str(unit_id)
    elif finding_ids is not None:
        sql += " WHERE finding_id IN " + _in_list("f", list(dict.fromkeys(finding_ids)), params)
    frame = conn.query(sql + " ORDER BY recorded_at, disposition_id", params)
    return _dated(frame, ("decided_on",))


def _latest_decisions(decisions: pd.DataFrame) -> pd.DataFrame:
    return decisions.sort_values(["recorded_at", "disposition_id"], kind="stable").drop_duplicates(
        "finding_id", keep="last")


def _insert_decisions(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    frame = pd.DataFrame(rows, dtype="object")
    frame.insert(0, "disposition_id", [uuid.uuid4().hex for _ in rows])
    frame["recorded_at"] = pd.Series([_now()] * len(rows), dtype="datetime64[us]")
    conn.insert_frame("dispositions", frame)


def current_state(obs: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Each finding's state from its sightings and the decisions on it (see Register.findings)."""
    columns = ["finding_id", "rule_id", "unit_id", "case_id", "category", "severity", "finding_kind", "ongoing",
               "first_seen", "last_seen", "runs_seen", "state", "reviewer", "decided_on", "reason", "evidence",
               "needs_review", "unchanged_since_decision", "finding_evidence", "evidence_fingerprint"]
    if obs.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    ordered = obs.sort_values(["as_of", "started_at"], kind="stable")
    groups = ordered.groupby("finding_id", sort=True)
    last = groups.tail(1).set_index("finding_id")
    # Sorted by date: the first and the last sighting (min/max of date objects run in Python).
    out = pd.DataFrame({"first_seen": groups["as_of"].first(), "last_seen": groups["as_of"].last(),
                        "runs_seen": groups["run_id"].nunique()})
    for c in ("rule_id", "unit_id", "case_id", "category", "severity", "finding_kind", "ongoing",
              "evidence_fingerprint"):
        out[c] = last[c]
    out["finding_evidence"] = last["evidence"]
    latest = _latest_decisions(decisions).set_index("finding_id") if len(decisions) else None
    for c in ("state", "reviewer", "decided_on", "reason", "evidence"):
        out[c] = latest[c].reindex(out.index) if latest is not None else None
    decided_print = (latest["evidence_fingerprint"].reindex(out.index) if latest is not None
                     else pd.Series(None, index=out.index, dtype="object"))
    decided = out["state"].notna()
    same = decided & (decided_print == out["evidence_fingerprint"])
    changed = (out["state"] == "dismissed") & ~same
    out["needs_review"] = changed.astype("bool")
    out["unchanged_since_decision"] = same.astype("bool")
    out["state"] = out["state"].where(decided & ~changed, "pending")
    out["runs_seen"] = out["runs_seen"].astype("int64")
    out = out.reset_index()
    return out[columns].sort_values(["unit_id", "rule_id", "finding_id"], kind="stable").reset_index(drop=True)


def open_register(target: str | Path | None = None) -> Register:
    """Open (creating or migrating) the findings register.

    Parameters
    ----------
    target : path, database URL or None
        A DuckDB file path, or a SQLAlchemy URL (``postgresql://user@host/db``; the
        tables go in the connection's schema). None: env ``AUDIT_REGISTER``, else
        ``outputs/register.duckdb``.

    Returns
    -------
    Register
        Usable as a context manager.

    Raises
    ------
    RegisterError
        The database cannot be reached, the file is locked by another process past a
        short wait, or the register was written by a newer toolkit.
    """
    backend = backend_for(resolve_target(target))
    with backend.transaction() as conn:
        if isinstance(backend, SQLBackend) and backend.engine.dialect.name == "postgresql":
            # Two first openers at once would both create the tables: the first one does.
            conn.execute("SELECT pg_advisory_xact_lock(7151300)")
        migrate(conn, backend.description)
    return Register(backend)
