"""The numbers behind the report's comparisons and pictures.

Each function reads a :class:`audit.pipeline.UnitAudit`'s frames and returns a
small frame the sections format and the charts draw; none displays anything.
Comparisons with the province use the peers' records (``result.population``)
when the audit read them, and fall back to the unit alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import measures
from .._frames import lookup, member
from ..contract import CATEGORIES, SEVERITIES
from ..measures import monthly_rates, with_rates
from ..rules._common import assets_with_cases, auctions_with_assets
from ..rules.collusion import co_bidding_pairs

if TYPE_CHECKING:
    from ..pipeline import UnitAudit
    from ..records import CaseRecords

__all__ = ["unit_kpi_row", "province_kpis", "monthly_rates", "owed_by_case", "findings_overview",
           "executor_findings", "provider_shares", "winning_premiums", "per_m2_ratios", "ring_groups",
           "without_shares", "distinct_money"]

_SUMMED = ("cases_total", "cases_with_conditions", "cases_resolved", "money_total",
           "money_with_conditions", "money_resolved", "money_resolved_with_conditions",
           "cases_without_conditions", "open_cases", "executors")


def unit_kpi_row(kpis: pd.DataFrame | None, unit_id: object) -> dict[str, Any]:
    """The unit's row of a KPI frame as a dict ({} when the unit had no cases)."""
    if kpis is None or kpis.empty:
        return {}
    match = kpis[kpis["unit_id"] == unit_id]
    return match.iloc[0].to_dict() if not match.empty else {}


def province_kpis(result: UnitAudit) -> dict[str, Any]:
    """The peers' metrics summed (rates recomputed from the sums) and how many units."""
    peers = result.peer_kpis
    if peers is None or peers.empty or len(peers) < 2:
        return {}
    row: dict[str, Any] = {c: int(peers[c].sum()) for c in _SUMMED if c in peers}
    row["units"] = int(len(peers))
    return with_rates(row)


def owed_by_case(records: CaseRecords) -> pd.Series:
    """Money still owed on each case (amount due less collections), indexed by case_id."""
    cases = records.cases
    paid = measures.collections_of(records).groupby("case_id")["amount"].sum()
    owed = (cases["amount_due"] - lookup(cases["case_id"], paid).fillna(0).astype("Int64")).clip(lower=0)
    return pd.Series(owed.to_numpy(), index=cases["case_id"].to_numpy()).groupby(level=0).first()


def distinct_money(findings: pd.DataFrame) -> int:
    """The amounts the findings name, each fact once: the members of one bidder ring
    share one evidence line and one amount, and are one fact."""
    named = findings.dropna(subset=["amount"]).drop_duplicates(["rule_id", "evidence", "amount"])
    return int(named["amount"].sum())


def findings_overview(result: UnitAudit) -> pd.DataFrame:
    """Per category with findings: counts by severity, the total, the distinct cases
    concerned, the money still owed on those cases and the amounts the findings name."""
    f = result.findings
    owed = owed_by_case(result.records)
    rows = []
    for cat in CATEGORIES:
        rows_cat = f[f["category"] == cat]
        if rows_cat.empty:
            continue
        cases = rows_cat["case_id"].dropna().unique()
        row: dict[str, Any] = {"category": cat}
        row |= {s: int((rows_cat["severity"] == s).sum()) for s in SEVERITIES}
        row |= {"total": int(len(rows_cat)), "cases": int(len(cases)),
                "money_owed": int(owed.reindex(cases).fillna(0).sum()),
                "money_named": distinct_money(rows_cat)}
        rows.append(row)
    return pd.DataFrame(rows, columns=["category", *SEVERITIES, "total", "cases", "money_owed",
                                       "money_named"])


def executor_findings(result: UnitAudit, top: int = 15) -> pd.DataFrame:
    """Findings per executor by severity, the ``top`` executors with most findings:
    executor_id, name, high, medium, low, total."""
    f = result.findings.dropna(subset=["executor_id"])
    if f.empty:
        return pd.DataFrame(columns=["executor_id", "name", *SEVERITIES, "total"])
    counts = (f.groupby(["executor_id", "severity"]).size().unstack(fill_value=0)
              .reindex(columns=list(SEVERITIES), fill_value=0))
    counts["total"] = counts.sum(axis=1)
    counts = counts.sort_values(["total", *SEVERITIES], ascending=False, kind="stable").head(top)
    names = result.records.executors.drop_duplicates("executor_id").set_index("executor_id")["name"]
    out = counts.reset_index()
    out["name"] = lookup(out["executor_id"], names).fillna(out["executor_id"])
    return out[["executor_id", "name", *SEVERITIES, "total"]]


def _peers(result: UnitAudit) -> CaseRecords:
    return result.population if result.population is not None else result.records


