"""Time one unit's audit (the per-unit path of ``audit run``) on national-scale demo data.

    .venv/bin/python benchmarks/bench_run.py [--unit KV100] [--units 355] [--cases-per-unit 2800]

Uses the database ``bench_scan.py`` builds (and builds it when missing). Prints
the wall time and peak memory of the audit computed in this process, with and
without the province comparison (which reads every unit under the same
supervising unit), and of the whole ``audit run``: kernel start, notebook,
HTML export and files, whose peak memory is the kernel's.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size so far, in MiB (Linux reports KiB); RUSAGE_CHILDREN: the largest child."""
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--unit", default="KV100")
    p.add_argument("--units", type=int, default=355)
    p.add_argument("--cases-per-unit", type=int, default=2800)
    p.add_argument("--as-of", default="2026-10-15")
    args = p.parse_args()

    from audit.demo import write_demo_database
    from audit.pipeline import audit_unit
    from audit.report import run_unit_report

    db = HERE / "data" / f"national-{args.units}x{args.cases_per_unit}.duckdb"
    if not db.exists():
        t = time.perf_counter()
        write_demo_database(db, units=args.units, cases_per_unit=args.cases_per_unit, seed=11)
        print(f"build          {time.perf_counter() - t:8.1f} s")

    period = ("2025-10-01", "2026-09-30")
    t = time.perf_counter()
    alone = audit_unit(str(db), args.unit, args.as_of, *period, peers=False)
    print(f"audit, unit only        {time.perf_counter() - t:8.1f} s   {len(alone.records.cases):,} cases, "
          f"{len(alone.findings):,} findings   peak {peak_mib():,.0f} MiB")
    t = time.perf_counter()
    compared = audit_unit(str(db), args.unit, args.as_of, *period)
    print(f"audit, with province    {time.perf_counter() - t:8.1f} s   {len(compared.peer_units):,} units "
          f"compared   peak {peak_mib():,.0f} MiB")
    del alone, compared
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        outputs = run_unit_report(str(db), args.unit, args.as_of, out, *period)
        size = outputs.report_html.stat().st_size
        print(f"audit run (notebook)    {time.perf_counter() - t:8.1f} s   report.html {size / 1024:,.0f} KiB   "
              f"kernel peak {peak_mib(resource.RUSAGE_CHILDREN):,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
