"""Lazy validation: type every table, collect every problem of every row, keep the rest.

Validation never stops at the first bad cell (as pandera's ``lazy=True``): it
types whole columns (:mod:`audit.io.parse`), then applies the data-quality
rules of docs/rules.md table by table, parents before children, and records each
problem as one row of ``CaseRecords.issues``:

- DQ-SCHEMA: a value that cannot be read, a missing required value, a
  negative amount of money. The row is rejected.
- DQ-UNKNOWN-CODE: a code outside the contract's vocabulary. The row is
  rejected, except an unknown ``events.event_type``: that event is kept.
- DQ-DUPLICATE: a repeated id in a keyed table (the first row is kept), and
  identical repeated event rows (the repeats are dropped).
- DQ-ORPHAN: a reference to a unit, executor, case, asset or auction that is
  not among the valid rows. The row is rejected, except a case whose executor
  is unknown (the executor is optional; the case is kept).
- DQ-DATE-ORDER: a decision, closure, event or verification dated before the
  case's receipt. Reported; the row is kept.

Every step is a vectorised operation on whole columns; only problem rows are
ever materialised as issues.
"""

from __future__ import annotations

import hashlib
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow.compute as pc

from .contract import TABLES
from .errors import SourceError
from .io.base import RawSource, as_text, to_arrow
from .io.parse import code_key, display, parse_checked
from .records import COUNT_COLUMNS, DTYPES, ISSUE_COLUMNS, CaseRecords, empty_frame

__all__ = ["validate", "summary", "issue_line", "fingerprint"]

# The id an issue is filed under, per table (what a reviewer looks up).
ENTITY_COLUMN = {
    "units": "unit_id", "executors": "executor_id", "cases": "case_id", "events": "case_id",
    "verifications": "case_id", "assets": "asset_id", "valuations": "valuation_id",
    "auctions": "auction_id", "bids": "auction_id", "complaints": "complaint_id", "reported_stats": "unit_id",
}
# Coded columns whose unknown values are reported but kept (docs/contract.md: event types).
KEEP_UNKNOWN = {("events", "event_type")}
# Orphans reported but kept: the parent is optional for the row.
KEEP_ORPHAN = {("cases", "executor_id")}
# (table, column) dated before the case's receipt -> DQ-DATE-ORDER.
DATE_ORDER = {
    "cases": ("decision_date", "closed_date"), "events": ("event_date",),
    "verifications": ("verification_date",), "complaints": ("received_date",),
}
# A complaint event matches a complaint of its case received this many days either side.
COMPLAINT_EVENT_DAYS = 30
# (table, later column, earlier column) within one row -> DQ-DATE-ORDER.
ROW_DATE_ORDER = (("complaints", "resolved_date", "received_date"),)


class _Table:
    """One table being checked: raw cells, typed columns, rejections and issues."""

    def __init__(self, name: str, raw: pd.DataFrame, base: int, origin: str,
                 cell_issues: pd.DataFrame | None = None) -> None:
        self.name = name
        self.origin = origin
        self.cell_issues = cell_issues
        index = raw.index.to_numpy()
        positions = index if np.issubdtype(index.dtype, np.integer) else np.arange(len(raw))
        self.source_row = positions.astype("int64") + base
        self.labels = raw.index
        self.raw = raw.reset_index(drop=True)
        self.n = len(raw)
        self.reject = np.zeros(self.n, dtype=bool)
        self.parts: list[pd.DataFrame] = []
        self.typed: dict[str, pd.Series] = {}
        # column -> each row's position among the parent table's valid rows (-1: none).
        self.parent_pos: dict[str, np.ndarray] = {}

    def add(self, rule_id: str, mask: np.ndarray, column: str | None, reason: str | np.ndarray,
            reject: bool) -> None:
        """Record ``rule_id`` for the rows in ``mask``.

        ``reason`` is one text for all, or one per masked row in row order; the
        value quoted is the row's raw cell in ``column``.
        """
        if not mask.any():
            return
        if reject:
            self.reject |= mask
        pos = np.flatnonzero(mask)
        if column in self.raw:
            value = display(self.raw[column].iloc[pos]).to_numpy()
        else:
            value = np.full(len(pos), None, dtype=object)
        self.parts.append(pd.DataFrame({
            "pos": pos, "rule_id": rule_id, "column": column, "value": value, "reason": reason,
        }))

    def kept(self) -> pd.DataFrame:
        keep = ~self.reject
        cols = {c: s[keep].reset_index(drop=True) for c, s in self.typed.items()}
        cols["source_row"] = pd.Series(self.source_row[keep], dtype="int64")
        return pd.DataFrame(cols)


