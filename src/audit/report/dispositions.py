"""A reviewer's dispositions of findings, as a run's conclusion and workbook use them.

Dispositions come from the findings register (:mod:`audit.register`) or from a
file a team filled in offline (CSV or workbook; :func:`read_dispositions`):
``confirmed``, ``dismissed`` (with a reason), ``remedied`` (with evidence) or
``pending``. Finding ids are stable across runs, so a list made on one run
applies to the next. Dismissed findings are left out of the inspection
conclusion and marked in findings.xlsx; a remedied violation is a confirmed one
that has since been put right; pending ones and findings not in the list are
unreviewed drafts. Ids that match no finding of the run are counted in the
manifest, never silently ignored.
"""

from __future__ import annotations

import pandas as pd

from ..register.sheet import STATES, read_dispositions

__all__ = ["DISPOSITIONS", "read_dispositions", "split_findings", "from_register"]

DISPOSITIONS = STATES


def split_findings(findings: pd.DataFrame, dispositions: pd.DataFrame
                   ) -> tuple[pd.DataFrame, pd.Series, dict[str, int]]:
    """The findings the conclusion keeps (all but the dismissed), each finding's
    disposition ("" when none was given) and the counts for the manifest."""
    by_id = dict(zip(dispositions["finding_id"], dispositions["disposition"], strict=True))
    disposition = pd.Series([by_id.get(fid, "") for fid in findings["finding_id"]], index=findings.index,
                            dtype="str")
    kept = findings.loc[disposition != "dismissed"].reset_index(drop=True)
    counts = {state: int((disposition == state).sum()) for state in STATES}
    counts["unmatched"] = int((~dispositions["finding_id"].isin(findings["finding_id"])).sum())
    return kept, disposition, counts


def from_register(state: pd.DataFrame) -> pd.DataFrame:
    """The register's current states (:meth:`audit.register.Register.findings`) as a
    dispositions frame: only findings someone decided on (pending ones are left out)."""
    decided = state.loc[state["state"].isin(("confirmed", "dismissed", "remedied"))]
    return pd.DataFrame({"finding_id": decided["finding_id"].astype("str").to_numpy(),
                         "disposition": decided["state"].astype("str").to_numpy()})
