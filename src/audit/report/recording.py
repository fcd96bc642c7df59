"""A unit run's part in the findings register: record the run, take the reviewers'
decisions from it, follow up the earlier conclusion, record the new conclusion's
recommendations."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..i18n import catalogue, t
from ..register import Register, open_register
from .dispositions import from_register

if TYPE_CHECKING:
    from ..pipeline import UnitAudit

__all__ = ["operator_name", "record_unit_run", "conclusion_items", "record_conclusion_of"]


def operator_name() -> str:
    """Who runs the toolkit (the account's name), recorded with runs and imported decisions."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in a bare container
        return "unknown"


def record_unit_run(result: UnitAudit, target: str | Path, *, dispositions: str | Path | pd.DataFrame | None,
                    operator: str | None = None) -> tuple[Register, str, pd.DataFrame]:
    """Record the run's findings, import a dispositions file given with it, and set
    ``result.follow_up``; returns the register, the run's id and the decisions now in
    force for the unit's findings (finding_id, disposition)."""
    unit = str(result.unit.get("unit_id"))
    who = operator or operator_name()
    reg = open_register(target)
    run_id = reg.record_run(result.findings, kind="run", unit_ids=[unit], as_of=result.as_of,
                            period_start=result.period_start, period_end=result.period_end,
                            manifest_fingerprint=result.records.fingerprint, operator=who)
    if dispositions is not None:
        reg.import_dispositions(dispositions, reviewer=who)
    result.follow_up = reg.follow_up(unit, result.as_of, result.findings)
    return reg, run_id, from_register(reg.findings(unit))


def conclusion_items(result: UnitAudit, disposition: pd.Series | None, deadline: dt.date) -> pd.DataFrame:
    """The violations the conclusion states, as recommendations: those still ongoing are
    to be remedied by ``deadline``; past acts call for lessons only."""
    from .conclusion.selection import select

    unit = str(result.unit.get("unit_id"))
    v = select(result.findings, unit, result.period_start, result.period_end, disposition).violations
    ongoing = v["ongoing"].fillna(False).astype("bool")
    cat = catalogue()

    def text(rule_id: str) -> str:
        key = f"conclusion.rule.{rule_id}.remedy"
        return t(key, result.lang) if key in cat else ""

    return pd.DataFrame({"finding_id": v["finding_id"].astype("str").to_numpy(),
                         "rule_id": v["rule_id"].astype("str").to_numpy(),
                         "case_id": v["case_id"].to_numpy(), "remedy_required": ongoing.to_numpy(),
                         "text": [text(str(r)) for r in v["rule_id"]],
                         "remedy_deadline": [deadline if o else None for o in ongoing]})


def record_conclusion_of(reg: Register, result: UnitAudit, run_id: str, disposition: pd.Series | None,
                         deadline: dt.date, conclusion_ref: str | None) -> dict[str, Any]:
    """Record the conclusion's recommendations; returns what the manifest says of it."""
    items = conclusion_items(result, disposition, deadline)
    cid = reg.record_conclusion(str(result.unit.get("unit_id")), result.as_of, items, run_id=run_id,
                                conclusion_ref=conclusion_ref)
    return {"conclusion_id": cid, "recommendations": int(items["remedy_required"].sum()),
            "lessons": int((~items["remedy_required"]).sum())}
