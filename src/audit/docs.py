"""The repository's own copy of what it implements: ``docs/contract.md`` (the input
tables and the findings format) and ``docs/rules.md`` (the rule catalogue), written
from the contract declaration and the rule registry, so they cannot drift from the
code.

    python -m audit.docs            # (re)write docs/
    python -m audit.docs --check    # exit 1 and name the file when docs/ is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import Settings, load_settings
from .contract import (
    CATEGORIES,
    CONTRACT_VERSION,
    ENTITY_TYPES,
    FINDING_COLUMNS,
    FINDING_KINDS,
    SEVERITIES,
    TABLES,
)
from .resources import CHECKOUT
from .rules.registry import Rule, all_rules

__all__ = ["render_contract", "render_rules", "render_all", "DOCS_DIR"]

# The checkout's docs/; installed without one, docs/ in the working directory.
DOCS_DIR = (CHECKOUT or Path.cwd()) / "docs"
_GENERATED = "<!-- Written by `python -m audit.docs` from the code; edit the code, not this file. -->"

_CONVENTIONS = """\
## Conventions
- Identifiers are strings. Dates are ISO `YYYY-MM-DD` in CSV, Parquet and SQL;
  `dd/mm/yyyy` (Vietnamese office exports) and Excel date cells are accepted too.
- Money is whole VND stored as a 64-bit integer (`BIGINT` in SQL); `1.234.567`
  is accepted in text. A value that does not fit, or a total that would
  overflow, is an error or a data-quality finding, never a wrapped number.
- Booleans are `true`/`false` (also `1`/`0`, `có`/`không`).
- An empty cell is a missing value. Rows are never silently dropped: a row that
  fails validation is reported with table, row number, column and reason
  (data-quality findings `DQ-*`), and the rest is audited.
- Days are calendar days unless a rule says working days (Monday–Friday, less
  Vietnamese public holidays including Tết and official substitute days).
- Column headers and sheet names may also be given by their Vietnamese aliases.
"""

_RULES_INTRO = """\
What the toolkit checks, with the legal basis, the default thresholds (per rule
pack) and the category each finding goes to. Every number is a parameter: an
inspection file (`audit run --rule-params FILE`) can change it, and the report words
each rule with the values in force. Rule ids are stable: reports, registers and
tests refer to them.

Rule packs carry the numbers of the law: an event is judged by the pack in
force on the day its clock started. Where the new law's article-level deadlines
are not yet confirmed, the 2025 pack inherits the 2014 numbers and says so.

All checks are as of the audit date (`as_of`): events after it are ignored; an
action not done whose deadline has passed is a finding ("missing"), one whose
deadline has not passed is not. A deadline of N days from D is met on D + N.
Where a detail table lacks a row that the event log records (an
`auction_contract` event without an auctions row, say), the event is the
evidence: a deadline is never reported missed when the log shows the action in
time.

## Violations and indicators
- *violation* (vi phạm): established from the records alone against a legal
  deadline or definition; a conclusion may state it as a fact, with the
  responsible executor. Its findings carry `occurred_on`.
- *indicator* (dấu hiệu cần xác minh): a statistical or pattern signal, and
  every data-quality finding; a lead to verify, which names no one responsible
  until a reviewer confirms it.

Statistical rules that test many entities at once (executors, units, valuers,
auction organisations, pairs of bidders) control the false discovery rate
across the entities tested (Benjamini–Hochberg, `fdr`, default 0.05) and print
the q-value in the evidence. A bidder ring (AU-RING) gives one finding per
member and one per auction the ring bid in.
"""

_METRICS = """\
## Recomputed metrics (RC-REPORTED, the unit KPIs)
For a period P = [period_start, period_end]:
- on the books: received on or before period_end and not closed before
  period_start; cases entrusted or returned within P are left out;
- cases_total: cases on the books; cases_resolved: on the books, status
  completed or terminated, closed within P;
- cases_with_conditions: resolved ones, plus the others whose classification at
  period_end (the latest `classified_*` event on or before it, else the
  `condition` column) is with_conditions;
- money_total: Σ (amount_due − collections before period_start) on the books;
  money_resolved: Σ collections within P, plus for cases terminated within P
  what remained uncollected; money_with_conditions: the money_total of the
  cases counted in cases_with_conditions;
