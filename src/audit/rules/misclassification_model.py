"""MC-MODEL: a model of which cases have conditions, to rank the cases classified
*without* conditions by how much they look like cases *with* conditions.

A standardised logistic regression keeps every score explainable: a feature's
contribution is its coefficient times the case's standardised value, and the
finding names the features that pushed the score up. Each case's score comes
from a model that never saw it (stratified k-fold, seeded); the rule reports
the cross-validated ROC AUC and stays silent, saying why, when there is too
little data or the model cannot tell the classes apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._frames import lookup
from ..contract import CASE_TYPES
from ..records import CaseRecords
from ._common import case_classification, case_frame, open_cases
from .context import RuleContext
from .registry import Param, Params, rule

_FLAGS = ("land", "house", "vehicle", "bank_account", "income", "business")


def case_features(records: CaseRecords, ctx: RuleContext) -> pd.DataFrame:
    """One row per verified case: verification findings and case traits (all numeric)."""
    # Only the columns read: taking whole rows of a million cases is what costs.
    cases = records.cases[["case_id", "amount_due", "debtor_kind", "received_date", "case_type"]]
    v = records.verifications[["case_id", "verification_date", "source_row", *_FLAGS, "assets_value"]]
    v = v.sort_values(["verification_date", "source_row"], kind="stable")
    latest = v.drop_duplicates("case_id", keep="last")
    # Each verified case's row in ``cases`` by an Arrow hash lookup (pandas' string index
    # lookups cost seconds on a national scan).
    row = lookup(latest["case_id"], pd.Series(np.arange(len(cases)), index=cases["case_id"]))
    latest = latest.loc[row.notna().to_numpy()]
    c = cases.iloc[row.dropna().to_numpy(dtype="int64")]
    index = pd.Index(latest["case_id"].to_numpy(), name="case_id")
    col = records.events.loc[records.events["event_type"] == "collection"]
    paid = col.groupby("case_id")["amount"].sum()
    due = c["amount_due"].to_numpy(dtype="float64", na_value=np.nan)
    feats = pd.DataFrame(index=index)
    for f in _FLAGS:
        feats[f] = latest[f].fillna(False).to_numpy(dtype="float64")
    feats["assets_value"] = np.log1p(latest["assets_value"].to_numpy(dtype="float64", na_value=0).clip(min=0))
    feats["verifications"] = np.log1p(lookup(latest["case_id"], v.groupby("case_id").size()).to_numpy(
        dtype="float64"))
    feats["organization"] = (c["debtor_kind"] == "organization").to_numpy(dtype="float64")
    feats["amount_due"] = np.log1p(np.clip(due, 0, None))
    # Whether what was found would cover the debt: the sharpest single sign of conditions.
    feats["assets_cover"] = (feats["assets_value"] - feats["amount_due"]).clip(-10, 10)
    paid_v = lookup(latest["case_id"], paid).to_numpy(dtype="float64", na_value=0)
    share = np.divide(paid_v, due, out=np.full(len(due), np.nan), where=due > 0)
    feats["paid_share"] = pd.Series(share, index=index).fillna(0).clip(0, 1)
    feats["age_years"] = ((ctx.as_of_ts - c["received_date"]).dt.days / 365.25).to_numpy(dtype="float64")
    for t in CASE_TYPES:
        feats[f"type_{t}"] = (c["case_type"] == t).to_numpy(dtype="float64")
    return feats


def _stratified_sample(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Positions of a seeded sample of about ``size`` rows keeping each label's share,
    in their original order."""
    rng = np.random.default_rng(seed)
    picked = []
    for value in np.unique(labels):
        rows = np.flatnonzero(labels == value)
        take = min(len(rows), max(1, round(size * len(rows) / len(labels))))
        picked.append(rng.choice(rows, size=take, replace=False))
    return np.sort(np.concatenate(picked))


def _drivers(contrib: pd.DataFrame, top: int = 3) -> np.ndarray:
    """Per row, the names of the ``top`` features with the largest positive contributions,
    largest first (ties in column order), joined by ", "."""
    values = contrib.to_numpy()
    names = np.asarray(contrib.columns)
    # A stable sort on the negated values keeps column order among equal contributions.
    order = np.argsort(-values, axis=1, kind="stable")[:, :top]
    picked = np.take_along_axis(values, order, axis=1) > 0
    return np.array([", ".join(names[o[k]]) for o, k in zip(order, picked, strict=True)], dtype=object)


