"""``audit validate`` as a gate on a data delivery: the errors counted, a JSON report.

An *error* is a row the audit cannot use: it is rejected (a value that cannot
be read, a missing required value, a code outside the vocabulary, a reference
to a missing record) and counted in the table's ``rows_rejected``. The other
data-quality issues (a duplicate dropped, dates out of order, an unknown event
type or executor) are reported, but their rows are still audited. ``--fail-on N``
fails the delivery when the errors exceed N.
"""

from __future__ import annotations

import json
from typing import Any

from .records import CaseRecords

__all__ = ["errors", "validation_report", "report_json"]


def errors(records: CaseRecords) -> int:
    """The rows rejected, all tables together."""
    return int(records.counts["rows_rejected"].sum())


def _plain(value: Any) -> Any:
    if value is None or value != value:  # missing (None, NaN, pandas NA compare unequal)
        return None
    return value.item() if hasattr(value, "item") else value


def validation_report(records: CaseRecords, fail_on: int | None = None) -> dict[str, Any]:
    """The data-quality report as plain data (what ``--json`` writes).

    Parameters
    ----------
    records : CaseRecords
    fail_on : int, optional
        The most errors the delivery may hold; ``passed`` is then whether it holds no more.

    Returns
    -------
    dict
        ``source``, ``fingerprint``, ``tables`` (rows read, audited, rejected, after the
        audit date), ``errors``, ``issue_count``, ``by_rule``, ``fail_on``, ``passed`` and
        ``issues`` (each: rule_id, table, row, column, value, reason).
    """
    issues = records.issues
    n_errors = errors(records)
    return {
        "source": records.source,
        "fingerprint": records.fingerprint,
        "tables": [{k: _plain(v) for k, v in row.items()} for row in records.counts.to_dict("records")],
        "errors": n_errors,
        "issue_count": int(len(issues)),
        "by_rule": {str(k): int(v) for k, v in issues["rule_id"].value_counts().sort_index().items()},
        "fail_on": fail_on,
        "passed": None if fail_on is None else n_errors <= fail_on,
        "issues": [{c: _plain(r[c]) for c in ("rule_id", "table", "row", "column", "value", "reason")}
                   for r in issues.to_dict("records")],
    }


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=1) + "\n"