def _check_columns(t: _Table) -> None:
    spec = TABLES[t.name]
    missing = [c.name for c in spec.columns if not c.optional and c.name not in t.raw]
    if missing:
        listed = ", ".join(map(repr, map(str, t.raw.columns))) or "none"
        raise SourceError(f"required column '{missing[0]}' is missing (columns found: {listed})",
                          file=t.origin, table=t.name)
    for col in spec.columns:
        if col.name not in t.raw:  # an optional column the source lacks
            t.typed[col.name] = pd.Series(pd.NA, index=t.raw.index, dtype=DTYPES[col.kind])
            continue
        values, missing_, problems = parse_checked(t.raw[col.name], col.kind)
        found = _reader_issues(t, col.name)
        for mask, reason in found:
            t.add("DQ-SCHEMA", mask, col.name, reason, reject=True)
        if found:  # reported once, for what the reader found, not again as unreadable or missing
            seen = np.logical_or.reduce([m for m, _ in found])
            problems = [(bad & ~seen, reason) for bad, reason in problems]
            missing_ = missing_ & ~seen
        for bad, reason in problems:
            t.add("DQ-SCHEMA", bad, col.name, reason, reject=True)
        if not col.nullable:
            t.add("DQ-SCHEMA", missing_, col.name, "required value is missing", reject=True)
        if col.kind == "money":
            t.add("DQ-SCHEMA", (values < 0).fillna(False).to_numpy(dtype=bool), col.name,
                  "is negative (amounts are whole VND, zero or more)", reject=True)
        if col.vocabulary:
            values = _codes(values, col.vocabulary)
            unknown = (values.notna() & ~values.isin(col.vocabulary)).to_numpy()
            t.add("DQ-UNKNOWN-CODE", unknown, col.name, _not_in(col.vocabulary),
                  reject=(t.name, col.name) not in KEEP_UNKNOWN)
        t.typed[col.name] = values


def _reader_issues(t: _Table, column: str) -> list[tuple[np.ndarray, str]]:
    """The cells of ``column`` the reader flagged (RawSource.cell_issues), one mask per reason."""
    found = t.cell_issues
    if found is None or not len(found):
        return []
    mine = found[found["column"] == column]
    positions = pd.Index(t.labels).get_indexer(mine["index"])
    out = []
    for reason in mine["reason"].unique():
        mask = np.zeros(t.n, dtype=bool)
        pos = positions[(mine["reason"] == reason).to_numpy() & (positions >= 0)]
        mask[pos] = True
        if mask.any():
            out.append((mask, str(reason)))
    return out


def _not_in(vocabulary: tuple[str, ...]) -> str:
    if len(vocabulary) <= 8:
        return f"is not one of {', '.join(vocabulary)}"
    return f"is not one of the {len(vocabulary)} codes ({', '.join(vocabulary[:4])}, …; docs/contract.md)"


def _codes(values: pd.Series, vocabulary: tuple[str, ...]) -> pd.Series:
    """Codes as the vocabulary spells them (``Open``, ``bank credit`` -> open, bank_credit)."""
    off = values.notna() & ~values.isin(vocabulary)
    if not off.any():
        return values
    canon = {code_key(v): v for v in vocabulary}
    fixes = {v: canon[code_key(v)] for v in values[off].unique() if code_key(v) in canon}
    if not fixes:
        return values
    return values.mask(off, values[off].map(fixes).fillna(values[off]))


def _check_duplicates(t: _Table) -> None:
    spec = TABLES[t.name]
    live = ~t.reject
    if spec.key:  # among rows still valid, so that a valid row wins over a broken first one
        k = spec.key[0]
        key = t.typed[k].where(live)
        present = key.notna().to_numpy()
        repeat = present & key.duplicated(keep="first").to_numpy()
        if repeat.any():
            first = present & ~repeat
            first_row = pd.Series(t.source_row[first], index=key[first].to_numpy())
            reason = f"repeats the {k} of row " + key[repeat].map(first_row).astype("str")
            t.add("DQ-DUPLICATE", repeat, k, reason.to_numpy(), reject=True)
    if t.name == "events":
        _check_identical_rows(t)


