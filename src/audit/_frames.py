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

__all__ = ["lookup", "member", "positions"]


def _arrow(values: Iterable[object]) -> pa.Array | pa.ChunkedArray:
    """String values as Arrow: without a copy when pandas already holds them in Arrow
    (its default ``str`` dtype), else converted through object."""
    if isinstance(values, pd.Index | pd.Series):
        held = values.array
        if isinstance(held, pd.arrays.ArrowStringArray):
            return held.__arrow_array__()
        values = values.to_numpy(dtype=object)
    return pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)


def _value_set(values: Iterable[object], like: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = _arrow(values)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return pc.unique(arr.cast(like.type))  # string and large_string must not meet


def _numpy(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return arr.to_numpy(zero_copy_only=False)


def member(keys: pd.Series, values: Iterable[object]) -> pd.Series:
    """``keys.isin(values)`` for string ids, fast; missing keys are not members."""
    arr = _arrow(keys)
    found = pc.is_in(arr, value_set=_value_set(values, arr), skip_nulls=True)
    return pd.Series(_numpy(found.fill_null(False)), index=keys.index, dtype=bool)


def lookup(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """``keys.map(mapping)`` for a mapping with unique string keys, keeping its dtype
    (also when it is empty)."""
    arr = _arrow(keys)
    index = _arrow(mapping.index)
    index = (index.combine_chunks() if isinstance(index, pa.ChunkedArray) else index).cast(arr.type)
    pos = _numpy(pc.index_in(arr, value_set=index))
    missing = np.isnan(pos) if pos.dtype.kind == "f" else np.zeros(len(pos), bool)
    taken = mapping.iloc[np.where(missing, 0, pos).astype(np.int64)] if len(mapping) else None
    if taken is None:
        return pd.Series(pd.array([None] * len(keys), dtype=mapping.dtype), index=keys.index, name=mapping.name)
    out = pd.Series(taken.to_numpy(), index=keys.index, dtype=mapping.dtype, name=mapping.name)
    if missing.any():
        out = out.mask(missing)
    return out


def positions(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """Each key's position in ``values`` (its first occurrence; -1 when absent or missing),
    as int64: integer keys for grouping and joining where string ids are slow."""
    if not len(keys) or not len(values):
        return np.full(len(keys), -1, dtype=np.int64)
    arr = _arrow(keys)
    index = _arrow(values)
    index = (index.combine_chunks() if isinstance(index, pa.ChunkedArray) else index).cast(arr.type)
    found = pc.index_in(arr, value_set=index)
    return _numpy(pc.fill_null(found, -1)).astype(np.int64)
