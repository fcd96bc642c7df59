"""Read once, audit many: the store and ``audit batch`` on national-scale data.

    .venv/bin/python benchmarks/bench_batch.py [--units 355] [--cases-per-unit 2800] [--unit KV100]
                                               [--batch-units 20] [--skip-scan]

Uses the national demo data ``bench_scan.py`` builds (355 regional units, about
one million cases, ten million events), exported once to a folder of CSV files
(the "same files" every figure below reads), and prints, each step in a fresh
process, its wall time and peak memory:

1. DuckDB loading the CSV files (the read floor) and ``audit scan`` on them, the ratio;
2. ``audit import`` of the CSV files into a store, and ``audit scan`` on the store;
3. papermill + nbconvert running an empty notebook on the project's kernel (the
   floor of any notebook report), and ``audit run`` of one unit on the store;
4. the same data with the 355 units spread over 34 provinces (the real shape
   since July 2025; the demo generator puts them all under one), imported into a
   store: ``audit run`` of one unit there, and ``audit batch`` of the first
   ``--batch-units`` units with 1 and then 2 workers (the speed-up).

Peak memory is that of the largest process of the step (``getrusage`` of the
step's children: for ``audit run`` it is the kernel) and, for the batch, also
the largest sum over the process tree seen while sampling every half second.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
AS_OF = "2026-10-15"
PERIOD = ["--period-start", "2025-10-01", "--period-end", "2026-09-30"]
# Runs the command given, then reports the peak RSS of its largest descendant.
_WRAP = ("import json, resource, subprocess, sys\n"
         "rc = subprocess.run(sys.argv[2:]).returncode\n"
         "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
         "open(sys.argv[1], 'w').write(json.dumps({'rc': rc, 'peak_kib': peak}))\n")


class Step:
    """Wall time, peak RSS of the largest process, and the largest sum over the tree."""

    def __init__(self, seconds: float, peak_mib: float, tree_mib: float) -> None:
        self.seconds, self.peak_mib, self.tree_mib = seconds, peak_mib, tree_mib


def measure(label: str, cmd: list[str], quiet: bool = True) -> Step:
    import psutil

    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        report = fh.name
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _WRAP, report, *cmd],
                            stdout=subprocess.DEVNULL if quiet else None, stderr=subprocess.PIPE, text=True)
    tree = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            try:
                root = psutil.Process(proc.pid)
                rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
            except psutil.Error:
                continue
            tree[0] = max(tree[0], rss / 2**20)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - began
    result = json.loads(Path(report).read_text())
    os.unlink(report)
    if result["rc"] != 0:
        raise SystemExit(f"{label} failed (exit {result['rc']}):\n{err[-2000:]}")
    step = Step(seconds, result["peak_kib"] / 1024, tree[0])
    print(f"{label:<44} {step.seconds:8.1f} s   peak {step.peak_mib:7,.0f} MiB   tree {step.tree_mib:7,.0f} MiB",
          flush=True)
    return step


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def export_csv(db: Path, folder: Path) -> None:
    """The national database as one CSV file per contract table (once)."""
    if (folder / "cases.csv").is_file():
        return
    import duckdb

    from audit.contract import TABLES

    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with duckdb.connect(str(db), read_only=True) as con:
        for table in TABLES:
            con.execute(f"COPY {table} TO '{tmp / (table + '.csv')}' (HEADER)")
    tmp.rename(folder)


def provinces(db: Path, out: Path, count: int = 34) -> None:
    """A copy of the national database whose regional units sit under ``count`` provinces."""
    if out.is_file():
        return
    import duckdb

    tmp = out.with_name(out.name + ".partial")
    shutil.copy(db, tmp)
    with duckdb.connect(str(tmp)) as con:
        for i in range(1, count + 1):
            con.execute("INSERT INTO units VALUES (?, ?, 'province', NULL)",
                        [f"P{i:02d}", f"Thi hành án dân sự tỉnh {i}"])
        con.execute(f"""UPDATE units SET parent_id = printf('P%02d', (rn - 1) % {count} + 1)
                        FROM (SELECT unit_id AS id, row_number() OVER (ORDER BY unit_id) AS rn
                              FROM units WHERE level = 'regional') r
                        WHERE units.unit_id = r.id""")
    tmp.rename(out)


def empty_notebook(folder: Path) -> Path:
    """A notebook with a parameters cell and one empty cell, on the unit notebook's kernel."""
    import nbformat

    from audit.report.paths import NOTEBOOK

    nb = nbformat.v4.new_notebook()
    nb.metadata = nbformat.read(NOTEBOOK, as_version=4).metadata  # the unit notebook's kernel
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("")]
    path = folder / "empty.ipynb"
    nbformat.write(nb, path)
    return path


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--units", type=int, default=355)
    p.add_argument("--cases-per-unit", type=int, default=2800)
    p.add_argument("--unit", help="the unit audited alone (default KV100, or the middle unit)")
    p.add_argument("--batch-units", type=int, default=20)
    p.add_argument("--skip-scan", action="store_true", help="leave out the two scans (the slowest steps)")
    args = p.parse_args()

    data = HERE / "data"
    db = data / f"national-{args.units}x{args.cases_per_unit}.duckdb"
    if not db.exists():
        measure("build the national database", [sys.executable, str(HERE / "build_national.py"), "--out", str(db),
                                                "--units", str(args.units),
                                                "--cases-per-unit", str(args.cases_per_unit)])
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        regional = [r[0] for r in con.execute(
            "SELECT unit_id FROM units WHERE level = 'regional' ORDER BY unit_id").fetchall()]
    unit = args.unit or ("KV100" if "KV100" in regional else regional[len(regional) // 2])
    csv = data / f"national-{args.units}x{args.cases_per_unit}-csv"
    export_csv(db, csv)
    size = sum(f.stat().st_size for f in csv.glob("*.csv"))
    print(f"source: {csv} ({size / 2**20:,.0f} MiB of CSV), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)

    audit = str(BIN / "audit")
    work = Path(tempfile.mkdtemp(prefix="bench-batch-", dir=data))
    try:
        load = measure("DuckDB loads the CSV files", python(
            "import duckdb, pathlib, sys\n"
            "con = duckdb.connect()\n"
            f"for f in sorted(pathlib.Path({str(csv)!r}).glob('*.csv')):\n"
            "    con.execute(f\"CREATE TABLE \\\"{f.stem}\\\" AS SELECT * FROM read_csv('{f}')\")\n"))
        if not args.skip_scan:
            scan = measure("audit scan, CSV files", [audit, "scan", "--source", str(csv), "--as-of", AS_OF,
                                                     *PERIOD, "--out", str(work / "scan-csv")])
            print(f"    scan / DuckDB load: {scan.seconds / load.seconds:.1f}x", flush=True)
        store = work / "national.duckdb"
        measure("audit import, CSV files -> store", [audit, "import", str(csv), "--to", str(store)])
        print(f"    store: {store.stat().st_size / 2**20:,.0f} MiB", flush=True)
        store_scan = None
        if not args.skip_scan:
            store_scan = measure("audit scan, store", [audit, "scan", "--source", str(store), "--as-of", AS_OF,
                                                       *PERIOD, "--out", str(work / "scan-store")])

        notebook = empty_notebook(work)
        floor = measure("floor: papermill + nbconvert, empty notebook", python(
            "from pathlib import Path\n"
            "from audit.report.execute import run_notebook\n"
            "from audit.report.html import export_html\n"
            f"nb, out = Path({str(notebook)!r}), Path({str(work)!r})\n"
            "run_notebook(nb, {'x': 2}, out / 'empty-run.ipynb', None)\n"
            "export_html(out / 'empty-run.ipynb', out / 'empty.html', title='empty', lang='vi')\n"))
        run = measure(f"audit run {unit}, store (1 province of {args.units})",
                      [audit, "run", "--source", str(store), "--unit", unit, "--as-of", AS_OF, *PERIOD,
                       "--out", str(work / "run")])
        share = store_scan.seconds / args.units if store_scan else 0.0
        print(f"    run / floor: {run.seconds / floor.seconds:.1f}x  (target 1.5x floor + scan share "
              f"{share:.1f} s = {1.5 * floor.seconds + share:.1f} s)", flush=True)

        shaped = data / f"national-{args.units}x{args.cases_per_unit}-34p.duckdb"
        provinces(db, shaped)
        store34 = work / "national-34p.duckdb"
        measure("audit import, 34 provinces -> store", [audit, "import", str(shaped), "--to", str(store34)])
        run34 = measure(f"audit run {unit}, store (34 provinces)",
                        [audit, "run", "--source", str(store34), "--unit", unit, "--as-of", AS_OF, *PERIOD,
                         "--out", str(work / "run34")])
        print(f"    run / floor: {run34.seconds / floor.seconds:.1f}x  (target {1.5 * floor.seconds + share:.1f} s)",
              flush=True)

        units = ",".join(regional[:args.batch_units])
        timings = {}
        for workers in (1, 2):
            timings[workers] = measure(
                f"audit batch, {args.batch_units} units, {workers} worker{'s' if workers > 1 else ''}",
                [audit, "batch", "--source", str(store34), "--units", units, "--as-of", AS_OF, *PERIOD,
                 "--out", str(work / f"batch-{workers}"), "--workers", str(workers), "--quiet"])
        print(f"    speed-up with 2 workers: {timings[1].seconds / timings[2].seconds:.2f}x "
              f"({timings[1].seconds / args.batch_units:.1f} s and {timings[2].seconds / args.batch_units:.1f} s "
              "per unit)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"benchmark process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
