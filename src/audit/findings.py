"""The findings table (docs/contract.md) and how a rule's hits become findings.

A rule's ``detect`` returns raw hits: one row per finding with ``entity_id``
and, where known, ``case_id``, ``unit_id``, ``executor_id``, ``event_date``,
``occurred_on`` (violations), ``days_over``, ``amount``, ``score``, ``pack`` (index of the rule pack that
judged it), ``key`` (what makes the finding unique beyond rule and entity),
``source_*`` columns, and evidence fields named ``ev_<name>`` that fill the
rule's evidence text (declared with the rule). :func:`finalize` adds the rule's
declaration, the stable id, the legal basis and the evidence line in the run's language.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .contract import FINDING_COLUMNS
from .i18n import catalogue, fmt_date, fmt_decimal, fmt_int, fmt_money, t

if TYPE_CHECKING:
    from .rules.context import RuleContext
    from .rules.registry import Rule

__all__ = ["FINDING_DTYPES", "empty_findings", "finalize", "concat_findings", "finding_id", "format_value"]

FINDING_DTYPES = {c: "str" for c in FINDING_COLUMNS} | {
    "score": "float64",
    "event_date": "datetime64[s]",
    "occurred_on": "datetime64[s]",
    "ongoing": "boolean",
    "days_over": "Int64",
    "amount": "Int64",
    "source_row": "Int64",
}
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
# Hit variants that mean the violation still holds on the audit date: the action is
# still missing, the money still held, the complaint still unresolved.
_ONGOING_VARIANTS = ("missing", "held", "pending")
# Violations that are a state of the case on the audit date rather than a past act.
_STATE_RULES = frozenset({"ST-NO-ACTION", "MC-ASSETS-FOUND", "MC-NO-VERIFICATION", "DL-REVERIFY"})


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=FINDING_DTYPES[c]) for c in FINDING_COLUMNS})


def finding_id(rule_id: str, entity_type: str, entity_id: str, key: str = "") -> str:
    """Stable across runs for the same rule, entity and key."""
    digest = hashlib.sha1(f"{rule_id}|{entity_type}|{entity_id}|{key}".encode()).hexdigest()
    return f"{rule_id}-{digest[:12]}"


def format_value(name: str, value: object, lang: str) -> str:
    """An evidence field as the reader sees it: money, dates, counts, shares and p- or
    q-values in the language's forms, contract codes in words."""
    if name.endswith(("_code", "_codes")) and isinstance(value, str):
        # Contract codes (land, with_conditions, ...) read in the report's language.
        return ", ".join(t(f"code.{c}", lang) if f"code.{c}" in catalogue() else c
                         for c in value.split(", "))
    if name.endswith("_vnd"):
        return fmt_money(value, lang)
    if (name in ("p", "q") or name.endswith(("_p", "_q"))) and isinstance(value, float | np.floating):
        # a p- or q-value: two significant digits, and no e-notation a reviewer would have to
        # decode: anything under one in ten thousand reads "< 0,0001"
        if float(value) < 1e-4:
            return "< 0,0001" if lang == "vi" else "< 0.0001"
        text = f"{float(value):.2g}"
        return text.replace(".", ",") if lang == "vi" else text
    if isinstance(value, pd.Timestamp):
        return fmt_date(value, lang)
    if isinstance(value, int | np.integer):
        return fmt_int(value, lang)
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return fmt_int(int(value), lang)  # a count that went through a float column
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, float | np.floating):
        return fmt_decimal(value, lang)  # a ratio, share or z-score: 12,5 in Vietnamese
    return str(value)