def provider_shares(result: UnitAudit, kind: str, top: int = 10) -> pd.DataFrame:
    """Each valuer's (``kind="valuer"``) or auction organisation's (``"auctioneer"``) share
    of the unit's jobs and of the province's: provider, unit_jobs, unit_share,
    province_jobs, province_share — the unit's ``top`` providers first."""
    column = f"{kind}_id"

    def jobs(records: CaseRecords) -> pd.Series:
        if kind == "valuer":
            work = records.valuations.merge(assets_with_cases(records)[["asset_id"]], on="asset_id")
        else:
            work = auctions_with_assets(records)
        return work[column].dropna().value_counts()

    unit, province = jobs(result.records), jobs(_peers(result))
    if unit.empty:
        return pd.DataFrame(columns=["provider", "unit_jobs", "unit_share", "province_jobs",
                                     "province_share"])
    out = pd.DataFrame({"unit_jobs": unit, "province_jobs": province}).fillna(0)
    out["unit_share"] = out["unit_jobs"] / unit.sum()
    out["province_share"] = out["province_jobs"] / max(province.sum(), 1)
    out = out.sort_values(["unit_jobs", "province_jobs"], ascending=False, kind="stable").head(top)
    out = out.rename_axis("provider").reset_index()
    return out.astype({"unit_jobs": "int64", "province_jobs": "int64"})


def winning_premiums(records: CaseRecords) -> pd.Series:
    """Winning price over starting price, less one, of every sold auction round."""
    a = auctions_with_assets(records)
    sold = a.loc[(a["outcome"] == "sold") & (a["starting_price"] > 0) & a["winning_price"].notna()]
    return (sold["winning_price"].astype("float64") / sold["starting_price"].astype("float64") - 1
            ).reset_index(drop=True)


def per_m2_ratios(result: UnitAudit) -> pd.DataFrame:
    """Each land, house and apartment's latest value per m² against its comparables'
    median, as VA-COMPARABLE compares them (same district and type, else the province):
    asset_id, asset_type, ratio, audited (the unit's own asset), flagged (a finding)."""
    peers = _peers(result)
    settings = result.settings
    enough = int(settings.param("VA-COMPARABLE", "min_comparables", 5))
    a = assets_with_cases(peers)
    a = a.loc[a["asset_type"].isin(["land", "house", "apartment"]) & (a["area_m2"] > 0)]
    v = peers.valuations.sort_values(["valuation_date", "source_row"], kind="stable")
    a = a.merge(v.drop_duplicates("asset_id", keep="last")[["asset_id", "value"]], on="asset_id")
    if a.empty:
        return pd.DataFrame(columns=["asset_id", "asset_type", "ratio", "audited", "flagged"])
    a["per_m2"] = a["value"].astype("float64") / a["area_m2"]
    district = a.groupby(["district", "asset_type"], dropna=False)["per_m2"]
    province = a.groupby("asset_type")["per_m2"]
    local = a["district"].notna() & (district.transform("size") >= enough)
    median = district.transform("median").where(local, province.transform("median"))
    count = district.transform("size").where(local, province.transform("size"))
    a["ratio"] = a["per_m2"] / median
    a = a.loc[count >= enough]
    f = result.findings
    flagged = f.loc[f["rule_id"] == "VA-COMPARABLE", "entity_id"]
    a["audited"] = member(a["asset_id"], result.records.assets["asset_id"])
    a["flagged"] = member(a["asset_id"], flagged)
    return a[["asset_id", "asset_type", "ratio", "audited", "flagged"]].reset_index(drop=True)


def ring_groups(result: UnitAudit) -> list[tuple[list[str], pd.DataFrame]]:
    """The AU-RING groups: for each, its members and the pairs among them with how many
    auctions each pair bid in together (bidder_id_a, bidder_id_b, together)."""
    f = result.findings
    flagged = sorted(f.loc[(f["rule_id"] == "AU-RING") & (f["entity_type"] == "bidder"), "entity_id"].dropna().unique())
    if not flagged:
        return []
    bids = _peers(result).bids
    pairs = co_bidding_pairs(bids.loc[member(bids["bidder_id"], flagged)], 1)
    minimum = int(result.settings.param("AU-RING", "min_together", 5))
    strong = pairs.loc[pairs["together"] >= minimum]
    # Groups: the connected parts of the strong co-bidding links among flagged bidders.
    group = {b: b for b in flagged}

    def root(b: str) -> str:
        while group[b] != b:
            b = group[b]
        return b

    for a, b in zip(strong["bidder_id_a"], strong["bidder_id_b"], strict=True):
        group[root(a)] = root(b)
    members: dict[str, list[str]] = {}
    for b in flagged:
        members.setdefault(root(b), []).append(b)
    out = []
    for ids in sorted(members.values(), key=lambda m: (-len(m), m)):
        inside = pairs.loc[member(pairs["bidder_id_a"], ids) & member(pairs["bidder_id_b"], ids)]
        out.append((ids, inside[["bidder_id_a", "bidder_id_b", "together"]].reset_index(drop=True)))
    return out


def without_shares(result: UnitAudit) -> pd.DataFrame:
    """Per peer unit: the share of its unresolved cases on the books at the period's end
    that were classified without conditions: unit_id, share, audited."""
    peers = result.peer_kpis if result.peer_kpis is not None else result.kpis
    if peers is None or peers.empty:
        return pd.DataFrame(columns=["unit_id", "share", "audited"])
    unresolved = (peers["cases_total"] - peers["cases_resolved"]).astype("float64")
    share = peers["cases_without_conditions"].astype("float64") / unresolved.where(unresolved > 0)
    out = pd.DataFrame({"unit_id": peers["unit_id"], "share": share.to_numpy(dtype="float64",
                                                                              na_value=np.nan)})
    out["audited"] = out["unit_id"] == result.unit.get("unit_id")
    return out.dropna(subset=["share"]).reset_index(drop=True)
