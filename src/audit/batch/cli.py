"""``audit batch``: its arguments and what it prints.

Exit codes: 0 when every unit was audited (now or by an earlier run whose files
still verify), 4 when the batch finished but some units failed (they are listed
in index.html and batch.json with their reason), 2 for bad input before any
unit ran, 130 when interrupted (run the same command again to resume).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_arguments", "run"]


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return n


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``batch`` sub-command's arguments."""
    from ..cli import _date, _positive, add_rule_params

    p.add_argument("--source", required=True,
                   help="case records of the units: best a store written by audit import (each unit "
                        "reads only its rows); any source audit run takes works")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--units", metavar="all|ID,ID",
                       help="all: every unit with cases; or a comma-separated list of unit ids")
    which.add_argument("--province", metavar="ID", help="the units under this supervising unit")
    p.add_argument("--as-of", required=True, type=_date, help="audit date (YYYY-MM-DD); later events are ignored")
    p.add_argument("--period-start", type=_date, help="start of the statistical period (default: 1 October)")
    p.add_argument("--period-end", type=_date, help="end of the statistical period (default: the audit date)")
    p.add_argument("--out", required=True, type=Path,
                   help="the batch folder: one folder per unit, index.html, batch.json")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the reports and the index (default vi)")
    add_rule_params(p)
    p.add_argument("--targets", type=Path,
                   help="CSV unit_id,cases_target,money_target (percent; unit_id * for every other unit)")
    p.add_argument("--workers", type=_workers, help="local worker processes (default: the number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster (tcp://host:8786); its workers must see "
                        "--source and --out at the same paths")
    p.add_argument("--force", action="store_true", help="audit every unit again, even those already done")
    p.add_argument("--timeout", type=_positive, help="seconds allowed per notebook cell")
    from ..register.cli import add_register_option

    add_register_option(p, optional_off=True)


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # a terminated batch still writes what it did, then resumes next time


def run(args: argparse.Namespace) -> int:
    """Run the batch the arguments describe and print where its index is."""
    from ..cli import _register_of
    from .run import run_batch

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        result = run_batch(args.source, args.as_of, args.out, units=args.units, province=args.province,
                           period_start=args.period_start, period_end=args.period_end, lang=args.lang,
                           params_file=args.rule_params, targets=args.targets, workers=args.workers,
                           scheduler=args.scheduler, force=args.force, timeout=args.timeout,
                           quiet=args.quiet, register=_register_of(args, True))
    finally:
        signal.signal(signal.SIGTERM, previous)
    ran, kept = result.count("ok"), result.count("skipped")
    failed, not_run = result.count("failed"), result.count("not_run")
    n = len(result.outcomes)
    summary = f"{n} unit{'' if n == 1 else 's'}: {ran} audited, {kept} kept from an earlier run, {failed} failed"
    print(summary + (f", {not_run} not run" if not_run else ""))
    for o in result.outcomes:
        if o.status == "failed":
            print(f"  failed: {o.unit_id}: {o.reason}", file=sys.stderr)
    print(f"index:    {result.index_html}")
    print(f"manifest: {result.manifest_json}")
    if result.register:
        print(f"register: {result.register}")
    if result.interrupted:
        print("audit batch: interrupted; run the same command again to resume", file=sys.stderr)
    return result.exit_code