def finalize(hits: pd.DataFrame, rule: Rule, ctx: RuleContext) -> pd.DataFrame:
    """Turn a rule's raw hits into findings rows (docs/contract.md columns and more)."""
    if hits is None or hits.empty:
        return empty_findings()
    n = len(hits)
    out = pd.DataFrame(index=hits.index)
    out["rule_id"] = rule.rule_id
    out["category"] = rule.category
    out["severity"] = hits.get("severity", rule.severity)
    out["entity_type"] = hits["entity_type"].fillna(rule.entity_type) if "entity_type" in hits else rule.entity_type
    out["entity_id"] = hits["entity_id"].astype("str")
    for col in ("unit_id", "case_id", "executor_id", "source_table", "source_column", "source_value"):
        out[col] = hits[col].astype("str") if col in hits else pd.Series(pd.NA, index=hits.index, dtype="str")
    out["score"] = hits["score"].astype("float64") if "score" in hits else 1.0
    out["event_date"] = hits["event_date"].astype("datetime64[s]") if "event_date" in hits else pd.NaT
    out["finding_kind"] = rule.kind
    # The day the violation happened (the deadline that passed, the day of the act): it
    # places the finding inside or before the audited period.
    out["occurred_on"] = hits["occurred_on"].astype("datetime64[s]") if "occurred_on" in hits else pd.NaT
    if rule.kind != "violation":
        out["ongoing"] = pd.NA
    elif "ongoing" in hits:
        out["ongoing"] = hits["ongoing"].astype("boolean")
    elif rule.rule_id in _STATE_RULES:
        out["ongoing"] = True
    else:
        out["ongoing"] = (hits["variant"].isin(_ONGOING_VARIANTS) if "variant" in hits
                          else pd.Series(False, index=hits.index))
    for col in ("days_over", "amount", "source_row"):
        out[col] = hits[col].astype("Int64") if col in hits else pd.array([pd.NA] * n, dtype="Int64")

    packs = hits["pack"].to_numpy() if "pack" in hits else np.full(n, len(ctx.settings.packs) - 1)
    bases = {p: ctx.settings.legal_basis(rule.rule_id, int(p), ctx.lang) for p in np.unique(packs)}
    out["legal_basis"] = [bases[p] for p in packs]
    out["rule_pack"] = [ctx.settings.packs[int(p)].name if bases[p] else "" for p in packs]

    keys = hits["key"].astype("str").tolist() if "key" in hits else [""] * n
    out["finding_id"] = [finding_id(rule.rule_id, et, eid, k)
                         for et, eid, k in zip(out["entity_type"], out["entity_id"], keys, strict=True)]

    ev_cols = [c for c in hits.columns if c.startswith("ev_")]
    # A rule with several kinds of hit (late / missing) names the variant of its message.
    variants = hits["variant"].fillna("").tolist() if "variant" in hits else [""] * n
    # Each evidence column formatted once per distinct value (a national scan repeats the
    # same dates, limits and amounts across hundreds of thousands of findings).
    fields = {c[3:]: _formatted(c[3:], hits[c].tolist(), ctx.lang) for c in ev_cols}
    names = list(fields)
    rows = zip(*fields.values(), strict=True) if fields else iter([()] * n)
    out["evidence"] = [
        rule.text(f"evidence_{v}" if v else "evidence", ctx.lang, **dict(zip(names, r, strict=True)))
        for v, r in zip(variants, rows, strict=True)
    ]
    out["problem_id"] = out["finding_id"]  # until audit.problems ties overlapping rules together
    out = out.reset_index(drop=True)
    return out.astype(FINDING_DTYPES)[list(FINDING_COLUMNS)]


def _formatted(name: str, values: list[object], lang: str) -> list[str]:
    """:func:`format_value` of each value, computed once per distinct (type, value)."""
    done: dict[tuple[type, object], str] = {}
    out = []
    for x in values:
        try:
            key = (type(x), x)
            text = done.get(key)
            if text is None:
                text = done[key] = format_value(name, x, lang)
        except TypeError:  # an unhashable value
            text = format_value(name, x, lang)
        out.append(text)
    return out


def concat_findings(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_findings()
    out = pd.concat(frames, ignore_index=True)
    order = out["severity"].map(SEVERITY_ORDER)
    out = out.assign(_o=order).sort_values(["_o", "rule_id", "unit_id", "entity_id", "finding_id"],
                                           kind="stable").drop(columns="_o")
    return out.reset_index(drop=True).astype(FINDING_DTYPES)
