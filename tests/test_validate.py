"""Lazy validation: typing, every DQ rule on hand-made rows, the counts invariant, the summary."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from _io_fixtures import all_rows, expected, raw_source

from audit.contract import TABLES
from audit.errors import SourceError
from audit.io.base import RawSource
from audit.records import ISSUE_COLUMNS
from audit.validate import fingerprint, issue_line, summary, validate


def changed(edits: dict[str, dict[int, dict[str, object]]] | None = None,
            extra: dict[str, list[dict[str, object]]] | None = None) -> RawSource:
    """The valid dataset with some cells changed and some rows appended (as CSV text)."""
    tables = all_rows()
    for table, by_row in (edits or {}).items():
        df = tables[table].astype(object)
        for i, values in by_row.items():
            for column, value in values.items():
                df.loc[i, column] = value
        tables[table] = df
    for table, new in (extra or {}).items():
        tables[table] = pd.concat([tables[table], pd.DataFrame(new)], ignore_index=True)
    return raw_source(tables)


def issues_of(records, rule_id: str) -> pd.DataFrame:
    return records.issues[records.issues["rule_id"] == rule_id].reset_index(drop=True)


def counts(records) -> dict[str, tuple[int, int, int]]:
    """Rows read, audited and rejected per table; checks that they add up."""
    c = records.counts.set_index("table")
    assert (c["rows_read"] == c["rows_audited"] + c["rows_rejected"] + c["rows_after_as_of"]).all()
    assert (c["rows_after_as_of"] == 0).all()  # validation sets nothing aside; as_of does
    return {t: tuple(int(v) for v in r[["rows_read", "rows_audited", "rows_rejected"]])
            for t, r in c.iterrows()}


def test_valid_text_is_typed_exactly():
    records = validate(raw_source(all_rows()))
    assert records.issues.empty
    for table, frame in expected().items():
        pd.testing.assert_frame_equal(records.tables[table].drop(columns="source_row"), frame)
        assert records.tables[table]["source_row"].dtype == "int64"
    assert list(records.issues.columns) == list(ISSUE_COLUMNS)
    assert str(records.issues["row"].dtype) == "Int64"


@pytest.mark.parametrize(("kind_column", "raw", "value"), [
    (("cases", "received_date"), "05/01/2024", dt.datetime(2024, 1, 5)),
    (("cases", "received_date"), "5/1/2024", dt.datetime(2024, 1, 5)),
    (("cases", "received_date"), dt.datetime(2024, 1, 5, 15, 30), dt.datetime(2024, 1, 5)),
    (("cases", "received_date"), 45296, dt.datetime(2024, 1, 5)),  # an Excel serial
    (("cases", "amount_due"), "1.234.567", 1234567),
    (("cases", "amount_due"), "1,234,567", 1234567),
    (("cases", "amount_due"), "1 234 567", 1234567),
    (("cases", "amount_due"), "1234567.0", 1234567),
    (("cases", "amount_due"), 1234567.0, 1234567),
    (("cases", "amount_due"), "98765432109876543", 98765432109876543),  # beyond float precision
    (("assets", "area_m2"), "12,5", 12.5),
    (("assets", "area_m2"), "1.234,5", 1234.5),
    (("verifications", "land"), "Có", True),
    (("verifications", "land"), "khong", False),
    (("verifications", "land"), "KHÔNG", False),
    (("verifications", "land"), "1", True),
    (("verifications", "land"), "yes", True),
    (("verifications", "land"), True, True),
    (("cases", "status"), " Open ", "open"),  # codes are matched leniently, stored canonically
    (("cases", "case_type"), "Bank credit", "bank_credit"),
    (("cases", "judgment_ref"), "  12/2023/DS-ST ", "12/2023/DS-ST"),
])
def test_accepted_forms(kind_column, raw, value):
    table, column = kind_column
    records = validate(changed({table: {0: {column: raw}}}))
    assert records.issues.empty, records.issues.to_string()
    got = records.tables[table][column].iloc[0]
    assert got == value
    assert type(got) is not float or isinstance(value, float)


def test_whitespace_and_empty_are_missing():
    records = validate(changed({"cases": {0: {"decision_date": "   ", "judgment_ref": ""}}}))
    assert records.issues.empty
    assert pd.isna(records.cases["decision_date"].iloc[0])
    assert pd.isna(records.cases["judgment_ref"].iloc[0])


# ---- DQ-SCHEMA ----------------------------------------------------------------------
def test_schema_unparseable_and_missing_values_reject_the_row():
    records = validate(changed({
        "cases": {0: {"received_date": "31/02/2024"}, 1: {"status": None}, 2: {"amount_due": "12.5"},
                  3: {"amount_due": "-5"}},
        "verifications": {1: {"land": "maybe"}},
        "auctions": {0: {"round": "first"}},
        "assets": {0: {"area_m2": "rộng"}},
    }))
    schema = issues_of(records, "DQ-SCHEMA")
    got = {(r.table, r.row, r.column, r.value) for r in schema.fillna({"value": "∅"}).itertuples()}
    assert got == {
        ("cases", 2, "received_date", "31/02/2024"), ("cases", 3, "status", "∅"),
        ("cases", 4, "amount_due", "12.5"), ("cases", 5, "amount_due", "-5"),
        ("verifications", 3, "land", "maybe"), ("auctions", 2, "round", "first"),
        ("assets", 2, "area_m2", "rộng"),
    }
    line = issue_line(schema[schema["row"] == 2].iloc[0])
    assert line == "cases row 2, column received_date: '31/02/2024' is not a date (expected YYYY-MM-DD or dd/mm/yyyy)"
    assert "required value is missing" in issue_line(schema[schema["column"] == "status"].iloc[0])
    first = schema[schema["row"] == 2].iloc[0]
    assert (first["entity_id"], first["case_id"], first["unit_id"]) == ("C1", "C1", "KV01")
    assert set(records.cases["case_id"]) == {"C5", "C6"}
    n = counts(records)
    assert n["cases"] == (6, 2, 4)
    assert n["verifications"][2] >= 1


def test_nullable_missing_is_fine_required_missing_is_not():
    records = validate(changed({"events": {0: {"amount": None, "ref": None}, 1: {"event_date": ""}}}))
    schema = issues_of(records, "DQ-SCHEMA")
    assert schema[["table", "row", "column"]].values.tolist() == [["events", 3, "event_date"]]
    assert schema["case_id"].tolist() == ["C1"] and schema["unit_id"].tolist() == ["KV01"]


# ---- DQ-UNKNOWN-CODE -------------------------------------------------------------------
def test_unknown_code_rejects_except_event_types():
    records = validate(changed({"cases": {1: {"status": "closed"}},
                                "events": {2: {"event_type": "phone_call"}},
                                "units": {0: {"level": "commune"}}}))
    unknown = issues_of(records, "DQ-UNKNOWN-CODE")
    assert set(zip(unknown["table"], unknown["value"], strict=True)) == {
        ("cases", "closed"), ("events", "phone_call"), ("units", "commune")}
    reasons = dict(zip(unknown["table"], unknown["reason"], strict=True))
    assert reasons["cases"] == ("is not one of open, completed, terminated, postponed, suspended, "
                                "entrusted, returned")
    assert reasons["events"].startswith("is not one of the 21 codes (received, decision,")
    assert "C2" not in set(records.cases["case_id"])
    assert "phone_call" in set(records.events["event_type"])  # kept and audited
    assert counts(records)["events"][2] == 2  # C2's two events become orphans of a rejected case
    assert set(records.units["unit_id"]) == {"KV01", "KV02"}


# ---- DQ-DUPLICATE --------------------------------------------------------------------
def test_duplicate_ids_keep_the_first():
    again = all_rows()["cases"].iloc[[0]].assign(amount_due="7").to_dict("records")
    records = validate(changed(extra={"cases": again}))
    dup = issues_of(records, "DQ-DUPLICATE")
    assert dup[["table", "row", "column", "value"]].values.tolist() == [["cases", 8, "case_id", "C1"]]
    assert dup["reason"].iloc[0] == "repeats the case_id of row 2"
    c1 = records.cases[records.cases["case_id"] == "C1"]
    assert c1["amount_due"].tolist() == [1234567] and c1["source_row"].tolist() == [2]
    assert counts(records)["cases"] == (7, 6, 1)


def test_a_valid_row_wins_over_a_broken_first_with_the_same_id():
    again = all_rows()["cases"].iloc[[0]].to_dict("records")
    records = validate(changed({"cases": {0: {"received_date": "bad"}}}, extra={"cases": again}))
    assert issues_of(records, "DQ-DUPLICATE").empty
    assert records.cases.loc[records.cases["case_id"] == "C1", "source_row"].tolist() == [8]


def test_identical_events_are_reported_and_dropped_after_typing():
    ev = all_rows()["events"]
    first = ev.iloc[0].to_dict()
    same_other_format = dict(first, event_date="05/01/2024")
    distinct = dict(first, ref="another")
    records = validate(changed(extra={"events": [first, same_other_format, distinct]}))
    dup = issues_of(records, "DQ-DUPLICATE")
    assert dup["row"].tolist() == [14, 15]
    assert dup["reason"].tolist() == ["is identical to row 2", "is identical to row 2"]
    assert dup["column"].isna().all() and dup["case_id"].tolist() == ["C1", "C1"]
    assert counts(records)["events"] == (15, 13, 2)
    assert issue_line(dup.iloc[0]) == "events row 14: is identical to row 2"


# ---- DQ-ORPHAN ------------------------------------------------------------------------
def test_orphans_are_rejected_and_cascade():
    records = validate(changed(
        {"cases": {3: {"received_date": "never"}}},  # C4 rejected -> its asset A1 is an orphan,
        extra={"events": [{"case_id": "C99", "event_date": "2024-01-01", "event_type": "received"}]},
    ))  # and so are A1's valuations, auctions and the bids of those auctions
    orphan = issues_of(records, "DQ-ORPHAN")
    got = sorted(zip(orphan["table"], orphan["value"], strict=True))
    assert got == sorted([("events", "C4"), ("events", "C99"), ("verifications", "C4"),
                          ("assets", "C4"), ("valuations", "A1"), ("valuations", "A1"),
                          ("auctions", "A1"), ("auctions", "A1"), ("bids", "AU2"), ("bids", "AU2")])
    assert records.bids.empty and records.valuations.empty
    bid = orphan[orphan["table"] == "bids"].iloc[0]
    assert (bid["case_id"], bid["unit_id"]) == ("C4", "KV01")  # placed through the raw parents
    assert bid["reason"] == "matches no valid row of auctions"
    n = counts(records)
    assert n["bids"] == (2, 0, 2) and n["events"] == (13, 11, 2)


def test_unknown_executor_is_reported_but_the_case_kept():
    records = validate(changed({"cases": {0: {"executor_id": "E99"}}}))
    orphan = issues_of(records, "DQ-ORPHAN")
    assert orphan[["table", "column", "value"]].values.tolist() == [["cases", "executor_id", "E99"]]
    assert "C1" in set(records.cases["case_id"])
    assert counts(records)["cases"] == (6, 6, 0)


def test_orphan_unit_and_executor_of_a_missing_unit():
    records = validate(changed({"executors": {2: {"unit_id": "KV09"}}}))
    orphan = issues_of(records, "DQ-ORPHAN")
    # E3 is rejected, so C5 and C6 (E3's cases) report an unknown executor but stay.
    assert sorted(zip(orphan["table"], orphan["value"], strict=True)) == [
        ("cases", "E3"), ("cases", "E3"), ("executors", "KV09")]
    assert len(records.cases) == 6


# ---- DQ-DATE-ORDER -----------------------------------------------------------------------
def test_date_order_is_reported_and_rows_kept():
    records = validate(changed({
        "cases": {0: {"decision_date": "2024-01-04"}, 1: {"closed_date": "2024-01-31"}},
        "events": {6: {"event_date": "31/01/2024"}},
        "verifications": {2: {"verification_date": "2024-01-19"}},
    }))
    order = issues_of(records, "DQ-DATE-ORDER")
    got = [tuple(x) for x in order[["table", "row", "column", "value"]].values.tolist()]
    assert got == [("cases", 2, "decision_date", "2024-01-04"), ("cases", 3, "closed_date", "2024-01-31"),
                   ("events", 8, "event_date", "31/01/2024"),
                   ("verifications", 4, "verification_date", "2024-01-19")]
    assert order["reason"].iloc[0] == "is before received_date 2024-01-05"
    assert order["reason"].iloc[2] == "is before the case's received_date 2024-02-01"
    assert all(n[2] == 0 for n in counts(records).values())
    assert records.issues["rule_id"].unique().tolist() == ["DQ-DATE-ORDER"]


# ---- the invariant, odd input, fingerprint, summary ----------------------------------------
GARBAGE = ["", " ", "NA", "null", "??", "-1", "1e400", "31/12/99999", "0", "1.2.3", "có", "2024-13-01",
           "\u00a0", "'", '"', "=1+1", "x" * 300, "12,5", None, float("nan"), 3.5, -7, True,
           dt.datetime(1900, 1, 1), dt.date(2024, 2, 29)]


@pytest.mark.parametrize("seed", range(8))
def test_random_garbage_never_crashes_and_nothing_is_lost(seed):
    rng = np.random.default_rng(seed)
    tables = {t: df.astype(object) for t, df in all_rows().items()}
    for df in tables.values():
        for _ in range(int(df.size * 0.3)):
            df.iat[rng.integers(len(df)), rng.integers(df.shape[1])] = GARBAGE[rng.integers(len(GARBAGE))]
    records = validate(raw_source(tables))
    n = counts(records)
    assert set(n) == set(TABLES)
    for table, (read, audited, _) in n.items():
        assert read == len(tables[table]) and audited == len(records.tables[table])
    rejected_rows = records.issues.groupby("table")["row"].nunique()
    for table, (_, _, rejected) in n.items():
        assert rejected <= rejected_rows.get(table, 0)  # every rejected row has a reason
    assert list(records.issues.columns) == list(ISSUE_COLUMNS)
    summary(records)


def test_header_only_and_absent_tables():
    tables = {t: df.iloc[:0] for t, df in all_rows().items() if TABLES[t].required}
    records = validate(raw_source(tables))
    assert records.issues.empty
    assert set(records.counts["table"]) == set(tables)
    assert (records.counts[["rows_read", "rows_audited", "rows_rejected"]] == 0).all().all()
    assert records.bids.empty and list(records.bids.columns) == [*TABLES["bids"].column_names, "source_row"]


def test_a_raw_source_without_a_required_column_is_a_source_error():
    tables = all_rows()
    tables["events"] = tables["events"].drop(columns="event_date")
    with pytest.raises(SourceError, match=r"^events.csv, table events: required column 'event_date'"):
        validate(raw_source(tables))


def test_extra_columns_are_dropped():
    tables = all_rows()
    tables["cases"] = tables["cases"].assign(note="x")
    records = validate(raw_source(tables))
    assert "note" not in records.cases.columns


def test_fingerprint_is_deterministic_order_free_and_sensitive():
    base = raw_source(all_rows())
    shuffled = all_rows()
    shuffled["events"] = shuffled["events"].iloc[::-1]
    assert fingerprint(base) == fingerprint(raw_source(all_rows())) == fingerprint(raw_source(shuffled))
    assert fingerprint(base) != fingerprint(changed({"events": {0: {"amount": "1"}}}))
    assert validate(base).fingerprint == fingerprint(base)


def test_summary_lists_counts_rules_and_first_issues():
    records = validate(changed({"cases": {0: {"received_date": "31/02/2024"}},
                                "events": {2: {"event_type": "phone_call"}}}))
    text = summary(records)
    assert "source: hand-made" in text and records.fingerprint in text
    assert "cases" in text and "DQ-SCHEMA" in text and "DQ-UNKNOWN-CODE" in text
    assert "cases.received_date" in text
    assert ("cases row 2, column received_date: '31/02/2024' is not a date "
            "(expected YYYY-MM-DD or dd/mm/yyyy)") in text
    assert "no data-quality issues" in summary(validate(raw_source(all_rows())))
    many = validate(changed({"events": {i: {"event_type": f"odd{i}"} for i in range(12)},
                             "cases": {i: {"status": "x"} for i in range(6)}}))
    assert sum(line.startswith("  ") and " row " in line for line in summary(many).splitlines()) == 20


def test_for_unit_keeps_the_units_issues():
    records = validate(changed({"cases": {4: {"received_date": "bad"}}, "events": {0: {"amount": "x"}}}))
    assert set(records.issues["unit_id"]) == {"KV01", "KV02"}
    kv01 = records.for_unit("KV01")
    assert set(kv01.issues["unit_id"]) == {"KV01"}


def test_large_chunked_columns_take_fast_paths_with_the_same_results():
    # 24,000 events (over the 10,000-row threshold for parsing distinct dates once), built by
    # concatenation so pandas holds them as chunked Arrow arrays.
    tables = all_rows()
    ev = tables["events"]
    other_format = ev.assign(event_date=pd.to_datetime(ev["event_date"]).dt.strftime("%d/%m/%Y"))
    bad = ev.iloc[[0]].assign(event_date="31/02/2024")
    tables["events"] = pd.concat([ev, bad, *([other_format, ev] * 1000)], ignore_index=True)
    assert len(tables["events"]) == 24_013
    records = validate(raw_source(tables))
    pd.testing.assert_frame_equal(records.events.drop(columns="source_row"), expected()["events"])
    schema = issues_of(records, "DQ-SCHEMA")
    assert schema[["row", "column", "value"]].values.tolist() == [[14, "event_date", "31/02/2024"]]
    dup = issues_of(records, "DQ-DUPLICATE")
    assert len(dup) == 24_000 and dup["row"].min() == 15
    assert set(dup["reason"]) == {f"is identical to row {r}" for r in range(2, 14)}
    assert counts(records)["events"] == (24_013, 12, 24_001)


# ---- contract 1.1: scheduled auctions, the complaints table ---------------------------------
def test_scheduled_auction_is_accepted_with_a_planned_date():
    records = validate(changed({"auctions": {1: {"outcome": "scheduled", "winning_price": None,
                                                 "winner_id": None, "auction_date": "2025-01-10"}}}))
    assert issues_of(records, "DQ-UNKNOWN-CODE").empty
    assert records.auctions["outcome"].tolist() == ["failed", "scheduled"]


def test_complaints_are_validated_like_any_table():
    records = validate(changed(
        {"complaints": {0: {"resolved_date": "2024-02-10", "subject": "judge"}}},
        extra={"complaints": [
            {"complaint_id": "K2", "case_id": "C5", "received_date": "2024-03-02", "round": "1",
             "subject": "executor"},
            {"complaint_id": "K3", "case_id": "C99", "received_date": "2024-03-02", "round": "1",
             "subject": "other"},
            {"complaint_id": "K4", "case_id": "C5", "received_date": "2024-01-02", "round": "x",
             "subject": "other"}]}))
    got = sorted(zip(records.issues["rule_id"], records.issues["table"], records.issues["column"],
                     records.issues["value"], strict=True))
    assert got == [("DQ-DATE-ORDER", "complaints", "received_date", "2024-01-02"),
                   ("DQ-DATE-ORDER", "complaints", "resolved_date", "2024-02-10"),
                   ("DQ-DUPLICATE", "complaints", "complaint_id", "K2"),
                   ("DQ-ORPHAN", "complaints", "case_id", "C99"),
                   ("DQ-SCHEMA", "complaints", "round", "x"),
                   ("DQ-UNKNOWN-CODE", "complaints", "subject", "judge")]
    # the complaint resolved before it came in is reported (and kept) once its code is right
    order = validate(changed({"complaints": {0: {"resolved_date": "2024-02-10"}}}))
    assert issues_of(order, "DQ-DATE-ORDER")[["column", "reason"]].values.tolist() == [
        ["resolved_date", "is before received_date 2024-02-15"]]
    assert order.complaints["complaint_id"].tolist() == ["K1", "K2"]
    units = records.issues.loc[records.issues["table"] == "complaints"].set_index("value")["unit_id"]
    assert units["judge"] == "KV01" and units["K2"] == "KV02" and pd.isna(units["C99"])


def test_complaint_events_are_cross_checked_against_the_table():
    records = validate(changed(extra={"events": [
        {"case_id": "C1", "event_date": "2024-02-15", "event_type": "complaint"},           # K1's day
        {"case_id": "C5", "event_date": "2024-03-09", "event_type": "complaint", "ref": "K2"},  # K2 by ref
        {"case_id": "C5", "event_date": "2024-04-01", "event_type": "complaint"},           # no complaint
    ]}))
    lone = issues_of(records, "DQ-ORPHAN")
    assert lone[["table", "entity_id", "reason"]].values.tolist() == [
        ["events", "C5", "matches no row of complaints (row kept)"]]
    assert (records.events["event_type"] == "complaint").sum() == 3  # every event is kept
    # without a complaints table, complaint events are accepted as before
    tables = all_rows()
    del tables["complaints"]
    tables["events"] = pd.concat([tables["events"], pd.DataFrame([
        {"case_id": "C5", "event_date": "2024-04-01", "event_type": "complaint"}])], ignore_index=True)
    assert validate(raw_source(tables)).issues.empty
