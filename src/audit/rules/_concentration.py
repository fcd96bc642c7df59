"""Market concentration of valuers and auction organisations within a unit."""

from __future__ import annotations

import pandas as pd
from scipy.stats import binom

from ._common import bh_qvalues


def concentration_hits(work: pd.DataFrame, provider: str, audited: pd.Index | list, *, min_share: float,
                       min_count: int, fdr: float) -> pd.DataFrame:
    """Units where one provider holds at least ``min_share`` of at least ``min_count`` jobs,
    far more than its share elsewhere in the province explains, while the province as a
    whole is not concentrated.

    ``work`` has one row per job with ``unit_id`` and the ``provider`` column, for the
    whole province; hits are returned for the ``audited`` units only. Each (unit,
    provider) pair of a unit with ``min_count`` jobs is tested: the unit's jobs of the
    provider against a binomial draw at the provider's share of the other units' jobs
    (one-sided); the Benjamini–Hochberg procedure keeps the false discovery rate across
    the pairs at ``fdr``. The Herfindahl–Hirschman index (HHI, sum of squared shares) of
    the unit and of the province go into the evidence with the q-value.
    """
    work = work.dropna(subset=[provider, "unit_id"])
    if work.empty:
        return pd.DataFrame()
    per = work.groupby(["unit_id", provider]).size().rename("jobs").reset_index()
    per["total"] = per.groupby("unit_id")["jobs"].transform("sum")
    per["share"] = per["jobs"] / per["total"]
    hhi = (per["share"] ** 2).groupby(per["unit_id"]).sum().rename("hhi")
    prov = work[provider].value_counts(normalize=True)
    prov_hhi = float((prov**2).sum())
    per = per.merge(hhi, left_on="unit_id", right_index=True)
    per["province_share"] = per[provider].map(prov).astype("float64")
    per = per.loc[per["total"] >= min_count].reset_index(drop=True)
    if per.empty:
        return pd.DataFrame()
    elsewhere_jobs = per[provider].map(work[provider].value_counts()).astype("float64") - per["jobs"]
    elsewhere_total = len(work) - per["total"]
    rate = ((elsewhere_jobs + 0.5) / (elsewhere_total + 1)).clip(upper=1.0)
    pval = binom.sf(per["jobs"].to_numpy() - 1, per["total"].to_numpy(), rate.to_numpy())
    per["q"] = bh_qvalues(pval)
    hit = (per["share"] >= min_share) & (float(prov.max()) < min_share) & (per["q"] <= fdr)
    hit &= per["unit_id"].isin(list(audited))
    h = per.loc[hit].reset_index(drop=True)
    return pd.DataFrame({
        "entity_id": h[provider], "unit_id": h["unit_id"], "key": h["unit_id"],
        "score": h["share"].astype("float64"),
        "ev_provider": h[provider], "ev_jobs": h["jobs"].astype("int64"), "ev_total": h["total"].astype("int64"),
        "ev_share": (h["share"] * 100).round(1), "ev_hhi": h["hhi"].round(2),
        "ev_province_share": (h["province_share"] * 100).round(1), "ev_province_hhi": round(prov_hhi, 2),
        "ev_q": h["q"].astype("float64"),
    })
