"""Build the national-scale demo database and report its cost.

    .venv/bin/python benchmarks/build_national.py --out benchmarks/data/national.duckdb \
        --units 355 --cases-per-unit 2800

Prints the wall time of generation and of writing, the peak resident memory of
the process (``getrusage``) and the rows of every table.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def peak_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=HERE / "data" / "national.duckdb")
    p.add_argument("--units", type=int, default=355)
    p.add_argument("--cases-per-unit", type=int, default=2800)
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args()

    from audit.demo import generate
    from audit.demo.write import write_duckdb

    began = time.perf_counter()
    frames = generate(units=args.units, cases_per_unit=args.cases_per_unit, seed=args.seed)
    generated = time.perf_counter()
    print(f"generate {generated - began:8.1f} s   peak {peak_mib():8,.0f} MiB")
    counts = write_duckdb(frames, args.out)
    done = time.perf_counter()
    print(f"write    {done - generated:8.1f} s   peak {peak_mib():8,.0f} MiB   {args.out}")
    print(f"total    {done - began:8.1f} s   {args.out.stat().st_size / 2**20:,.0f} MiB on disk")
    for table, rows in counts.items():
        print(f"  {table:15s} {rows:12,d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
