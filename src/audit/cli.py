"""The ``audit`` command line.

    audit run       --source SRC --unit UNIT --as-of DATE --out DIR   one unit, notebook → HTML
    audit scan      --source SRC --as-of DATE --out DIR               every unit, no notebook
    audit render    EXECUTED.ipynb                                   a papermill run's report.html
    audit template  --out FILE.xlsx                                  a blank input workbook to fill in
    audit validate  SRC                                              data-quality summary
    audit verify    DIR                                              check a run's files against its manifest
    audit demo-data --out PATH                                       the synthetic demo database
    audit import    SRC --to STORE                                   read and validate once into a store
    audit batch     --source SRC --as-of DATE --out DIR --units all   many units, one index page
    audit sample commit units --source SRC --as-of DATE --cycle NAME --count K   commit to a unit draw
    audit sample commit cases --source SRC --unit UNIT --as-of DATE --cycle NAME commit to a case draw
    audit sample draw   DIR [--unit UNIT] --public-value VALUE         draw, after the delay
    audit sample verify DIR                                          recompute and check a cycle
    audit sample report DIR                                          the cycle's HTML page
    audit disposition FINDING_ID --state S --reviewer R              a decision on one finding
    audit register import FILE | show | history ID | metrics         the findings register

``run`` and ``batch`` record their findings in the findings register
(``--register PATH_OR_URL``; default env AUDIT_REGISTER, else
outputs/register.duckdb; ``--no-register`` to skip); ``scan`` records them
only when given ``--register`` or AUDIT_REGISTER.

Every failure the user can cause ends with one line on stderr and a non-zero
exit code (:data:`EXIT_CODES`, shown by ``--help``); a traceback is shown only
with ``AUDIT_DEBUG=1``. Every command takes ``-q``/``-v`` (:mod:`audit.logs`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import AuditError, ParameterError
from .logs import configure, stage_logger

log = stage_logger("cli")

EXIT_CODES = """\
exit codes:
  0    done
  1    a run failed (notebook or export); verify: a file does not match its manifest;
       validate --fail-on N: more than N rows rejected; the findings register cannot be
       opened (locked past a short wait, unreachable)
  2    bad input or parameters: an unreadable source, an unknown unit, a date out of
       range, an --out that is a file, cannot be written or is being written by another run
  3    internal error (AUDIT_DEBUG=1 shows the traceback)
  4    batch: finished, but some units failed (listed in index.html and batch.json)
  130  interrupted"""
# --params meant rule thresholds in run/scan/batch and sampling settings in sample: refused now,
# with a one-line hint, rather than read either way.
_RENAMED = "--params is now --rule-params FILE (an inspection's rule thresholds)"
_RENAMED_SAMPLE = ("--params is now --sampling-params FILE (overrides of params/sampling.yaml); "
                   "rule thresholds are --rule-params FILE")


def _date(text: str) -> dt.date:
    from .dates import as_date

    try:
        return as_date(text, "date")
    except ParameterError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _whole(text: str, least: int) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < least:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least {least}")
    return n


def _positive(text: str) -> int:
    return _whole(text, 1)


def _add_period(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", required=True, type=_date, help="audit date (YYYY-MM-DD); later events are ignored")
    p.add_argument("--period-start", type=_date, help="start of the statistical period (default: 1 October)")
    p.add_argument("--period-end", type=_date, help="end of the statistical period (default: the audit date)")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="report language (default vi)")
    add_rule_params(p)


def add_rule_params(p: argparse.ArgumentParser) -> None:
    """``--rule-params FILE``, and the old ``--params`` refused with a hint (run, scan, batch)."""
    p.add_argument("--rule-params", type=Path, metavar="FILE",
                   help="an inspection's YAML file overriding rule thresholds")
    p.add_argument("--params", dest="renamed_params", help=argparse.SUPPRESS)


def _add_verbosity(parser: argparse.ArgumentParser) -> None:
    """-q/-v and the exit codes on every command that runs (the leaves of the command tree)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("-q", "--quiet", action="store_true", help="errors only on stderr")
        group.add_argument("-v", "--verbose", action="count", default=0,
                           help="each stage with its elapsed time, and details, on stderr")
    for sub in subs:
        for child in dict.fromkeys(sub.choices.values()):
            _add_verbosity(child)
    parser.epilog = ((parser.epilog + "\n\n") if parser.epilog else "") + EXIT_CODES
    parser.formatter_class = argparse.RawDescriptionHelpFormatter


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="audit", description="Audit the case records of civil judgment enforcement units.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="audit one unit through the notebook and render the HTML report")
    run.add_argument("--source", required=True, help="CSV/Parquet folder, .xlsx, .duckdb/.sqlite file, "
                     "database URL, or a store written by audit import")
    run.add_argument("--unit", required=True, help="unit_id of the unit to audit")
    _add_period(run)
    run.add_argument("--out", required=True, type=Path, help="folder for the report and findings")
    run.add_argument("--dispositions", type=Path,
                     help="CSV or workbook finding_id,disposition (confirmed|dismissed|remedied|pending), "
                          "reviewer, decided_on, reason, evidence: imported into the register; the "
                          "conclusion then states only the confirmed violations")
    run.add_argument("--inspection", type=Path,
                     help="the inspection's YAML: issuer, signer, legal bases, recipients, targets and "
                          "deadlines of the conclusion (params/inspection-example.yaml)")
    run.add_argument("--remedy-days", type=_positive,
                     help="days to remedy the violations, overriding the inspection file (default 30)")
    _add_register(run, optional_off=True)

    scan = sub.add_parser("scan", help="measures and rules over every unit, without a notebook")
    scan.add_argument("--source", required=True)
    _add_period(scan)
    scan.add_argument("--out", required=True, type=Path)
    _add_register(scan)

    render = sub.add_parser("render", help="render a unit notebook executed by papermill as its report.html")
    render.add_argument("notebook", type=Path, help="the executed notebook (papermill's output)")
    render.add_argument("--out", type=Path, help="the HTML file (default: report.html beside the notebook)")

    tpl = sub.add_parser("template", help="write a blank input workbook (one sheet per table) to fill in")
    tpl.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")

    val = sub.add_parser("validate", help="read a source and print its data-quality summary")
    val.add_argument("source")
    val.add_argument("--unit", help="only this unit's rows")
    val.add_argument("--fail-on", type=lambda t: _whole(t, 0), metavar="N",
                     help="exit 1 when more than N rows are rejected (rows the audit cannot use); "
                          "0 accepts a delivery only without any")
    val.add_argument("--json", metavar="FILE|-", help="also write the report as JSON (- for stdout, "
                                                      "instead of the text summary)")

    ver = sub.add_parser("verify", help="check every file of a run or scan folder against its manifest")
    ver.add_argument("dir", type=Path, help="the output folder (holding manifest.json)")

    demo = sub.add_parser("demo-data", help="write the synthetic demo database (DuckDB)")
    demo.add_argument("--out", required=True, type=Path)
    demo.add_argument("--units", type=_positive, default=8, help="regional units (default 8)")
    demo.add_argument("--cases-per-unit", type=_positive, default=1500, help="cases per unit (default 1500)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--as-of", type=_date, help="the records' date, the generated span ending on it "
                                                  "(default 2026-10-15)")

    imp = sub.add_parser("import", help="read and validate a source once into a columnar store "
                                        "that every command reads as --source")
    imp.add_argument("source", help="CSV/Parquet folder, .xlsx, .duckdb/.sqlite file or database URL")
    imp.add_argument("--to", required=True, type=Path,
                     help="the store: a .duckdb file, or a folder of Parquet files")
    imp.add_argument("--format", choices=("duckdb", "parquet"),
                     help="the store's layout (default: duckdb for a .duckdb path, else parquet)")

    _add_sample(sub)
    _add_batch(sub)
    from .register.cli import add_commands

    add_commands(sub)
    _add_verbosity(parser)  # after every command is added: each leaf gets -q/-v and the exit codes
    return parser


