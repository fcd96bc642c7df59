"""Time reading a province's workbook: python-calamine (the reader) against openpyxl.

    .venv/bin/python benchmarks/bench_excel.py [--units 8] [--cases-per-unit 1500]

Builds the demo province (``audit demo-data`` defaults: 8 units, 1,500 cases
each), writes every contract table to one ``.xlsx`` sheet (openpyxl, write-only
mode) under ``benchmarks/data/``, then prints the wall time and peak memory of
``load_raw`` (calamine, the file read once), of a unit audit from the workbook
(unit and province from one read), of the unit check ``audit run`` makes
before the kernel starts (the units sheet alone), and of the same cells read
with openpyxl in read-only mode, as the reader did before.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--units", type=int, default=8)
    p.add_argument("--cases-per-unit", type=int, default=1500)
    args = p.parse_args()

    import duckdb
    from openpyxl import Workbook, load_workbook

    from audit.contract import TABLES
    from audit.demo import write_demo_database
    from audit.io import load_raw
    from audit.io.units import source_units
    from audit.pipeline import audit_unit

    data = HERE / "data"
    data.mkdir(exist_ok=True)
    db = data / f"province-{args.units}x{args.cases_per_unit}.duckdb"
    book_path = db.with_suffix(".xlsx")
    if not db.exists():
        write_demo_database(db, units=args.units, cases_per_unit=args.cases_per_unit, seed=7)
    if not book_path.exists():
        t = time.perf_counter()
        book = Workbook(write_only=True)
        with duckdb.connect(str(db), read_only=True) as con:
            present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            for table in TABLES:
                if table not in present:
                    continue
                frame = con.execute(f'SELECT * FROM "{table}"').df()
                sheet = book.create_sheet(table)
                sheet.append(list(frame.columns))
                for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
                    sheet.append([v.date() if hasattr(v, "date") else v for v in row])
        book.save(book_path)
        print(f"write xlsx              {time.perf_counter() - t:8.1f} s")

    t = time.perf_counter()
    raw = load_raw(str(book_path))
    rows = sum(len(f) for f in raw.tables.values())
    print(f"calamine, load_raw      {time.perf_counter() - t:8.2f} s   {rows:,} rows   peak {peak_mib():,.0f} MiB")

    t = time.perf_counter()
    result = audit_unit(str(book_path), "KV01", "2026-10-15", "2025-10-01", "2026-09-30")
    print(f"unit audit from xlsx    {time.perf_counter() - t:8.2f} s   {len(result.peer_units)} units compared, "
          f"{len(result.findings):,} findings   peak {peak_mib():,.0f} MiB")

    t = time.perf_counter()
    units = source_units(str(book_path))
    print(f"unit check (units only) {time.perf_counter() - t:8.2f} s   {len(units)} units")

    t = time.perf_counter()
    book = load_workbook(book_path, read_only=True, data_only=True)
    cells = sum(len(r) for ws in book for r in ws.iter_rows(values_only=True))
    book.close()
    print(f"openpyxl, read-only     {time.perf_counter() - t:8.2f} s   {cells:,} cells   peak {peak_mib():,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
