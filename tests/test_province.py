"""A unit's province comparison from a store: aggregates computed in SQL equal those
computed from the peers' records, and a unit's findings and report figures are the
same whether it is audited from the store or from the source it was imported from."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from audit.io import load_records
from audit.io.province_sql import province_from_store
from audit.io.store import load_store
from audit.io.store_import import import_source
from audit.pipeline import audit_unit, peer_units
from audit.province import province_from_records
from audit.report import facts

AS_OF = dt.date(2026, 10, 15)
START, END = dt.date(2025, 10, 1), dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    """The demo province (4 units) as a DuckDB file and as a store of each layout."""
    from audit.demo import write_demo_database

    root = tmp_path_factory.mktemp("province")
    db = root / "demo.duckdb"
    write_demo_database(db, units=4, cases_per_unit=400)
    stores = {kind: root / name for kind, name in (("duckdb", "store.duckdb"), ("parquet", "store"))}
    for target in stores.values():
        import_source(str(db), target)
    return {"db": db, **stores}


@pytest.mark.parametrize("kind", ["duckdb", "parquet"])
@pytest.mark.parametrize("as_of, start, end", [(AS_OF, START, END),
                                                # an audit date inside the period: later closures undone
                                                (dt.date(2026, 3, 10), dt.date(2025, 10, 1), dt.date(2026, 3, 10))])
def test_peer_figures_from_sql_equal_those_from_the_records(demo, kind, as_of, start, end):
    records = load_records(str(demo["db"]))
    peers = peer_units(records.units, "KV02")
    assert len(peers) > 2
    population = records.for_units(peers).as_of(as_of)
    frames = province_from_records(population, peers, start, end, as_of)
    sql = province_from_store(demo[kind], peers, start, end, as_of)
    pd.testing.assert_frame_equal(sql.kpis, frames.kpis)
    pd.testing.assert_frame_equal(sql.monthly, frames.monthly)
    pd.testing.assert_frame_equal(sql.open_without, frames.open_without)
    assert sql.kpis["cases_total"].sum() > 500 and sql.monthly["cases_rate"].notna().all()


def test_a_unit_from_the_store_has_the_findings_and_figures_it_has_from_the_source(demo):
    from_source = audit_unit(str(demo["db"]), "KV02", AS_OF)
    from_store = audit_unit(str(demo["duckdb"]), "KV02", AS_OF)
    assert len(from_source.findings) > 50
    assert from_store.findings["finding_id"].tolist() == from_source.findings["finding_id"].tolist()
    pd.testing.assert_frame_equal(from_store.findings.drop(columns="source_row", errors="ignore"),
                                  from_source.findings.drop(columns="source_row", errors="ignore"))
    for name in ("kpis", "peer_kpis", "previous_kpis"):
        pd.testing.assert_frame_equal(getattr(from_store, name), getattr(from_source, name))
    assert from_store.province is not None and from_source.province is not None
    pd.testing.assert_frame_equal(from_store.province.monthly, from_source.province.monthly)
    # From the store the peers' events stay in SQL: only their assets are read row by row.
    assert from_store.population is not None and from_store.population.events.empty
    assert set(from_store.population.assets["asset_id"]) == set(from_source.population.assets["asset_id"])
    # The report's province comparisons of assets read the same rows.
    for kind in ("valuer", "auctioneer"):
        pd.testing.assert_frame_equal(facts.provider_shares(from_store, kind), facts.provider_shares(from_source, kind))
    # (a store keeps its rows sorted by unit: the same points, in another order)
    pd.testing.assert_frame_equal(facts.per_m2_ratios(from_store).sort_values("asset_id", ignore_index=True),
                                  facts.per_m2_ratios(from_source).sort_values("asset_id", ignore_index=True))
    for (members, pairs), (members_src, pairs_src) in zip(facts.ring_groups(from_store),
                                                          facts.ring_groups(from_source), strict=True):
        assert members == members_src
        pd.testing.assert_frame_equal(pairs, pairs_src)
    assert (sorted(facts.winning_premiums(from_store.population).tolist())
            == sorted(facts.winning_premiums(from_source.population).tolist()))


def test_assets_only_reads_the_cases_holding_assets(demo):
    whole = load_store(demo["duckdb"])
    assets = load_store(demo["duckdb"], ["KV01", "KV02"], assets_only=True)
    assert assets.events.empty and assets.verifications.empty
    assert set(assets.cases["case_id"]) == set(whole.for_units(["KV01", "KV02"]).assets["case_id"])
    pd.testing.assert_frame_equal(assets.bids.reset_index(drop=True),
                                  whole.for_units(["KV01", "KV02"]).bids.reset_index(drop=True))