def _add_register(p: argparse.ArgumentParser, optional_off: bool = False) -> None:
    from .register.cli import add_register_option

    add_register_option(p, optional_off=optional_off)


def _register_of(args: argparse.Namespace, by_default: bool) -> str | None:
    """Where a run records its findings: --register, else env AUDIT_REGISTER, else the
    default file when the command records by default; None with --no-register."""
    from .register.backend import resolve_target

    if getattr(args, "no_register", False):
        return None
    if args.register or os.environ.get("AUDIT_REGISTER") or by_default:
        return resolve_target(args.register)
    return None


def _add_batch(sub: argparse._SubParsersAction) -> None:
    from .batch.cli import add_arguments

    add_arguments(sub.add_parser("batch", help="audit many units (a province, the country) on a local "
                                               "process pool or a Dask cluster; writes index.html"))


def _add_sample(sub: argparse._SubParsersAction) -> None:
    sample = sub.add_parser("sample", help="surprise-inspection sampling: commit, draw, verify, report")
    actions = sample.add_subparsers(dest="sample_command", required=True, metavar="ACTION")

    commit = actions.add_parser("commit", help="step 1: fix and publish a draw's inputs, seal its secret")
    kinds = commit.add_subparsers(dest="kind", required=True, metavar="KIND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--source", required=True, help="case records of every unit (path or database URL)")
        p.add_argument("--as-of", required=True, type=_date, help="records date (YYYY-MM-DD)")
        p.add_argument("--cycle", required=True, help="the cycle's name, e.g. 2026-11 (one draw per cycle)")
        p.add_argument("--out", type=Path, help="the cycle's folder (default outputs/sampling/CYCLE)")
        p.add_argument("--sampling-params", type=Path, metavar="FILE", help="overrides of params/sampling.yaml")
        p.add_argument("--rule-params", type=Path, metavar="FILE",
                       help="an inspection's rule thresholds (as audit run --rule-params)")
        p.add_argument("--params", dest="renamed_params", help=argparse.SUPPRESS)
        p.add_argument("--secrets-dir", type=Path, default=os.environ.get("AUDIT_SAMPLING_SECRETS") or None,
                       help="where the sealed secret waits for the draw (default CYCLE/sealed; "
                            "env AUDIT_SAMPLING_SECRETS)")
        p.add_argument("--redraw", action="store_true",
                       help="replace the cycle's commitment (needs --reason; the old one stays in the log)")
        p.add_argument("--reason", help="why the commitment is replaced; written to the sampling log")

    units = kinds.add_parser("units", help="commit to drawing units with probability proportional to risk")
    common(units)
    units.add_argument("--count", required=True, type=_positive, help="units to draw")
    units.add_argument("--history", type=Path, help="CSV unit_id,inspected_on of inspections outside the tool")

    cases = kinds.add_parser("cases", help="commit to drawing the cases to inspect in one unit")
    common(cases)
    cases.add_argument("--unit", required=True, help="unit_id of the unit")

    for name in ("draw", "reveal"):
        draw = actions.add_parser(name, help="step 2: after the delay, draw with the public value"
                                  + (" (same as draw)" if name == "reveal" else ""))
        draw.add_argument("dir", type=Path, help="the cycle's folder")
        draw.add_argument("--unit", help="draw this unit's cases (default: the unit draw)")
        value = draw.add_mutually_exclusive_group()
        value.add_argument("--public-value", metavar="VALUE",
                           help="the committed round's published value (or 'SOURCE ROUND VALUE')")
        value.add_argument("--public-values", type=Path, metavar="FILE",
                           help="a file of 'SOURCE ROUND VALUE' lines holding the committed round's value")
        draw.add_argument("--report", action="store_true", help="also render the cycle's report.html")
        draw.add_argument("--lang", choices=("vi", "en"), default="vi", help="report language (default vi)")

    verify = actions.add_parser("verify", help="recompute and check everything recorded for a cycle")
    verify.add_argument("dir", type=Path, help="the cycle's folder")
    verify.add_argument("--source", help="also rebuild the committed frames from these records")
    verify.add_argument("--commitment", help="the commitment as it was published before the draw")
    verify.add_argument("--public-value", action="append", default=[], metavar="VALUE",
                        help="a public value as read from its source ('VALUE' for the unit draw, or "
                             "'SOURCE ROUND VALUE'); repeatable")

    report = actions.add_parser("report", help="render the cycle's report.html from its recorded draw")
    report.add_argument("dir", type=Path, help="the cycle's folder")
    report.add_argument("--lang", choices=("vi", "en"), default="vi", help="report language (default vi)")