@rule("MC-MODEL", kind="indicator", category="misclassification", severity="medium",
      requires=("cases", "events", "verifications"),
      params=(Param("min_probability", float, 0.5, "probability of having conditions a flagged case needs",
                    minimum=0, maximum=1, unit="probability"),
              Param("max_share", float, 0.05, "largest share of the scored cases flagged", minimum=0, maximum=1,
                    unit="share"),
              Param("min_cases", int, 200, "classified, verified cases the model needs", minimum=20),
              Param("min_class", int, 30, "cases the smaller class needs", minimum=5),
              Param("min_auc", float, 0.7, "cross-validated ROC AUC below which the model stays silent",
                    minimum=0.5, maximum=1, unit="probability"),
              Param("folds", int, 5, "folds of the cross-validation", minimum=2),
              Param("max_train", int, 200_000,
                    "cases the model is trained on at most (beyond, a seeded sample stratified by class)",
                    minimum=100)),
      title=("Việc chưa có điều kiện có dấu hiệu có điều kiện (mô hình)",
             "Without-conditions cases that look like cases with conditions (model)"),
      checked=("Mô hình hồi quy logistic học từ kết quả xác minh và đặc điểm của các việc đã phân loại, đánh giá chéo "
               "{folds} lần; xếp hạng các việc chưa có điều kiện theo xác suất thực tế có điều kiện (từ "
               "{min_probability}, tối đa {max_share}% số việc; im lặng khi AUC dưới {min_auc}).",
               "A logistic regression learnt from verification results and case traits, {folds}-fold "
               "cross-validated, ranks cases classified without conditions by their probability of having "
               "conditions (from {min_probability}, at most {max_share}% of the cases; silent when the AUC is "
               "below {min_auc})."),
      basis=("Xếp hạng thống kê để chọn hồ sơ cần xem lại, không phải kết luận.",
             "A statistical ranking of the files to review, not a conclusion."),
      evidence={"": ("Khả năng việc có điều kiện thi hành {probability}% theo mô hình học từ {cases} việc đã xác "
                     "minh (khi kiểm tra chéo, mô hình xếp đúng {auc_pct}% các cặp việc có và chưa có điều kiện); "
                     "yếu tố chính: {features_codes}",
                     "Likelihood of having conditions {probability}%, by a model learnt from {cases} verified cases "
                     "(cross-checked, it ranks {auc_pct}% of pairs of cases with and without conditions correctly); "
                     "main drivers: {features_codes}")})
def model_ranking(records: CaseRecords, ctx: RuleContext, params: Params) -> pd.DataFrame:
    """Cases classified without conditions that a cross-validated model says look like
    cases with conditions; the evidence names the features behind each score."""
    p = {prm: getattr(params, prm) for prm in
         ("min_probability", "max_share", "min_cases", "min_class", "min_auc", "folds", "max_train")}
    feats = case_features(records, ctx)
    cls = pd.Series(case_classification(records, ctx.as_of).to_numpy(), index=records.cases["case_id"])
    label = cls.reindex(feats.index)
    known = label.isin(["with_conditions", "without_conditions"])
    X, y = feats.loc[known], (label.loc[known] == "with_conditions").astype("int64")
    minority = int(min(y.sum(), len(y) - y.sum()))
    note: dict[str, object] = {"cases": int(len(y)), "with_conditions": int(y.sum())}
    ctx.notes["MC-MODEL"] = note
    if len(y) < p["min_cases"] or minority < p["min_class"]:
        note["silent"] = "too_little_data"
        return pd.DataFrame()
    # scikit-learn is slow to import: only when there is a model to train
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # Beyond max_train cases (a national scan), a seeded sample stratified by class trains
    # the model once; every case in the sample is scored out of fold, the rest by the model
    # fit on the sample.
    labels = y.to_numpy()
    train = np.arange(len(X))
    if len(X) > p["max_train"]:
        train = _stratified_sample(labels, int(p["max_train"]), ctx.seed)
        note["trained_on"] = int(len(train))
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    folds = StratifiedKFold(n_splits=int(p["folds"]), shuffle=True, random_state=ctx.seed)
    values = X.to_numpy()
    Xt, yt = values[train], labels[train]
    oof = cross_val_predict(model, Xt, yt, cv=folds, method="predict_proba")[:, 1]
    auc = float(roc_auc_score(yt, oof))
    note["auc"] = round(auc, 3)
    if auc < p["min_auc"]:
        note["silent"] = "weak_model"
        return pd.DataFrame()
    model.fit(Xt, yt)
    scores = model.predict_proba(values)[:, 1]
    scores[train] = oof
    proba = pd.Series(scores, index=X.index)
    scaler, logit = model[0], model[1]
    contrib = pd.DataFrame(scaler.transform(values) * logit.coef_[0], index=X.index, columns=X.columns)

    # Candidates: open cases without conditions whose latest verification found nothing
    # (those that found something are MC-ASSETS-FOUND's).
    is_open = pd.Series(open_cases(records.cases).to_numpy(), index=records.cases["case_id"])
    found = X[list(_FLAGS)].sum(axis=1) > 0
    cand = (y == 0) & lookup(X.index.to_series(), is_open).fillna(False).to_numpy(
        dtype=bool) & ~found
    score = proba.loc[cand]
    cap = max(1, int(np.floor(p["max_share"] * len(score))))
    top = score.loc[score >= p["min_probability"]].sort_values(ascending=False, kind="stable").head(cap)
    note["scored"], note["flagged"] = int(len(score)), int(len(top))
    if top.empty:
        return pd.DataFrame()
    drivers = _drivers(contrib.loc[top.index])
    c = case_frame(records).set_index("case_id").loc[top.index]
    return pd.DataFrame({
        "entity_id": top.index, "case_id": top.index, "unit_id": c["unit_id"].to_numpy(),
        "executor_id": c["executor_id"].to_numpy(), "score": top.to_numpy(),
        "ev_probability": (top * 100).round(0).astype("int64").to_numpy(),
        "ev_features_codes": drivers, "ev_auc_pct": round(auc * 100), "ev_cases": int(len(y)),
    })