- completion rate = resolved ÷ with_conditions, by cases and by money.
"""


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_contract() -> str:
    """``docs/contract.md``: every table and column the toolkit reads, and the findings format."""
    lines = [f"# Case-record data contract, version {CONTRACT_VERSION}", "", _GENERATED, "",
             "The tables in which an enforcement unit's case records reach the toolkit (a folder of "
             "CSV files, one `.xlsx` workbook with one sheet per table, Parquet files, or tables in a SQL "
             "database), and the findings it hands back.", "", _CONVENTIONS]
    for table in TABLES.values():
        need = "required" if table.required else "optional"
        lines += [f"## {table.name} ({need})", ""]
        extra = []
        if table.key:
            extra.append(f"key: `{', '.join(table.key)}`")
        if table.parents:
            extra.append("points to: " + ", ".join(f"`{c}` → {t}" for c, t in table.parents.items()))
        if table.aliases:
            extra.append("also named: " + ", ".join(f"`{a}`" for a in table.aliases))
        if extra:
            lines += ["; ".join(extra), ""]
        lines += ["| column | type | empty allowed | values | also headed |", "|---|---|---|---|---|"]
        for col in table.columns:
            kind = "money (int64 VND)" if col.kind == "money" else col.kind
            if col.optional:
                kind += ", optional column"
            values = " \\| ".join(f"`{v}`" for v in col.vocabulary)
            lines.append(f"| {col.name} | {kind} | {'yes' if col.nullable else 'no'} | {values} | "
                         f"{_cell(', '.join(col.aliases))} |")
        lines.append("")
    lines += ["Events of type `complaint` remain valid; where the complaints table exists it is the record, "
              "and each `complaint` event must match one of its rows (by `ref` = complaint_id, or by the "
              "case and the day received). A `scheduled` auction has its contract signed and a planned "
              "`auction_date`; it is never taken as held.", "",
              "# Findings: what the toolkit hands back", "",
              "`findings.csv` (and the same rows in `.json` and `.xlsx`), one row per finding, with these "
              "columns in this order:", "",
              "| column | meaning |", "|---|---|"]
    meaning = {
        "finding_id": "stable across runs for the same rule, entity and key",
        "rule_id": "the rule that fired (docs/rules.md)",
        "category": " \\| ".join(f"`{c}`" for c in CATEGORIES),
        "severity": " \\| ".join(f"`{s}`" for s in SEVERITIES),
        "entity_type": " \\| ".join(f"`{e}`" for e in ENTITY_TYPES),
        "entity_id": "the id of that entity",
        "unit_id": "where known", "case_id": "where known", "executor_id": "where known",
        "score": "higher = more suspicious (rules: 1.0 or the size of the excess)",
        "evidence": "one line a reviewer can check against the records",
        "legal_basis": "article and law, where a legal rule applies",
        "finding_kind": " \\| ".join(f"`{k}`" for k in FINDING_KINDS),
        "occurred_on": "the day the violation happened (the deadline that passed); empty for indicators",
        "ongoing": "violations: whether it still holds on the audit date (a step still missing, money still held)",
        "problem_id": "the finding leading the problem this one belongs to (overlapping rules on one entity)",
        "rule_pack": "the rule pack that judged it",
        "event_date": "the date the finding turns on",
        "days_over": "days (or working days) past the deadline",
        "amount": "the money involved, VND",
        "source_table": "data quality: the table", "source_row": "data quality: the row in the source",
        "source_column": "data quality: the column", "source_value": "data quality: the value read",
    }
    lines += [f"| {c} | {meaning[c]} |" for c in FINDING_COLUMNS]
    return "\n".join(lines) + "\n"


def _values(rule: Rule, settings: Settings) -> list[str]:
    out = []
    for p in rule.params:
        if p.legal:
            per = [f"{pack.name}: {pack.rules.get(rule.rule_id, {}).get(p.name, p.default)}"
                   for pack in settings.packs]
            value = "; ".join(per)
        else:
            value = str(settings.param(rule.rule_id, p.name))
        out.append(f"`{p.name}` = {value} ({p.doc})")
    return out


def _basis(rule: Rule, settings: Settings) -> str:
    arts = [f"{pack.short['en']} Art. {pack.rules[rule.rule_id]['article']}" for pack in settings.packs
            if "article" in pack.rules.get(rule.rule_id, {}) and rule.rule_id not in pack.inherited]
    extra = [pack.rules[rule.rule_id]["extra"]["en"] for pack in settings.packs[:1]
             if "extra" in pack.rules.get(rule.rule_id, {})]
    parts = arts + extra
    if "basis" in rule.texts:
        parts.append(rule.text("basis", "en"))
    return "; ".join(parts) or "—"


def render_rules(settings: Settings | None = None) -> str:
    """``docs/rules.md``: the rule catalogue, from the registry and the rule packs."""
    settings = settings or load_settings()
    lines = ["# Rule catalogue", "", _GENERATED, "", _RULES_INTRO,
             "## Rule packs", "", "| pack | in force from | law |", "|---|---|---|"]
    lines += [f"| {p.name} | {p.effective_from.isoformat()} | {p.law['en']} |" for p in settings.packs]
    lines.append("")
    rules = all_rules()
    for category in CATEGORIES:
        mine = [r for r in rules if r.category == category]
        if not mine:
            continue
        lines += [f"## {category}", "", "| id | kind | severity | entity | checks | parameters (defaults) | "
                  "basis |", "|---|---|---|---|---|---|---|"]
        for r in mine:
            params = "<br>".join(_values(r, settings)) or "—"
            lines.append(f"| {r.rule_id} | {r.kind} | {r.severity} | {r.entity_type} | "
                         f"**{_cell(r.text('title', 'en'))}**: {_cell(settings.describe(r.rule_id, 'en'))} | "
                         f"{_cell(params)} | {_cell(_basis(r, settings))} |")
        lines.append("")
    lines += ["## Tables each rule needs", "", "| id | tables |", "|---|---|"]
    lines += [f"| {r.rule_id} | {', '.join(r.requires) or '— (validation)'} |" for r in rules]
    lines += ["", _METRICS]
    return "\n".join(lines).rstrip() + "\n"


def render_all() -> dict[str, str]:
    """File name in ``docs/`` -> its text."""
    return {"contract.md": render_contract(), "rules.md": render_rules()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audit.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/ differs from the code")
    parser.add_argument("--out", type=Path, default=DOCS_DIR, help="the docs folder (default: the repo's docs/)")
    args = parser.parse_args(argv)
    stale = []
    for name, text in render_all().items():
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(f"out of date (run python -m audit.docs): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
