"""Run the unit audit for many units: on a local process pool, or on a Dask cluster.

Each unit is the very :func:`audit.report.run_unit_report` that ``audit run``
calls, into ``<out>/<unit folder>/``, so a unit's files are the same whichever
way it ran. The batch adds three things around it:

- isolation: a unit that fails (its data, its notebook, its worker) is recorded
  with its one-line reason and the others go on;
- resume: a unit whose folder holds a finished run of the same parameters,
  every file matching the hash in its manifest, is not run again (``force``
  runs it anyway);
- the overview: ``index.html`` over every unit and ``batch.json``, the batch's
  manifest (units, status, timings, hashes of the index and of each unit's manifest).

Workers are processes (``spawn``), or Dask workers reached through
``distributed.Client``; the scheduling is theirs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AuditError, ParameterError
from .plan import (
    Selection,
    assign_folders,
    outputs_verified,
    read_targets,
    select_units,
    source_fingerprint,
)

__all__ = ["EXIT_OK", "EXIT_UNITS_FAILED", "UnitOutcome", "BatchResult", "run_batch", "audit_one",
           "BATCH_MANIFEST", "INDEX"]

EXIT_OK = 0
EXIT_UNITS_FAILED = 4  # the batch finished, but some units could not be audited
EXIT_INTERRUPTED = 130
BATCH_MANIFEST = "batch.json"
INDEX = "index.html"


@dataclass
class UnitOutcome:
    """What became of one unit: ``ok`` (ran now), ``skipped`` (verified earlier
    outputs kept), ``failed`` (with its reason) or ``not_run`` (interrupted)."""

    unit_id: str
    folder: str
    status: str
    reason: str | None = None
    seconds: float | None = None
    finished_at: str | None = None
    manifest_sha256: str | None = None


@dataclass
class BatchResult:
    out_dir: Path
    index_html: Path
    manifest_json: Path
    outcomes: list[UnitOutcome] = field(default_factory=list)
    interrupted: bool = False
    # The findings register the units recorded into (without credentials), if any.
    register: str | None = None

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_UNITS_FAILED if self.count("failed") else EXIT_OK


def _one_line(text: object) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return lines[0] if lines else ""


def audit_one(job: dict[str, Any]) -> dict[str, Any]:
    """Audit one unit (in a worker process): never raises, reports how it went.

    Parameters
    ----------
    job : dict
        ``unit_id``, ``out`` and the keyword arguments of ``run_unit_report``.

    Returns
    -------
    dict
        ``unit_id``, ``status`` (``ok`` or ``failed``), ``reason``, ``seconds``.
    """
    from ..report import run_unit_report
    from ..report.outputs import redact

    began = time.perf_counter()
    status, reason = "ok", None
    try:
        run_unit_report(job["source"], job["unit_id"], job["as_of"], job["out"],
                        period_start=job["period_start"], period_end=job["period_end"], lang=job["lang"],
                        params_file=job["params_file"], timeout=job["timeout"], register=job.get("register"))
    except AuditError as exc:
        status, reason = "failed", _one_line(exc)
    except Exception as exc:  # a bug in one unit's run must not stop the batch
        status, reason = "failed", f"internal error: {type(exc).__name__}: {_one_line(exc)}"
    if reason is not None:
        reason = redact(reason)  # a database URL's password never reaches the index or a log
    return {"unit_id": job["unit_id"], "status": status, "reason": reason,
            "seconds": round(time.perf_counter() - began, 3)}


# ---- progress ----------------------------------------------------------------------------
class _Progress:
    """Units done / total, elapsed and remaining on a terminal (tqdm); one line per unit
    in a log; nothing with ``quiet``."""

    def __init__(self, total: int, quiet: bool, label: str) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.bar = None
        self.lines = not quiet and not sys.stderr.isatty()
        if not quiet and sys.stderr.isatty() and total:
            from tqdm import tqdm

            try:
                size = os.get_terminal_size(sys.stderr.fileno())
            except OSError:
                size = os.terminal_size((0, 0))
            # A terminal that reports no size (some pseudo-terminals) would get no bar at all.
            sized = size.columns > 0 and size.lines > 0
            self.bar = tqdm(total=total, unit="unit", desc=label, file=sys.stderr, dynamic_ncols=sized,
                            ncols=None if sized else 100, nrows=None if sized else 24)
            # A unit takes a minute or more: redraw every second so the elapsed time runs.
            self._stop = threading.Event()
            self._ticker = threading.Thread(target=self._tick, name="batch-progress", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            if self.bar is not None:
                self.bar.refresh()

    def update(self, outcome: UnitOutcome) -> None:
        self.done += 1
        self.failed += outcome.status == "failed"
        text = f"[{self.done}/{self.total}] {outcome.unit_id} {outcome.status}"
        if outcome.seconds is not None:
            text += f" {outcome.seconds:.1f} s"
        if outcome.reason:
            text += f": {outcome.reason}"
        if self.bar is not None:
            if outcome.status == "failed":
                self.bar.write(text, file=sys.stderr)
            self.bar.set_postfix(failed=self.failed, refresh=False)
            self.bar.update(1)
        elif self.lines:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self._stop.set()
            self._ticker.join()
            self.bar.close()


# ---- executors -------------------------------------------------------------------------------
def _run_local(jobs: list[dict[str, Any]], workers: int, done: Callable[[dict[str, Any]], None]) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn: a fresh interpreter per worker, nothing inherited from this process's threads.
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs))),
                               mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {pool.submit(audit_one, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                done(future.result())
            except Exception as exc:  # the worker process died (killed, out of memory)
                done({"unit_id": job["unit_id"], "status": "failed", "seconds": None,
                      "reason": f"the worker process failed: {type(exc).__name__}: {_one_line(exc)}"})
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _connect(address: str) -> Any:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - the cluster extra is installed where tests run
        raise ParameterError("--scheduler needs dask.distributed: install the package with its "
                             "cluster extra (pip install 'thads-audit[cluster]')") from exc
    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ParameterError(f"cannot reach the Dask scheduler at {address}: {_one_line(exc)}") from exc
    try:
        client.wait_for_workers(1, timeout=60)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise ParameterError(f"no Dask worker joined the scheduler at {address} within 60 s") from exc
    return client


def _run_dask(jobs: list[dict[str, Any]], client: Any, done: Callable[[dict[str, Any]], None]) -> None:
    from distributed import as_completed

    token = uuid.uuid4().hex[:8]
    futures = {}
    for job in jobs:
        future = client.submit(audit_one, job, key=f"audit-unit-{job['folder']}-{token}", pure=False)
        futures[future.key] = (future, job)
    try:
        for future in as_completed([f for f, _ in futures.values()], loop=client.loop):
            job = futures[future.key][1]
            try:
                done(future.result())
            except Exception as exc:  # a worker died under the task more often than Dask allows
                done({"unit_id": job["unit_id"], "status": "failed", "seconds": None,
                      "reason": f"the Dask worker failed: {type(exc).__name__}: {_one_line(exc)}"})
    except BaseException:
        client.cancel([f for f, _ in futures.values()])
        raise


# ---- the batch ------------------------------------------------------------------------------
def _cores() -> int:
    """The cores this process may run on (a container's share, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _utc_now() -> str:
    from ..report.outputs import utc_now

    return utc_now()


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def run_batch(source: str | Path, as_of: Any, out: str | Path, *,
              units: str | Sequence[str] | None = None, province: str | None = None,
              period_start: Any = None, period_end: Any = None, lang: str = "vi",
              params_file: str | Path | None = None, targets: str | Path | None = None,
              workers: int | None = None, scheduler: str | None = None, force: bool = False,
              timeout: int | None = None, quiet: bool = False,
              register: str | Path | None = None) -> BatchResult:
    """Audit many units and write ``index.html`` and ``batch.json`` into ``out``.

    Parameters
    ----------
    source : str or Path
        Any source ``audit run`` takes; a store (``audit import``) reads each unit's
        rows alone, any other source is read again for every unit.
    as_of : date or ISO string
    out : str or Path
        The batch folder: ``<out>/<unit>/`` per unit, ``index.html``, ``batch.json``.
    units : "all", a comma-separated string or a list of unit ids, optional
    province : str, optional
        Instead of ``units``: the units under this supervising unit.
    period_start, period_end : date or ISO string, optional
    lang : {"vi", "en"}
        The language of the unit reports and of the index.
    params_file : path, optional
        An inspection's rule parameters, for every unit.
    targets : path, optional
        A CSV of completion-rate targets (``unit_id,cases_target,money_target``, percent).
    workers : int, optional
        Local worker processes (default: the number of cores).
    scheduler : str, optional
        The address of a running Dask scheduler (``tcp://host:8786``): the units run
        on its workers, which must see ``source`` and ``out`` at the same paths.
    force : bool
        Run every unit, even those whose outputs verify.
    timeout : int, optional
        Seconds allowed per notebook cell.
    quiet : bool
        No progress on stderr.
    register : path or database URL, optional
        The findings register every unit run records into (a DuckDB file takes one
        writer at a time: the units wait their turn briefly); the index then shows the
        register's figures per unit.

    Returns
    -------
    BatchResult
        Its ``exit_code`` is 0 when every unit was audited, 4 when some failed.

    Raises
    ------
    ParameterError, SourceError
        Bad input, before any unit runs.

    Notes
    -----
    Interrupted (Ctrl-C), it still writes the index and the manifest of what was
    done and returns with ``interrupted`` set; running it again resumes.
    """
    from .. import __version__
    from ..report.execute import check_parameters
    from ..report.outputs import redact, sha256
    from .index import write_index

    began, started_at = time.perf_counter(), _utc_now()
    if workers is not None and workers < 1:
        raise ParameterError(f"workers must be at least 1, got {workers}")
    out_dir = Path(out).expanduser().resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise ParameterError("the output folder is a file", file=str(out_dir))
    # The unit does not matter here: every parameter shared by the units is checked once.
    base = check_parameters(source, "-", as_of, out_dir, period_start, period_end, lang, params_file,
                            register=register)
    src = base["source"]
    target_table = read_targets(targets) if targets is not None else None
    selection: Selection = select_units(src, units, province)
    folders = assign_folders(selection.unit_ids)
    fingerprint = source_fingerprint(src)
    out_dir.mkdir(parents=True, exist_ok=True)

    shared = {k: v for k, v in base.items() if k not in ("unit_id", "output_dir")}
    # The register is not part of what a unit's outputs are checked against on a re-run.
    recorded = {k: v for k, v in {**shared, "source": redact(src)}.items() if k != "register"}
    outcomes: dict[str, UnitOutcome] = {}
    jobs = []
    for unit in selection.unit_ids:
        folder = out_dir / folders[unit]
        if not force and outputs_verified(folder, {**recorded, "unit_id": unit}, __version__, fingerprint):
            outcomes[unit] = UnitOutcome(unit, folders[unit], "skipped")
            continue
        # A batch killed mid-unit leaves that unit's staging folder behind: its run never
        # finished, nothing else writes there, and the unit runs again now.
        for stale in folder.glob(".staging-*") if folder.is_dir() else []:
            shutil.rmtree(stale, ignore_errors=True)
        jobs.append({**shared, "unit_id": unit, "out": str(folder), "folder": folders[unit],
                     "timeout": timeout})

    # Reached before any unit runs: an unreachable cluster is bad input (exit 2).
    client = _connect(scheduler) if scheduler and jobs else None
    progress = _Progress(len(jobs), quiet, "audit batch")

    def done(result: dict[str, Any]) -> None:
        unit = result["unit_id"]
        outcome = UnitOutcome(unit, folders[unit], result["status"], result.get("reason"),
                              result.get("seconds"), _utc_now())
        outcomes[unit] = outcome
        progress.update(outcome)

    interrupted = False
    try:
        if jobs:
            if client is not None:
                _run_dask(jobs, client, done)
            else:
                _run_local(jobs, workers or _cores(), done)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.close()
        if client is not None:
            client.close()

    ordered = [outcomes.get(u) or UnitOutcome(u, folders[u], "not_run") for u in selection.unit_ids]
    for o in ordered:
        manifest = out_dir / o.folder / "manifest.json"
        if o.status in ("ok", "skipped") and manifest.is_file():
            o.manifest_sha256 = sha256(manifest)
    result = BatchResult(out_dir, out_dir / INDEX, out_dir / BATCH_MANIFEST, ordered, interrupted)
    meta = {"source": redact(src), "as_of": base["as_of"], "period_start": base["period_start"],
            "period_end": base["period_end"], "lang": lang,
            "targets": str(Path(targets).expanduser().resolve()) if targets is not None else None,
            "generated_at": _utc_now()}
    metrics = None
    if base.get("register"):
        from ..register import open_register

        with open_register(base["register"]) as reg:
            metrics = reg.metrics(selection.unit_ids)
        result.register = redact(reg.description)
    write_index(result.index_html, ordered, selection.names, meta, target_table, metrics)
    _write_json(result.manifest_json, {
        "tool": "thads-audit", "version": __version__, "kind": "batch",
        "parameters": {**recorded, "targets": meta["targets"], "register": result.register,
                       "units": units if isinstance(units, str) or units is None else list(units),
                       "province": province, "force": force, "timeout": timeout,
                       "executor": {"kind": "dask", "scheduler": scheduler} if scheduler
                       else {"kind": "local", "workers": workers or _cores()}},
        "input": {"fingerprint": fingerprint},
        "started_at": started_at, "finished_at": _utc_now(),
        "seconds": round(time.perf_counter() - began, 3),
        "summary": {"units": len(ordered), **{s: result.count(s) for s in ("ok", "skipped", "failed", "not_run")},
                    "interrupted": interrupted, "exit_code": result.exit_code},
        "units": [asdict(o) for o in ordered],
        "index": {"file": INDEX, "sha256": sha256(result.index_html)},
    })
    return result
