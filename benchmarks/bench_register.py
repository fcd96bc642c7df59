"""Time the findings register at a province's or the country's scale.

    .venv/bin/python benchmarks/bench_register.py [--findings 50000] [--units 100] [--pg URL]

Builds a synthetic findings table (``--findings`` rows over ``--units`` units),
then, on a DuckDB file (and on PostgreSQL with ``--pg``, in a schema of its
own that is dropped afterwards), prints the wall time and the peak memory of:
recording it as one scan, recording it again a year later, importing a
dispositions file deciding one finding in ten, the current state of every
finding, one unit's follow-up, and the metrics of every unit.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(n: int, units: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.array([f"U{u:03d}" for u in rng.integers(0, units, n)])
    rules = np.array(["DL-DECISION", "DL-VERIFY", "ST-NO-ACTION", "DI-LATE", "MC-ASSETS-FOUND"])[rng.integers(0, 5, n)]
    return pd.DataFrame({
        "finding_id": [f"{r}-{i:012x}" for i, r in enumerate(rules)], "rule_id": rules, "unit_id": unit,
        "case_id": [f"{u}-{i:06d}" for i, u in enumerate(unit)], "entity_type": "case",
        "entity_id": [f"{u}-{i:06d}" for i, u in enumerate(unit)], "category": "deadline", "severity": "high",
        "finding_kind": "violation", "ongoing": pd.array(rng.random(n) < 0.6, dtype="boolean"),
        "occurred_on": pd.to_datetime("2025-03-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D"),
        "amount": pd.array(rng.integers(1, 10**9, n), dtype="Int64"), "evidence": "late"})


def step(name: str, fn):
    t = time.perf_counter()
    out = fn()
    print(f"  {name:<34} {time.perf_counter() - t:8.2f} s   peak {peak_mib():7.0f} MiB")
    return out


def bench(target: str, findings: pd.DataFrame, tmp: Path) -> None:
    from audit.register import open_register

    later = findings.sample(frac=0.7, random_state=1)  # 30% gone a year later
    with open_register(target) as reg:
        step("record a scan", lambda: reg.record_run(findings, kind="scan", unit_ids=["all"], as_of="2025-10-15",
                                                     period_start=None, period_end=None, manifest_fingerprint="x"))
        decided = findings.iloc[::10]
        path = tmp / "dispositions.csv"
        pd.DataFrame({"finding_id": decided["finding_id"], "disposition": "confirmed"}).to_csv(path, index=False)
        step(f"import {len(decided):,} dispositions", lambda: reg.import_dispositions(path, reviewer="bench"))
        unit = findings["unit_id"].iloc[0]
        items = decided.loc[decided["unit_id"] == unit, ["finding_id", "rule_id", "case_id"]].assign(
            remedy_deadline=pd.Timestamp("2025-11-14").date())
        reg.record_conclusion(unit, "2025-10-15", items)
        step("record a scan a year later", lambda: reg.record_run(later, kind="scan", unit_ids=["all"],
                                                                  as_of="2026-10-15", period_start=None,
                                                                  period_end=None, manifest_fingerprint="y"))
        state = step("current state of every finding", reg.findings)
        fu = step("one unit's follow-up", lambda: reg.follow_up(unit, "2026-10-15", later))
        m = step("metrics of every unit", reg.metrics)
        print(f"  ({len(state):,} findings, {len(m)} units; follow-up {fu.counts})")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--findings", type=int, default=50_000)
    p.add_argument("--units", type=int, default=100)
    p.add_argument("--pg", help="a PostgreSQL URL to measure too (a schema is created and dropped)")
    args = p.parse_args()
    findings = synthetic(args.findings, args.units)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"DuckDB file, {len(findings):,} findings over {args.units} units")
        bench(str(Path(tmp) / "register.duckdb"), findings, Path(tmp))
        if args.pg:
            import sqlalchemy as sa

            schema = f"bench_register_{uuid.uuid4().hex[:8]}"
            engine = sa.create_engine(args.pg.replace("postgresql://", "postgresql+psycopg://", 1))
            with engine.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            try:
                print(f"PostgreSQL, {len(findings):,} findings over {args.units} units")
                bench(f"{args.pg}?options=-csearch_path%3D{schema}", findings, Path(tmp))
            finally:
                with engine.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