def _check_identical_rows(t: _Table) -> None:
    """Identical event rows (after typing, so 2024-01-05 equals 05/01/2024): keep the first."""
    live_pos = np.flatnonzero(~t.reject)
    # Each column as exact integers (the case's position is known from the orphan check),
    # hashed per row; only rows whose hashes repeat are compared exactly.
    codes = pd.DataFrame({
        c: t.parent_pos[c][live_pos] if c in t.parent_pos else _int_codes(s.iloc[live_pos])
        for c, s in t.typed.items()
    })
    hashes = pd.Series(pd.util.hash_pandas_object(codes, index=False).to_numpy())
    maybe = np.flatnonzero(hashes.duplicated(keep=False).to_numpy())
    if not len(maybe):
        return
    sub = codes.iloc[maybe]
    repeat = sub.duplicated(keep="first").to_numpy()
    if not repeat.any():
        return
    group = sub.groupby(list(sub.columns), sort=False).ngroup().to_numpy()
    first_row = pd.Series(t.source_row[live_pos[maybe]]).groupby(group).transform("first").to_numpy()
    mask = np.zeros(t.n, dtype=bool)
    mask[live_pos[maybe[repeat]]] = True
    reason = "is identical to row " + pd.Series(first_row[repeat]).astype("str")
    t.add("DQ-DUPLICATE", mask, None, reason.to_numpy(), reject=True)


def _int_codes(s: pd.Series) -> np.ndarray:
    """A typed column as int64 values equal exactly when the cells are equal (missing alike)."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.to_numpy().view("int64")  # NaT is the minimum int64
    if pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype="int64", na_value=np.iinfo(np.int64).min)
    return pd.factorize(s)[0].astype("int64")


def _positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Each value's position in ``keys`` (-1 when absent or missing), by an Arrow hash lookup
    (several times faster than pandas' isin on ten million strings)."""
    if not len(keys) or not len(values):
        return np.full(len(values), -1, dtype=np.int64)
    found = pc.index_in(to_arrow(values), value_set=to_arrow(keys))
    return pc.fill_null(found, -1).to_numpy().astype(np.int64)


def _check_orphans(t: _Table, valid: dict[str, pd.Series]) -> None:
    for column, parent in TABLES[t.name].parents.items():
        ref = t.typed[column]
        known = valid.get(parent, pd.Series([], dtype="str"))  # a parent table the source lacks
        t.parent_pos[column] = _positions(ref, known)
        orphan = ref.notna().to_numpy() & (t.parent_pos[column] < 0)
        kept = (t.name, column) in KEEP_ORPHAN
        t.add("DQ-ORPHAN", orphan, column,
              f"matches no valid row of {parent}" + (" (row kept)" if kept else ""),
              reject=not kept)


def _check_date_order(t: _Table, received: np.ndarray | None) -> None:
    """``received``: the valid cases' received_date, in the order of ``valid["cases"]``."""
    columns = DATE_ORDER.get(t.name, ())
    if t.name == "cases":
        base, what = t.typed["received_date"], "received_date"
    elif columns and received is not None:
        # A NaT sentinel at -1 makes the lookup one vectorised take; unknown cases give NaT.
        days = np.append(received, np.datetime64("NaT", "s"))
        base = pd.Series(days[t.parent_pos["case_id"]], index=t.raw.index, dtype="datetime64[s]")
        what = "the case's received_date"
    else:
        return
    for column in columns:
        early = (t.typed[column] < base).to_numpy(dtype=bool)
        if early.any():
            reason = f"is before {what} " + base[early].dt.strftime("%Y-%m-%d").astype("str")
            t.add("DQ-DATE-ORDER", early, column, reason.to_numpy(), reject=False)


def _check_row_date_order(t: _Table) -> None:
    """A later date of a row before its earlier one (a complaint resolved before it came in)."""
    for table, later, earlier in ROW_DATE_ORDER:
        if table != t.name:
            continue
        base = t.typed[earlier]
        early = (t.typed[later] < base).to_numpy(dtype=bool)
        if early.any():
            reason = f"is before {earlier} " + base[early].dt.strftime("%Y-%m-%d").astype("str")
            t.add("DQ-DATE-ORDER", early, later, reason.to_numpy(), reject=False)