def _run(args: argparse.Namespace) -> int:
    from .io.units import source_units
    from .report import run_unit_report
    from .report.outputs import read_manifest
    from .report.run_summary import run_summary

    # The source and the unit are checked before a kernel starts (only the units table is read).
    log.info("reading: checking the source and unit %s", args.unit)
    known = source_units(args.source)
    if args.unit.strip() not in known:
        shown = ", ".join(known[:8]) + (f", … ({len(known)} in all)" if len(known) > 8 else "")
        raise ParameterError(f"unit {args.unit!r} is not in the source (units: {shown or 'none'})")
    log.info("reading: the source holds %d units, %s among them", len(known), args.unit.strip())
    outputs = run_unit_report(args.source, args.unit, args.as_of, args.out, period_start=args.period_start,
                              period_end=args.period_end, lang=args.lang, params_file=args.rule_params,
                              dispositions=args.dispositions, inspection=args.inspection,
                              remedy_days=args.remedy_days, register=_register_of(args, True))
    log.info("done")
    print(f"report:     {outputs.report_html}")
    print(f"findings:   {outputs.findings_csv} (also .json, .xlsx)")
    print(f"conclusion: {outputs.conclusion_docx} (also .md)")
    print(f"manifest:   {outputs.manifest_json}")
    registered = read_manifest(outputs.out_dir).get("register")
    if registered:
        print(f"register:   {registered['register']} (run {registered['run_id'][:12]})")
    print(run_summary(outputs.out_dir))
    return 0


