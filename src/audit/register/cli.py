"""``audit disposition`` and ``audit register ...``: the register from the command line.

    audit disposition FINDING_ID --state dismissed --reviewer NAME --reason TEXT
    audit register import FILE [--reviewer NAME]     a dispositions CSV or workbook, all or nothing
    audit register show [--unit UNIT] [--csv FILE]   each finding's current state
    audit register history FINDING_ID                every sighting and decision
    audit register metrics [--unit UNIT]             per unit: states, ages, overdue, repeats

Every command takes ``--register PATH_OR_URL`` (default: env AUDIT_REGISTER,
else outputs/register.duckdb). Exit codes: 0 done; 2 bad input (an unknown
finding, a bad state, a missing reason or evidence, a file with errors: nothing
is applied); 1 the register cannot be opened (locked past a short wait,
unreachable, or newer than this toolkit).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .backend import DEFAULT_PATH, ENV_VAR
from .sheet import STATES

__all__ = ["add_register_option", "add_commands", "disposition", "register"]

_HELP = (f"the findings register: a .duckdb file or a database URL (default: env {ENV_VAR}, "
         f"else {DEFAULT_PATH})")


def add_register_option(p: argparse.ArgumentParser, *, optional_off: bool = False) -> None:
    """``--register`` (and ``--no-register`` for the commands that record by default)."""
    p.add_argument("--register", metavar="PATH_OR_URL", help=_HELP)
    if optional_off:
        p.add_argument("--no-register", action="store_true", help="do not record this run in the register")


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The ``disposition`` and ``register`` sub-commands."""
    from ..cli import _date

    d = sub.add_parser("disposition", help="record a reviewer's decision on one finding in the register",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("finding_id")
    d.add_argument("--state", required=True, choices=STATES)
    d.add_argument("--reviewer", required=True, help="who decides")
    d.add_argument("--reason", help="why the finding is dismissed (required with --state dismissed)")
    d.add_argument("--evidence", help="the evidence of the remedy (required with --state remedied)")
    d.add_argument("--decided-on", type=_date, help="the day of the decision (default today)")
    add_register_option(d)

    reg = sub.add_parser("register", help="the findings register: import dispositions, show, history, metrics",
                         description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = reg.add_subparsers(dest="register_command", required=True, metavar="ACTION")
    imp = actions.add_parser("import", help="apply a dispositions CSV or workbook: every row or none")
    imp.add_argument("file", type=Path)
    imp.add_argument("--reviewer", help="the reviewer of rows that name none")
    show = actions.add_parser("show", help="each finding's current state")
    show.add_argument("--unit", help="only this unit's findings")
    show.add_argument("--csv", type=Path, help="write the table to this CSV file instead of printing it")
    hist = actions.add_parser("history", help="every sighting of a finding and every decision on it")
    hist.add_argument("finding_id")
    met = actions.add_parser("metrics", help="per unit: findings by state and age, overdue remedies, repeats")
    met.add_argument("--unit", action="append", help="this unit only (repeatable)")
    for p in (imp, show, hist, met):
        add_register_option(p)


def _print(frame: pd.DataFrame) -> None:
    if frame.empty:
        print("(none)")
        return
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                           "display.max_colwidth", 60):
        print(frame.to_string(index=False))


def disposition(args: argparse.Namespace) -> int:
    """``audit disposition``."""
    from . import open_register

    with open_register(args.register) as reg:
        reg.set_disposition(args.finding_id, args.state, reviewer=args.reviewer, decided_on=args.decided_on,
                            reason=args.reason, evidence=args.evidence)
        print(f"{args.finding_id}: {args.state} by {args.reviewer} (register {reg.description})")
    return 0


def register(args: argparse.Namespace) -> int:
    """``audit register ACTION``."""
    from . import open_register

    with open_register(args.register) as reg:
        action = args.register_command
        if action == "import":
            done = reg.import_dispositions(args.file, reviewer=args.reviewer)
            states = ", ".join(f"{n} {s}" for s, n in sorted(done.by_state.items())) or "nothing new"
            print(f"{args.file}: {done.applied} decisions recorded ({states}); {done.unchanged} unchanged "
                  f"(register {reg.description})")
        elif action == "show":
            state = reg.findings(args.unit)
            shown = state[["finding_id", "rule_id", "unit_id", "case_id", "severity", "state", "needs_review",
                           "reviewer", "decided_on", "first_seen", "last_seen", "runs_seen"]]
            if args.csv is not None:
                state.to_csv(args.csv, index=False, encoding="utf-8-sig")  # a BOM: Excel reads it as UTF-8
                print(f"{len(state)} findings: {args.csv}")
            else:
                _print(shown)
        elif action == "history":
            _print(reg.history(args.finding_id).drop(columns=["evidence_fingerprint"]))
        else:
            _print(reg.metrics(args.unit))
    sys.stdout.flush()
    return 0