def _check_complaint_events(events: pd.DataFrame, complaints: pd.DataFrame, raw: RawSource,
                            cache: dict[tuple[str, str, str], pd.Series]) -> pd.DataFrame | None:
    """``complaint`` events cross-checked against the complaints table (the record where both
    exist): an event matching no complaint of its case (by ``ref`` = complaint_id, or by a
    complaint of the case received within ``COMPLAINT_EVENT_DAYS`` of the event: a log and a
    register may date the same complaint a few days apart) is reported and kept."""
    ev = events.loc[events["event_type"] == "complaint", ["case_id", "event_date", "ref", "source_row"]]
    if ev.empty:
        return None
    by_ref = ev["ref"].notna() & ev["ref"].isin(complaints["complaint_id"])
    pairs = ev.reset_index().merge(complaints[["case_id", "received_date"]], on="case_id")
    near = (pairs["event_date"] - pairs["received_date"]).abs() <= pd.Timedelta(days=COMPLAINT_EVENT_DAYS)
    by_case = ev.index.isin(pairs.loc[near, "index"])
    lone = ev.loc[~(by_ref.to_numpy() | by_case)]
    if lone.empty:
        return None
    unit = lone["case_id"].map(_lookup(raw, cache, "cases", "case_id", "unit_id"))
    return pd.DataFrame({
        "rule_id": "DQ-ORPHAN", "table": "events", "row": pd.array(lone["source_row"], dtype="Int64"),
        "column": "event_type", "value": "complaint",
        "reason": "matches no row of complaints (row kept)", "entity_id": lone["case_id"],
        "case_id": lone["case_id"], "unit_id": unit,
    }).reset_index(drop=True)


def _issues(t: _Table, raw: RawSource, cache: dict[tuple[str, str, str], pd.Series]) -> pd.DataFrame:
    issues = pd.concat(t.parts, ignore_index=True).sort_values("pos", kind="stable", ignore_index=True)
    pos = issues["pos"].to_numpy()
    sub = t.raw.iloc[pos]

    def text(column: str) -> pd.Series:
        if column not in sub:
            return pd.Series(pd.NA, index=range(len(pos)), dtype="str")
        return as_text(sub[column]).reset_index(drop=True)

    case = text("case_id")
    if t.name in ("valuations", "auctions"):
        case = text("asset_id").map(_lookup(raw, cache, "assets", "asset_id", "case_id"))
    elif t.name == "bids":
        assets = text("auction_id").map(_lookup(raw, cache, "auctions", "auction_id", "asset_id"))
        case = assets.map(_lookup(raw, cache, "assets", "asset_id", "case_id"))
    unit = text("unit_id") if "unit_id" in TABLES[t.name].column_names else \
        case.map(_lookup(raw, cache, "cases", "case_id", "unit_id"))
    return pd.DataFrame({
        "rule_id": issues["rule_id"], "table": t.name,
        "row": pd.array(t.source_row[pos], dtype="Int64"),
        "column": issues["column"], "value": issues["value"], "reason": issues["reason"],
        "entity_id": text(ENTITY_COLUMN[t.name]),
        "case_id": case if t.name not in ("units", "executors", "reported_stats") else pd.NA,
        "unit_id": unit,
    })


def _lookup(raw: RawSource, cache: dict[tuple[str, str, str], pd.Series], table: str, key: str,
            value: str) -> pd.Series:
    """key -> value over a table's raw rows, to place an issue (which case, which unit).

    Raw rows, not valid ones: a rejected case still tells which unit its events belong to.
    """
    if (table, key, value) not in cache:
        df = raw.tables.get(table)
        if df is None or key not in df or value not in df:
            cache[table, key, value] = pd.Series([], dtype="str")
        else:
            keys, values = as_text(df[key]), as_text(df[value])
            ok = keys.notna() & ~keys.duplicated()
            cache[table, key, value] = pd.Series(values[ok].to_numpy(), index=keys[ok].to_numpy())
    return cache[table, key, value]


