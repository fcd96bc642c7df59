"""A reviewer's dispositions of findings: which were confirmed and which dismissed.

There is no register of dispositions yet. Until there is, a run accepts an
optional CSV (or a frame) with the columns ``finding_id`` and ``disposition``
(``confirmed`` or ``dismissed``); finding ids are stable across runs, so a list
made on one run applies to the next. Dismissed findings are left out of the
inspection conclusion and marked in findings.xlsx; findings not in the list are
treated as confirmed drafts. Ids that match no finding of the run are counted in
the manifest, never silently ignored.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import ParameterError

__all__ = ["DISPOSITIONS", "read_dispositions", "split_findings"]

DISPOSITIONS = ("confirmed", "dismissed")


def read_dispositions(source: str | Path | pd.DataFrame | None) -> pd.DataFrame:
    """The dispositions as a frame: finding_id, disposition (one row per finding).

    Parameters
    ----------
    source : path to a UTF-8 CSV, a DataFrame, or None (no dispositions)

    Raises
    ------
    ParameterError
        Naming the file, the row and what is wrong with it.
    """
    empty = pd.DataFrame({"finding_id": pd.Series(dtype="str"), "disposition": pd.Series(dtype="str")})
    if source is None:
        return empty
    where = None
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    else:
        where = str(source)
        try:
            frame = pd.read_csv(source, dtype="str", keep_default_na=False, encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ParameterError(f"dispositions: cannot read the CSV ({exc})", file=where) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("finding_id", "disposition") if c not in frame.columns]
    if missing:
        raise ParameterError(f"dispositions: missing column {', '.join(missing)}", file=where)
    frame = frame[["finding_id", "disposition"]].astype("str")
    frame["finding_id"] = frame["finding_id"].str.strip()
    frame["disposition"] = frame["disposition"].str.strip().str.lower()
    bad = ~frame["disposition"].isin(DISPOSITIONS) | (frame["finding_id"] == "")
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise ParameterError(f"dispositions: row {i + 2}: disposition must be one of "
                             f"{', '.join(DISPOSITIONS)} with a finding_id, got "
                             f"{frame.iloc[i]['finding_id']!r}, {frame.iloc[i]['disposition']!r}", file=where)
    clash = frame.drop_duplicates().duplicated("finding_id", keep=False)
    if clash.any():
        fid = frame.drop_duplicates().loc[clash, "finding_id"].iloc[0]
        raise ParameterError(f"dispositions: finding {fid} is both confirmed and dismissed", file=where)
    return frame.drop_duplicates("finding_id").reset_index(drop=True)


def split_findings(findings: pd.DataFrame, dispositions: pd.DataFrame
                   ) -> tuple[pd.DataFrame, pd.Series, dict[str, int]]:
    """The findings the conclusion keeps (all but the dismissed), each finding's
    disposition ("" when none was given) and the counts for the manifest."""
    by_id = dict(zip(dispositions["finding_id"], dispositions["disposition"], strict=True))
    disposition = pd.Series([by_id.get(fid, "") for fid in findings["finding_id"]], index=findings.index,
                            dtype="str")
    kept = findings.loc[disposition != "dismissed"].reset_index(drop=True)
    counts = {"confirmed": int((disposition == "confirmed").sum()),
              "dismissed": int((disposition == "dismissed").sum()),
              "unmatched": int((~dispositions["finding_id"].isin(findings["finding_id"])).sum())}
    return kept, disposition, counts
