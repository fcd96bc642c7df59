"""Market concentration of valuers and auction organisations within a unit."""

from __future__ import annotations

import pandas as pd


def concentration_hits(work: pd.DataFrame, provider: str, audited: pd.Index | list, *, min_share: float,
                       min_count: int) -> pd.DataFrame:
    """Units where one provider holds at least ``min_share`` of at least ``min_count`` jobs
    while the province as a whole is not concentrated (docs/rules.md: a threshold, not a
    statistical test).

    ``work`` has one row per job with ``unit_id`` and the ``provider`` column, for the
    whole province; hits are returned for the ``audited`` units only. The evidence
    gives the provider's share of the unit's jobs and of the province's, in plain
    percentages (a reviewer reads them without a concentration index).
    """
    work = work.dropna(subset=[provider, "unit_id"])
    if work.empty:
        return pd.DataFrame()
    per = work.groupby(["unit_id", provider]).size().rename("jobs").reset_index()
    per["total"] = per.groupby("unit_id")["jobs"].transform("sum")
    per["share"] = per["jobs"] / per["total"]
    prov = work[provider].value_counts(normalize=True)
    per["province_share"] = per[provider].map(prov).astype("float64")
    hit = (per["share"] >= min_share) & (per["total"] >= min_count) & (float(prov.max()) < min_share)
    hit &= per["unit_id"].isin(list(audited))
    h = per.loc[hit].reset_index(drop=True)
    return pd.DataFrame({
        "entity_id": h[provider], "unit_id": h["unit_id"], "key": h["unit_id"],
        "score": h["share"].astype("float64"),
        "ev_provider": h[provider], "ev_jobs": h["jobs"].astype("int64"), "ev_total": h["total"].astype("int64"),
        "ev_share": (h["share"] * 100).round(1),
        "ev_province_share": (h["province_share"] * 100).round(1),
    })
