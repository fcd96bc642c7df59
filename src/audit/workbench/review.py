"""What the inspector's workbench shows and does, without any widget: the findings with
their state in the register, filtered; one finding's case laid open (its timeline, the
evidence, the records behind it); a decision recorded. The widgets
(:mod:`audit.workbench.widgets`) only call these, so every step is testable as it is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ..errors import ParameterError
from ..pipeline import UnitAudit, audit_unit
from ..register import STATES, Register, open_register
from ..report.timeline import case_marks, timeline_figure

__all__ = ["Review", "open_review", "TABLE_COLUMNS", "STATES"]

# The findings table: what a reviewer filters and reads first.
TABLE_COLUMNS = ("finding_id", "state", "rule_id", "category", "severity", "finding_kind", "case_id",
                 "executor_id", "occurred_on", "days_over", "amount", "evidence")
_CASE_COLUMNS = ("case_id", "executor_id", "case_type", "received_date", "decision_date", "amount_due",
                 "status", "condition", "closed_date")


@dataclass
class Review:
    """One unit's findings under review, against a register.

    Attributes
    ----------
    result : UnitAudit
        The unit's audit (its records and findings).
    register : Register
        Where decisions are recorded.
    reviewer : str
        Who records them.
    """

    result: UnitAudit
    register: Register
    reviewer: str
    recorded: list[str] = field(default_factory=list)

    # -- the table ---------------------------------------------------------------------------
    def table(self) -> pd.DataFrame:
        """Every finding of the unit with its state in the register (``pending`` when none)."""
        f = self.result.findings
        state = self.register.findings(str(self.result.unit.get("unit_id")))[
            ["finding_id", "state", "needs_review"]]
        out = f.merge(state, on="finding_id", how="left")
        out["state"] = out["state"].fillna("pending")
        return out[list(TABLE_COLUMNS)].reset_index(drop=True)

    def filtered(self, *, category: str = "", severity: str = "", state: str = "", text: str = "") -> pd.DataFrame:
        """The table narrowed by category, severity, state and a case-insensitive search over
        the finding id, rule, case and evidence ("" = no filter)."""
        out = self.table()
        for column, value in (("category", category), ("severity", severity), ("state", state)):
            if value:
                out = out.loc[out[column] == value]
        if text:
            hay = (out["finding_id"] + " " + out["rule_id"] + " " + out["case_id"].fillna("") + " "
                   + out["evidence"].fillna(""))
            out = out.loc[hay.str.contains(text, case=False, regex=False)]
        return out.reset_index(drop=True)

    # -- one finding -------------------------------------------------------------------------
    def finding(self, finding_id: str) -> pd.Series:
        f = self.result.findings
        row = f.loc[f["finding_id"] == finding_id]
        if row.empty:
            raise ParameterError(f"finding {finding_id} is not among unit "
                                 f"{self.result.unit.get('unit_id')}'s findings")
        return row.iloc[0]

    def timeline(self, finding_id: str) -> Figure | None:
        """The finding's case over time (None for a finding about no case)."""
        case_id = self.finding(finding_id)["case_id"]
        if pd.isna(case_id) or not str(case_id):
            return None
        return timeline_figure(self.result.records, str(case_id), self.result.findings, as_of=self.result.as_of,
                               lang=self.result.lang)

    def records_behind(self, finding_id: str) -> dict[str, pd.DataFrame]:
        """The records the finding rests on: its case's row and dated records, or for a
        finding about no case, the source row it names."""
        f = self.finding(finding_id)
        records = self.result.records
        if pd.notna(f["case_id"]) and str(f["case_id"]):
            cases = records.cases.loc[records.cases["case_id"] == f["case_id"]]
            return {"case": cases[[c for c in _CASE_COLUMNS if c in cases]].reset_index(drop=True),
                    "records": case_marks(records, str(f["case_id"]))}
        where = {k: f[k] for k in ("entity_type", "entity_id", "source_table", "source_row", "source_column",
                                   "source_value") if k in f and pd.notna(f[k])}
        return {"entity": pd.DataFrame([where])}

    def history(self, finding_id: str) -> pd.DataFrame:
        return self.register.history(finding_id)

    # -- a decision --------------------------------------------------------------------------
    def decide(self, finding_id: str, state: str, *, reason: str = "", evidence: str = "",
               decided_on: dt.date | None = None) -> None:
        """Record the reviewer's decision on one finding (see Register.set_disposition)."""
        self.finding(finding_id)
        self.register.set_disposition(finding_id, state, reviewer=self.reviewer, decided_on=decided_on,
                                      reason=reason or None, evidence=evidence or None, origin="workbench")
        self.recorded.append(finding_id)


def open_review(source: str | Path, unit_id: str, as_of: object, *, register: str | Path | None = None,
                reviewer: str = "", lang: str = "vi") -> Review:
    """Audit the unit and open its review against the register.

    The unit's findings are recorded in the register when some of them are not there yet
    (a unit never run with this register), so that every one can be decided on.

    Raises
    ------
    ParameterError
        No reviewer, or what the audit and the register raise.
    """
    if not str(reviewer).strip():
        raise ParameterError("the workbench needs the reviewer's name (parameter reviewer)")
    result = audit_unit(source, unit_id, as_of, lang=lang)
    reg = open_register(register)
    known = set(reg.findings(unit_id)["finding_id"])
    if not set(result.findings["finding_id"]) <= known:
        reg.record_run(result.findings, kind="run", unit_ids=[unit_id], as_of=result.as_of,
                       period_start=result.period_start, period_end=result.period_end,
                       manifest_fingerprint=result.records.fingerprint, operator=str(reviewer).strip())
    return Review(result, reg, str(reviewer).strip())
