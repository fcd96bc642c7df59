"""The synthetic demo database: shape, determinism, and the property that matters —
normal records keep every deadline, so the truth table is the complete list of findings.

The deadline checks below are recomputed here, independently of the generator and
of the rules, with the work calendar and plain pandas.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from audit.calendar import WorkCalendar
from audit.contract import TABLES
from audit.demo import DemoSummary, generate, write_demo_database
from audit.measures import thads_metrics
from audit.records import DTYPES, CaseRecords

END = dt.date(2026, 10, 15)
AS_OF = pd.Timestamp(END)
# Every rule of docs/rules.md (version 1.1).
CATALOGUE = (
    "DL-DECISION", "DL-NOTIFY", "DL-VERIFY-FIRST", "DL-REVERIFY", "DL-AUCTION-CONTRACT", "DL-AUCTION-HELD",
    "DL-PRICE-REDUCTION", "DL-POSTPONE", "DL-COMPLAINT", "DI-LATE", "ST-NO-ACTION", "ST-BACKLOG", "MC-ASSETS-FOUND",
    "MC-NO-VERIFICATION", "MC-PERIOD-END", "MC-MODEL", "MC-UNIT-SHARE", "VA-COMPARABLE", "VA-REVALUATION-DROP",
    "VA-EXPIRED", "VA-CONCENTRATION", "AU-PRICE-CUT", "AU-NO-COMPETITION", "AU-REPEAT-FAILURE", "AU-RING",
    "AU-SCREENS", "AU-CONCENTRATION", "RC-REPORTED", "WL-CASELOAD", "WL-STALLED-SHARE", "DQ-SCHEMA",
    "DQ-DATE-ORDER", "DQ-UNKNOWN-CODE", "DQ-ORPHAN", "DQ-DUPLICATE",
)


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    return generate(units=4, cases_per_unit=400, seed=3)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar()


def planted(demo: dict[str, pd.DataFrame], *rules: str) -> set[str]:
    """Case ids the truth table names as findings of any of ``rules`` (and the bad rows of DQ-*)."""
    t = demo["truth"].loc[demo["truth"]["expect"] == "finding"]
    return set(t.loc[t["rule_id"].isin(rules) | t["rule_id"].str.startswith("DQ-"), "case_id"].dropna())


def clean_cases(demo: dict[str, pd.DataFrame], *rules: str) -> pd.DataFrame:
    c = demo["cases"]
    return c.loc[~c["case_id"].isin(planted(demo, *rules))].drop_duplicates("case_id")


def events_of(demo: dict[str, pd.DataFrame], kind: str) -> pd.DataFrame:
    e = demo["events"]
    return e.loc[e["event_type"] == kind]


# ---- shape ------------------------------------------------------------------
def test_same_seed_same_tables_other_seed_other_tables(demo):
    again = generate(units=4, cases_per_unit=400, seed=3)
    for name, frame in demo.items():
        pd.testing.assert_frame_equal(frame, again[name], check_exact=True)
    other = generate(units=4, cases_per_unit=400, seed=4)
    assert not other["cases"]["received_date"].equals(demo["cases"]["received_date"])


def test_tables_have_the_contract_columns_and_types(demo):
    for name, table in TABLES.items():
        frame = demo[name]
        assert list(frame.columns) == table.column_names, name
        for col in table.columns:
            assert str(frame[col.name].dtype) == DTYPES[col.kind], (name, col.name)
    assert list(demo["truth"].columns) == ["rule_id", "entity_type", "entity_id", "unit_id", "case_id", "note",
                                           "expect", "kind"]
    assert set(demo["truth"]["expect"]) == {"finding", "none"}
    assert set(demo["truth"]["kind"]) == {"violation", "indicator"}


def test_money_is_whole_vnd_and_present_where_required(demo):
    for name, table in TABLES.items():
        for col in table.columns:
            if col.kind != "money":
                continue
            values = demo[name][col.name]
            assert values.dtype == "Int64", (name, col.name)
            if not col.nullable:
                assert values.notna().all(), (name, col.name)
    assert demo["cases"]["amount_due"].max() > 1e9  # billions occur


def test_units_executors_and_cases_are_consistent(demo):
    units, executors, cases = demo["units"], demo["executors"], demo["cases"]
    assert units["unit_id"].tolist() == ["TINH", "KV01", "KV02", "KV03", "KV04"]
    assert (units.loc[units["level"] == "regional", "parent_id"] == "TINH").all()
    assert executors.groupby("unit_id").size().min() >= 3
    normal = cases.loc[~cases["case_id"].isin(planted(demo))]
    assert normal["executor_id"].isin(executors["executor_id"]).all()
    assert normal["status"].isin(TABLES["cases"].column("status").vocabulary).all()
    # Status and closure agree.
    closed = normal["status"].isin(["completed", "terminated", "entrusted", "returned"])
    assert (closed == normal["closed_date"].notna()).all()


def test_every_rule_of_the_catalogue_has_planted_findings(demo):
    truth = demo["truth"]
    assert set(CATALOGUE) <= set(truth.loc[truth["expect"] == "finding", "rule_id"])
    assert truth["entity_type"].isin(["case", "asset", "auction", "complaint", "executor", "unit", "valuer",
                                       "auctioneer", "bidder"]).all()
    # A case carries one planted anomaly (ST-BACKLOG is an indicator normal cases meet).
    cases = truth.loc[(truth["entity_type"] == "case") & (truth["rule_id"] != "ST-BACKLOG")
                      & ~truth["rule_id"].str.startswith("DQ-")]
    assert not cases["entity_id"].duplicated().any()


def test_truth_entities_exist(demo):
    t = demo["truth"]
    known = {
        "case": set(demo["cases"]["case_id"]), "asset": set(demo["assets"]["asset_id"]),
        "auction": set(demo["auctions"]["auction_id"]), "executor": set(demo["executors"]["executor_id"]),
        "unit": set(demo["units"]["unit_id"]), "valuer": set(demo["valuations"]["valuer_id"]),
        "auctioneer": set(demo["auctions"]["auctioneer_id"]), "bidder": set(demo["bids"]["bidder_id"]),
        "complaint": set(demo["complaints"]["complaint_id"]),
    }
    rows = t.loc[t["rule_id"] != "DQ-ORPHAN"]  # orphans point to what does not exist, by design
    for kind, ids in known.items():
        assert rows.loc[rows["entity_type"] == kind, "entity_id"].isin(ids).all(), kind


def test_written_database_has_the_tables_with_sql_types(tmp_path):
    out = tmp_path / "sub" / "demo.duckdb"
    out.parent.mkdir()
    out.write_bytes(b"not a database")  # replaced, not appended to
    summary = write_demo_database(out, units=2, cases_per_unit=150, seed=5)
    assert isinstance(summary, DemoSummary) and summary.path == out and summary.seconds > 0
    con = duckdb.connect(str(out), read_only=True)
    try:
        types = dict(con.execute(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns").fetchall())
        for table in (*TABLES, "truth"):
            assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == summary.counts[table]
    finally:
        con.close()
    assert types["cases.case_id"] == "VARCHAR" and types["cases.received_date"] == "DATE"
    assert types["cases.amount_due"] == "BIGINT" and types["cases.long_prison_term"] == "BOOLEAN"
    assert types["assets.area_m2"] == "DOUBLE" and types["auctions.round"] == "INTEGER"
    assert types["reported_stats.value"] == "BIGINT" and types["truth.case_id"] == "VARCHAR"


# ---- normal records keep the deadlines ---------------------------------------
def test_decisions_and_notifications_on_time(demo, calendar):
    cases = clean_cases(demo, "DL-DECISION", "DL-NOTIFY")
    limit = calendar.add_working_days(cases["received_date"], 5)
    # the decision column, or the decision event where the column is empty (contract 1.1 evidence)
    first = events_of(demo, "decision").groupby("case_id")["event_date"].min()
    decided = cases["decision_date"].fillna(cases["case_id"].map(first))
    cases = cases.assign(decision_date=decided)
    assert np.where(decided.notna(), decided <= limit, limit >= AS_OF).all()
    assert (decided.isna() | (decided >= cases["received_date"])).all()
    notified = events_of(demo, "notification").groupby("case_id")["event_date"].min()
    decided = cases.set_index("case_id")["decision_date"].dropna()
    limit = calendar.add_working_days(decided, 3)
    late = notified.reindex(decided.index).fillna(AS_OF) > limit
    assert not late.any()


def test_first_verification_on_time_unless_paid_in_the_voluntary_period(demo):
    cases = clean_cases(demo, "DL-VERIFY-FIRST").set_index("case_id")
    notified = events_of(demo, "notification").groupby("case_id")["event_date"].min()
    notified = notified.loc[notified.index.isin(cases.index)]
    deadline = notified + pd.Timedelta(days=20)
    first = demo["verifications"].groupby("case_id")["verification_date"].min().reindex(notified.index)
    col = events_of(demo, "collection").merge(notified.rename("n"), left_on="case_id", right_index=True)
    paid = col.loc[col["event_date"] <= col["n"] + pd.Timedelta(days=10)].groupby("case_id")["amount"].sum()
    in_full = paid.reindex(notified.index).fillna(0) >= cases["amount_due"].reindex(notified.index)
    late = (first > deadline) | (first.isna() & (deadline < AS_OF))
    assert not (late & ~in_full).any()


def test_collections_paid_out_within_ten_days_first_in_first_out(demo):
    cases = clean_cases(demo, "DI-LATE")
    ev = demo["events"].loc[demo["events"]["case_id"].isin(cases["case_id"])]
    col = ev.loc[ev["event_type"] == "collection"].sort_values(["case_id", "event_date"])
    dis = ev.loc[ev["event_type"] == "disbursement"].sort_values(["case_id", "event_date"])
    col = col.assign(cum=col.groupby("case_id")["amount"].cumsum())
    dis = dis.assign(cum=dis.groupby("case_id")["amount"].cumsum())
    # The day each collection is fully paid out: the first disbursement whose running total covers it.
    m = col.merge(dis[["case_id", "event_date", "cum"]], on="case_id", how="left", suffixes=("", "_d"))
    m = m.loc[m["cum_d"] >= m["cum"]].groupby(["case_id", "event_date", "cum"])["event_date_d"].min()
    paid = m.reindex(pd.MultiIndex.from_frame(col[["case_id", "event_date", "cum"]]))
    collected = col["event_date"].to_numpy()
    deadline = collected + np.timedelta64(10, "D")
    ok = np.where(paid.isna().to_numpy(), AS_OF.to_datetime64() <= deadline, paid.to_numpy() <= deadline)
    assert ok.all()
    assert len(col) > 500


def test_open_cases_are_acted_on_and_reverified(demo):
    cases = clean_cases(demo, "ST-NO-ACTION", "DL-REVERIFY").set_index("case_id")
    last = demo["events"].loc[demo["events"]["event_type"] != "complaint"].groupby("case_id")["event_date"].max()
    open_with = cases.loc[(cases["status"] == "open") & (cases["condition"] == "with_conditions")]
    assert ((AS_OF - last.reindex(open_with.index)).dt.days <= 180).all()
    still = cases["closed_date"].isna() & cases["status"].isin(["open", "postponed", "suspended"])
    without = cases.loc[still & (cases["condition"] == "without_conditions")]
    latest = demo["verifications"].groupby("case_id")["verification_date"].max().reindex(without.index)
    months = np.where(without["long_prison_term"].fillna(False), 12, 6)
    for m in (6, 12):
        sel = months == m
        assert (latest[sel] + pd.DateOffset(months=m) >= AS_OF).all()
    # The boundary the truth leaves out on purpose: a long prison term, 6–12 months stale.
    prison = without.loc[without["long_prison_term"].fillna(False)]
    assert (latest.reindex(prison.index) + pd.DateOffset(months=6) < AS_OF).any()


def test_without_conditions_rests_on_a_verification_that_found_nothing(demo):
    cases = clean_cases(demo, "MC-ASSETS-FOUND", "MC-NO-VERIFICATION", "MC-PERIOD-END", "MC-MODEL")
    cls = events_of(demo, "classified_without")
    cls = cls.loc[cls["case_id"].isin(cases["case_id"])]
    v = demo["verifications"].sort_values("verification_date")
    m = pd.merge_asof(cls.sort_values("event_date"), v, left_on="event_date", right_on="verification_date",
                      by="case_id", direction="backward", allow_exact_matches=False)
    assert m["verification_date"].notna().all()
    assert (m["outcome"] == "without_conditions").all()
    flags = ["land", "house", "vehicle", "bank_account", "income", "business"]
    assert not m[flags].any(axis=None)
    waves = demo["truth"].loc[(demo["truth"]["rule_id"] == "MC-PERIOD-END")
                              & (demo["truth"]["entity_type"] == "unit"), "unit_id"]
    assert len(waves) == 1
    in_wave = m["case_id"].str.split("-").str[0].isin(waves)
    assert (m.loc[~in_wave, "event_date"].dt.month != 9).all()  # September is the planted unit's


def test_reported_statistics_match_the_records_except_planted(demo):
    records = CaseRecords(tables={k: v for k, v in demo.items() if k != "truth"})
    rep = demo["reported_stats"]
    altered = set(demo["truth"].loc[demo["truth"]["rule_id"] == "RC-REPORTED", "unit_id"])
    assert altered
    for (start, end), group in rep.groupby(["period_start", "period_end"]):
        metrics = thads_metrics(records, start.date(), end.date())
        long = metrics.reset_index().melt(id_vars="unit_id", var_name="metric", value_name="recomputed")
        m = group.merge(long, on=["unit_id", "metric"], how="left")
        differ = m.loc[m["value"] != m["recomputed"], "unit_id"]
        assert set(differ) <= altered
    assert len(rep) == 4 * 4 * 6  # four complete statistical years, four units, six metrics


def test_rejects_an_impossible_request():
    with pytest.raises(ValueError, match="units"):
        generate(units=0)
    with pytest.raises(ValueError, match="too short"):
        generate(units=1, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 15))


# ---- contract 1.1 and the variety of the real world ---------------------------------------
def test_scheduled_rounds_have_a_planned_date_after_the_audit_date(demo):
    a = demo["auctions"]
    sched = a.loc[a["outcome"] == "scheduled"]
    assert len(sched) > 0
    assert (sched["auction_date"] > AS_OF).all() and sched["winner_id"].isna().all()
    assert (sched["contract_date"] <= AS_OF).all()
    assert (a.loc[a["outcome"] != "scheduled", "auction_date"] <= AS_OF).all()


def test_complaints_in_two_rounds_some_pending_each_with_its_event(demo):
    c = demo["complaints"]
    assert set(c["round"]) == {1, 2} and c["resolved_date"].isna().any()
    assert c["complaint_id"].is_unique and (c["received_date"] <= AS_OF).all()
    resolved = c.dropna(subset=["resolved_date"])
    assert (resolved["resolved_date"] >= resolved["received_date"]).all()
    ev = events_of(demo, "complaint")
    keys = set(zip(ev["case_id"], ev["event_date"], strict=True))
    assert all(k in keys for k in zip(c["case_id"], c["received_date"], strict=True))
    t = demo["truth"]
    late = t.loc[(t["rule_id"] == "DL-COMPLAINT") & (t["expect"] == "finding")]
    assert late["note"].str.startswith("round 2").any() and late["note"].str.contains("pending").any()


def test_detail_rows_missing_while_their_events_exist(demo):
    t = demo["truth"]
    gone = t.loc[(t["rule_id"] == "DL-AUCTION-CONTRACT") & (t["expect"] == "none"), "entity_id"]
    assert len(gone) > 0
    no_rows = gone.loc[~gone.isin(demo["auctions"]["asset_id"])]
    assert len(no_rows) > 0
    cases = demo["assets"].set_index("asset_id").loc[no_rows, "case_id"]
    contracts = events_of(demo, "auction_contract")
    assert cases.isin(contracts["case_id"]).all()
    unrecorded = t.loc[t["note"].str.contains("decision_date empty"), "case_id"]
    c = demo["cases"].set_index("case_id").loc[unrecorded]
    assert c["decision_date"].isna().all() and unrecorded.isin(events_of(demo, "decision")["case_id"]).all()


def test_rings_of_two_to_six_some_within_one_unit(demo):
    big = generate(units=8, cases_per_unit=900, seed=5)
    t = big["truth"]
    bidders = t.loc[(t["rule_id"] == "AU-RING") & (t["entity_type"] == "bidder"), "note"]
    sizes = set(bidders.str.extract(r"ring of (\d) ")[0].astype(int))
    assert {2, 3, 4} <= sizes
    assert bidders.str.contains("in one unit").any() and bidders.str.contains(r"in \d+ units").any()


def test_money_reaches_tens_of_thousands_of_billions_and_sums_fit(demo):
    amounts = demo["cases"]["amount_due"]
    assert amounts.max() >= 1_000_000_000_000  # a thousand billion VND and more
    thads_metrics(CaseRecords({k: v for k, v in demo.items() if k in TABLES}, present=frozenset(TABLES)),
                  dt.date(2022, 10, 1), END)


def test_the_audit_date_moves_the_whole_span():
    early = generate(units=3, cases_per_unit=300, seed=9, as_of=dt.date(2024, 3, 31))
    assert early["cases"]["received_date"].max() <= pd.Timestamp("2024-03-31")
    assert early["events"]["event_date"].max() <= pd.Timestamp("2024-03-31")
    assert early["cases"]["received_date"].min() >= pd.Timestamp("2019-12-01")
