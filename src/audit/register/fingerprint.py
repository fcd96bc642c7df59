"""What makes two sightings of a finding the same finding with the same content.

The finding id is stable for the same rule, entity and key; the evidence
fingerprint is a hash of the fields that say what the finding *is* (its case,
executor, the day it happened, its amount, the value it points at). Figures that
grow with the audit date alone (days over the deadline, a model's score) and the
evidence sentence (worded in the run's language) are left out, so a dismissed
finding that recurs unchanged keeps its dismissal, and one whose facts changed
comes back for review.
"""

from __future__ import annotations

import hashlib

import pandas as pd

__all__ = ["FINGERPRINT_FIELDS", "evidence_fingerprints"]

FINGERPRINT_FIELDS = ("rule_id", "entity_type", "entity_id", "case_id", "executor_id", "occurred_on",
                      "event_date", "amount", "source_table", "source_column", "source_value")


def _text(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def evidence_fingerprints(findings: pd.DataFrame) -> pd.Series:
    """One hex digest (16 characters) per finding, from :data:`FINGERPRINT_FIELDS`.

    Columns the frame lacks count as empty, so the digest of a finding does not
    depend on which optional columns a caller kept.
    """
    cols = [findings[c] if c in findings else pd.Series("", index=findings.index) for c in FINGERPRINT_FIELDS]
    rows = zip(*cols, strict=True)
    return pd.Series([hashlib.sha256("|".join(_text(v) for v in row).encode()).hexdigest()[:16] for row in rows],
                     index=findings.index, dtype="str")