def _row_hashes(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row. DuckDB hashes ten million rows in well under a second,
    several times faster than pandas.util.hash_pandas_object."""
    frame = pd.DataFrame({
        f"c{i}": (s.astype("str") if s.dtype == object else s) for i, (_, s) in enumerate(df.items())
    })
    con.register("frame", frame)
    try:
        return con.sql(f"SELECT hash({', '.join(frame.columns)}) AS h FROM frame").fetchnumpy()["h"]
    finally:
        con.unregister("frame")


def fingerprint(raw: RawSource) -> str:
    """SHA-256 over the rows read, table by table in name order (and, for file sources,
    over the SHA-256 of each file's bytes as parsed).

    Row hashes are sorted within a table, so the same rows give the same
    fingerprint whatever order a database returns them in.
    """
    digest = hashlib.sha256()
    # The bytes actually parsed, for file sources: a file rewritten after it was read
    # changes the fingerprint even where its rows happen to read the same.
    for name in sorted(raw.files):
        digest.update(f"file\0{name}\0{raw.files[name].get('sha256')}\0".encode())
    with duckdb.connect() as con:
        for name in sorted(raw.tables):
            df = raw.tables[name]
            digest.update(f"{name}\0{len(df)}\0{chr(31).join(map(str, df.columns))}\0".encode())
            if len(df) and len(df.columns):
                digest.update(np.sort(_row_hashes(con, df)).astype("<u8").tobytes())
    return digest.hexdigest()


def validate(raw: RawSource) -> CaseRecords:
    """Type the raw tables and collect every data-quality problem (lazy validation).

    Parameters
    ----------
    raw : RawSource
        What :func:`audit.io.load_raw` read.

    Returns
    -------
    CaseRecords
        The rows that can be audited, typed per ``records.DTYPES`` with
        ``source_row``; ``issues`` lists every problem (``records.ISSUE_COLUMNS``)
        and ``counts`` how many rows each table had, kept and rejected.

    Raises
    ------
    SourceError
        If a table lacks a required column (a reader would have raised already).
    """
    tables: dict[str, pd.DataFrame] = {}
    valid: dict[str, pd.Series] = {}
    issues: list[pd.DataFrame] = []
    counts = []
    received: np.ndarray | None = None
    cache: dict[tuple[str, str, str], pd.Series] = {}
    for name, spec in TABLES.items():  # declaration order: parents first
        if name not in raw.tables:
            tables[name] = empty_frame(name)
            continue
        t = _Table(name, raw.tables[name], raw.row_base.get(name, 1),
                   raw.origin.get(name, raw.description), raw.cell_issues.get(name))
        _check_columns(t)
        _check_orphans(t, valid)
        _check_duplicates(t)
        _check_date_order(t, received)
        _check_row_date_order(t)
        tables[name] = t.kept()
        if spec.key:
            valid[name] = tables[name][spec.key[0]]
        if name == "cases":
            received = tables[name]["received_date"].to_numpy()
        if t.parts:
            issues.append(_issues(t, raw, cache))
        counts.append((name, t.n, int((~t.reject).sum()), int(t.reject.sum()), 0))
    if "complaints" in raw.tables:
        crossed = _check_complaint_events(tables["events"], tables["complaints"], raw, cache)
        if crossed is not None:
            issues.append(crossed)
    return CaseRecords(
        tables=tables,
        present=frozenset(n for n in raw.tables if n in TABLES),
        issues=_issue_frame(issues),
        counts=pd.DataFrame(counts, columns=list(COUNT_COLUMNS)).astype(
            {c: "int64" for c in COUNT_COLUMNS[1:]}),
        source=raw.description,
        fingerprint=fingerprint(raw),
        files={name: dict(info) for name, info in raw.files.items()},
    )


def _issue_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    dtypes = {c: ("Int64" if c == "row" else "str") for c in ISSUE_COLUMNS}
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in dtypes.items()})
    out = pd.concat(parts, ignore_index=True).astype(dtypes)
    return out.loc[:, list(ISSUE_COLUMNS)]


def summary(records: CaseRecords, limit: int = 20) -> str:
    """A plain-text data-quality summary (what ``audit validate SRC`` prints).

    Parameters
    ----------
    records : CaseRecords
    limit : int, default 20
        How many issues to list one per line.
    """
    lines = [f"source: {records.source}", f"fingerprint: {records.fingerprint}", ""]
    c = records.counts
    width = max([len("table"), *(len(str(n)) for n in c["table"])])
    lines.append(f"{'table':<{width}}  {'read':>10}  {'audited':>10}  {'rejected':>10}  {'after as-of':>11}")
    for row in c.itertuples(index=False):
        lines.append(f"{row.table:<{width}}  {row.rows_read:>10,}  {row.rows_audited:>10,}  "
                     f"{row.rows_rejected:>10,}  {row.rows_after_as_of:>11,}")
    i = records.issues
    lines.append("")
    if i.empty:
        lines.append("no data-quality issues")
        return "\n".join(lines)
    lines.append(f"{len(i):,} issues by rule:")
    for rule_id, n in i["rule_id"].value_counts().sort_index().items():
        lines.append(f"  {rule_id:<16} {n:>10,}")
    lines.append("by table and column:")
    where = i["table"] + "." + i["column"].fillna("(row)")
    for key, n in where.value_counts().sort_index().items():
        lines.append(f"  {key:<40} {n:>10,}")
    lines.append(f"first {min(limit, len(i))}:")
    lines.extend("  " + issue_line(r) for r in i.head(limit).itertuples(index=False))
    return "\n".join(lines)


def issue_line(issue: Any) -> str:
    """One issue as a line: ``cases row 14, column received_date: '31/02/2024' is not a date``."""
    place = f"{issue.table} row {issue.row}"
    if isinstance(issue.column, str):
        place += f", column {issue.column}"
    value = issue.value
    shown = f"'{value}' " if isinstance(value, str) and value != "" else ""
    return f"{place}: {shown}{issue.reason}"