def _scan(args: argparse.Namespace) -> int:
    from .export import scan_manifest, write_findings, write_kpis
    from .pipeline import scan_source
    from .publish import check_output_folder, publishing
    from .report.outputs import utc_now, write_manifest

    start, started = time.perf_counter(), utc_now()
    out = check_output_folder(args.out)  # before the data is read: a file there, no write access
    result = scan_source(args.source, args.as_of, args.period_start, args.period_end, args.lang, args.rule_params)
    with publishing(out) as staging:  # written whole, then swapped in; one writer at a time
        paths = write_findings(result.findings, staging) + [write_kpis(result.kpis, staging)]
        write_manifest(staging, scan_manifest(result, args, started), [p.name for p in paths])
    n_units = result.kpis["unit_id"].nunique()
    target = _register_of(args, False)
    if target is not None:
        from .register import open_register
        from .runparams import RunParams

        run = RunParams.build(args.as_of, args.period_start, args.period_end, args.lang, args.rule_params)
        with open_register(target) as reg:
            reg.record_run(result.findings, kind="scan", unit_ids=sorted(result.kpis["unit_id"].astype("str")),
                           as_of=run.as_of, period_start=run.period_start, period_end=run.period_end,
                           manifest_fingerprint=result.records.fingerprint)
            print(f"register: {reg.description}")
    print(f"{len(result.findings)} findings over {n_units} units in {time.perf_counter() - start:.1f} s")
    for p in [*paths, staging / "manifest.json"]:
        print(f"  {out / p.name}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from .verify import verify_folder

    result = verify_folder(args.dir)
    for line in result.problems:
        print(f"{args.dir}/{line}")
    if not result.ok:
        print(f"audit verify: {len(result.problems)} problem(s) in {args.dir}", file=sys.stderr)
        return 1
    made = result.made_from
    fingerprint = (made.get("input") or {}).get("fingerprint", "")
    print(f"verified: {args.dir} ({result.files} files match manifest.json; {made.get('kind', 'run')} "
          f"by thads-audit {made.get('version')}, contract {made.get('contract_version')}, "
          f"input {fingerprint[:16]}…)")
    return 0


def _render(args: argparse.Namespace) -> int:
    from .report.html import render_executed

    print(f"report: {render_executed(args.notebook, args.out)}")
    return 0


def _template(args: argparse.Namespace) -> int:
    from .template import write_template

    if args.out.suffix.lower() != ".xlsx":
        raise ParameterError("the template is an Excel workbook: give a file name ending in .xlsx",
                             file=str(args.out))
    print(f"template: {write_template(args.out)}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .io import load_records
    from .validate import summary
    from .validate_report import errors, report_json, validation_report

    log.info("reading and validating the source")
    records = load_records(args.source, unit=args.unit)
    if args.json is not None:
        text = report_json(validation_report(records, args.fail_on))
        if args.json == "-":
            sys.stdout.write(text)
        else:
            try:
                Path(args.json).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise ParameterError(f"cannot write the JSON report: {exc.strerror or exc}", file=args.json) from exc
    if args.json != "-":
        print(summary(records))
    n = errors(records)
    if args.fail_on is not None and n > args.fail_on:
        print(f"audit validate: {n:,} rows rejected, more than --fail-on {args.fail_on:,}", file=sys.stderr)
        return 1
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import write_demo_database

    result = write_demo_database(args.out, units=args.units, cases_per_unit=args.cases_per_unit, seed=args.seed,
                                 as_of=args.as_of)
    print(f"demo database: {result.path} ({result.counts.get('cases', 0):,} cases, {result.seconds:.1f} s)")
    return 0


def _import(args: argparse.Namespace) -> int:
    from .io.store_import import import_source

    tty = sys.stderr.isatty()
    done = import_source(args.source, args.to, fmt=args.format,
                         progress=(lambda text: print(f"  {text}…", file=sys.stderr)) if tty else None)
    m = done.manifest
    read = {c["table"]: c for c in m["counts"]}
    cases = read.get("cases", {})
    print(f"store: {done.path} ({done.kind}, {cases.get('rows_audited', 0):,} cases audited of "
          f"{cases.get('rows_read', 0):,} read, {m['issues']:,} data-quality issues, {done.seconds:.1f} s)")
    print(f"  imported from {m['source']['description']} (fingerprint {m['source']['fingerprint'][:16]}…)")
    return 0


def _batch(args: argparse.Namespace) -> int:
    from .batch.cli import run

    return run(args)


def _sample(args: argparse.Namespace) -> int:
    from . import sampling
    from .sampling.public import parse_round, where_to_read

    def head(line: dict) -> str:
        return f"line {line['seq']}, {line['hash']}"

    action = args.sample_command
    if action == "commit":
        if args.redraw and not (args.reason or "").strip():
            raise ParameterError("--redraw needs --reason TEXT: every redraw is logged with its reason")
        options = {"params_file": args.sampling_params, "rule_params": args.rule_params, "secrets_dir": args.secrets_dir,
                   "redraw": args.redraw, "reason": args.reason}
        if args.kind == "units":
            doc = sampling.commit_units(args.source, args.as_of, args.cycle, args.count, args.out,
                                        history_file=args.history, **options)
            what = f"{args.count} of {len(doc['inputs']['frame'])} eligible units"
        else:
            doc = sampling.commit_cases(args.source, args.unit, args.as_of, args.cycle, args.out, **options)
            what = f"the cases of unit {args.unit} ({len(doc['inputs']['frame'])} on its books)"
        inputs = doc["inputs"]
        r = parse_round(inputs["public"]["source"], inputs["public"]["round"])
        # The secret is sealed: it is never printed. The commitment and the log head are
        # what to send to the inspection lead now, before anybody can know the draw.
        print(f"cycle {inputs['cycle']}: committed to drawing {what}")
        print(f"  commitment:   {doc['commitment']}  (publish it now)")
        print(f"  committed at: {inputs['committed_at']}")
        print(f"  draw from:    {inputs['earliest_draw']}, with {r.source} round {r.round} "
              f"(published from {inputs['public']['published_at']})")
        print(f"  public value: {where_to_read(r)}")
        print(f"  log head:     {head(doc['log_head'])}")
        print(f"  file:         {doc['commitment_file']}")
        return 0
    if action in ("draw", "reveal"):
        result = sampling.draw(args.dir, args.unit, public_value=args.public_value,
                               values_file=args.public_values)
        items = result["units"] if result["kind"] == "units" else result["cases"]
        what = (f"{len(result['selected'])} of {len(items)} units" if result["kind"] == "units"
                else f"{len(result['selected'])} cases of unit {result['unit']}")
        how = "recorded draw returned" if result["status"] == "recorded" else "new draw"
        shown = ", ".join(result["selected"][:12]) + (" …" if len(result["selected"]) > 12 else "")
        public = result["public"]
        print(f"cycle {result['cycle']}: {what} ({how}, drawn {result['drawn_at']})")
        print(f"  selected:     {shown}")
        print(f"  public value: {public['source']} round {public['round']} = {public['value']}")
        print(f"  commitment:   {result['commitment']}")
        print(f"  seed:         {result['seed']}")
        print(f"  result:       {result['result_file']}")
        if "log_head" in result:
            print(f"  log head:     {head(result['log_head'])}")
        if args.report and result["kind"] == "units":
            print(f"  report:       {sampling.render_report(Path(result['result_file']).parent, args.lang)}")
        return 0
    if action == "verify":
        checked = sampling.verify(args.dir, source=args.source, commitment=args.commitment,
                                  public_values=args.public_value)
        for v in checked.draws:
            p = v.public
            print(f"verified: {v.path} ({v.kind}{' of ' + v.unit if v.unit else ''}: {len(v.selected)} selected; "
                  f"{p['source']} round {p['round']} = {p['value']}; commitment {v.commitment[:16]}…)")
        for w in checked.pending:
            print(f"pending:  {w.path} (commitment {w.commitment[:16]}…; draw from {w.earliest_draw} with "
                  f"{w.public['source']} round {w.public['round']})")
        for a in checked.abandoned:
            print(f"abandoned: commitment {a.commitment[:16]}… of {a.committed_at} "
                  f"({a.kind}{' of ' + a.unit if a.unit else ''}; drawn: {'yes' if a.drawn else 'no'}; "
                  f"secret revealed: {'yes' if a.secret_revealed else 'no'}; reason: {a.reason or '—'})")
        if not checked.frame_checked:
            print("note: the committed frames were not rebuilt from the records (pass --source to do so)")
        return 0
    print(f"report: {sampling.render_report(args.dir, args.lang)}")
    return 0


def _disposition(args: argparse.Namespace) -> int:
    from .register.cli import disposition

    return disposition(args)


def _register(args: argparse.Namespace) -> int:
    from .register.cli import register

    return register(args)


_COMMANDS = {"run": _run, "scan": _scan, "render": _render, "template": _template,
             "validate": _validate, "verify": _verify, "demo-data": _demo, "sample": _sample, "import": _import,
             "batch": _batch, "disposition": _disposition, "register": _register}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure(quiet=args.quiet, verbose=args.verbose)
    if getattr(args, "renamed_params", None) is not None:
        hint = _RENAMED_SAMPLE if args.command == "sample" else _RENAMED
        print(f"audit {args.command}: error: {hint}", file=sys.stderr)
        return 2
    try:
        return _COMMANDS[args.command](args)
    except AuditError as exc:
        print(f"audit {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"audit {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line unless asked for the traceback
        if os.environ.get("AUDIT_DEBUG"):
            raise
        from .redact import redact

        print(redact(f"audit {args.command}: internal error: {type(exc).__name__}: {exc} ")
              + "(set AUDIT_DEBUG=1 for the traceback)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
