"""Frame helpers that work around sharp edges of pandas.

With pandas 3's Arrow-backed strings, ``Series.isin`` walks its argument in
Python (seconds for a million ids) and ``Series.map`` turns an empty datetime
mapping into float64 and fails. These helpers use Arrow's hash kernels instead.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["lookup", "member"]


def _arrow_strings(values: Iterable[object]) -> pa.Array:
    if isinstance(values, pd.Index | pd.Series):
        values = values.to_numpy()
    arr = pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
    return pc.unique(arr)


def member(keys: pd.Series, values: Iterable[object]) -> pd.Series:
    """``keys.isin(values)`` for string ids, fast; missing keys are not members."""
    found = pc.is_in(pa.array(keys.to_numpy(dtype=object), type=pa.string(), from_pandas=True),
                     value_set=_arrow_strings(values), skip_nulls=True)
    return pd.Series(found.fill_null(False).to_numpy(zero_copy_only=False), index=keys.index, dtype=bool)


def lookup(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """``keys.map(mapping)`` for a mapping with unique string keys, keeping its dtype
    (also when it is empty)."""
    index = pa.array(mapping.index.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    pos = pc.index_in(pa.array(keys.to_numpy(dtype=object), type=pa.string(), from_pandas=True),
                      value_set=index).to_numpy(zero_copy_only=False)
    missing = np.isnan(pos) if pos.dtype.kind == "f" else np.zeros(len(pos), bool)
    taken = mapping.iloc[np.where(missing, 0, pos).astype(np.int64)] if len(mapping) else None
    if taken is None:
        return pd.Series(pd.array([None] * len(keys), dtype=mapping.dtype), index=keys.index, name=mapping.name)
    out = pd.Series(taken.to_numpy(), index=keys.index, dtype=mapping.dtype, name=mapping.name)
    if missing.any():
        out = out.mask(missing)
    return out
