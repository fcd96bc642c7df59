"""Time ``audit scan`` over national-scale demo data: 355 units, about one million cases.

    .venv/bin/python benchmarks/bench_scan.py [--units 355] [--cases-per-unit 2800] [--rebuild]

Builds (once) ``benchmarks/data/national-<units>x<cases>.duckdb``, then loads,
validates, measures and runs every registered rule over all units, printing
the wall time of each stage and of each rule, and the peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--units", type=int, default=355)
    p.add_argument("--cases-per-unit", type=int, default=2800)
    p.add_argument("--as-of", default="2026-10-15")
    p.add_argument("--rebuild", action="store_true")
    args = p.parse_args()

    from audit.demo import write_demo_database
    from audit.export import write_findings, write_kpis
    from audit.io import load_raw
    from audit.pipeline import scan_source
    from audit.validate import validate

    db = HERE / "data" / f"national-{args.units}x{args.cases_per_unit}.duckdb"
    if args.rebuild or not db.exists():
        t = time.perf_counter()
        summary = write_demo_database(db, units=args.units, cases_per_unit=args.cases_per_unit, seed=11)
        print(f"build     {time.perf_counter() - t:8.1f} s   {summary.counts.get('cases', 0):,} cases, "
              f"{summary.counts.get('events', 0):,} events   peak {peak_mib():,.0f} MiB")

    total = time.perf_counter()
    t = time.perf_counter()
    raw = load_raw(str(db))
    print(f"load      {time.perf_counter() - t:8.1f} s   peak {peak_mib():,.0f} MiB")
    t = time.perf_counter()
    records = validate(raw)
    del raw
    print(f"validate  {time.perf_counter() - t:8.1f} s   {len(records.cases):,} cases   peak {peak_mib():,.0f} MiB")
    t = time.perf_counter()
    result = scan_source(records, dt.date.fromisoformat(args.as_of))
    print(f"scan      {time.perf_counter() - t:8.1f} s   {len(result.findings):,} findings over "
          f"{len(result.kpis):,} units   peak {peak_mib():,.0f} MiB")
    for rule_id, seconds in sorted(result.timings.items(), key=lambda kv: -kv[1]):
        print(f"    {rule_id:<20} {seconds:7.2f} s")
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        write_findings(result.findings, Path(out))
        write_kpis(result.kpis, Path(out))
    print(f"write     {time.perf_counter() - t:8.1f} s")
    print(f"TOTAL     {time.perf_counter() - total:8.1f} s (load to files)   peak RSS {peak_mib():,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
