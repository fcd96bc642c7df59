"""One Parquet file of a folder source, and the Arrow → pandas conversion DuckDB shares.

Only the contract's columns are read (Parquet is columnar, so a wide export
costs nothing extra). Integers arrive as nullable ``Int64`` so that money with
gaps never passes through float.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import SourceError
from .base import column_map, read_file_bytes

__all__ = ["read_parquet_file", "arrow_to_frame"]

ROW_BASE = 1

_STR = pd.StringDtype(na_value=float("nan"))  # pandas' default "str"


def _types(t: pa.DataType) -> object:
    if pa.types.is_uint64(t):  # may exceed int64: parse reports those, never wraps them
        return pd.UInt64Dtype()
    if pa.types.is_integer(t):
        return pd.Int64Dtype()
    if pa.types.is_boolean(t):
        return pd.BooleanDtype()
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return _STR
    return None  # numpy's own mapping (floats, timestamps, dates as datetime64)


def arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as pandas with nullable integers and flags, ``str`` text, datetime64 dates."""
    return table.to_pandas(types_mapper=_types, date_as_object=False)


def read_parquet_file(path: Path, table: str) -> tuple[pd.DataFrame, dict[str, object]]:
    """Read the contract columns of one Parquet file, renamed to contract names.

    The file is read once into memory and parsed from there (its ``sha256`` and
    ``bytes`` are returned with the frame), so what is hashed is what is read.

    Raises
    ------
    SourceError
        If the file is not readable Parquet or lacks a required column.
    """
    where = str(path)
    data, read = read_file_bytes(path, table)
    try:
        buffer = pa.BufferReader(data)
        names = pq.read_schema(buffer).names
        mapping = column_map(table, names, where)
        frame = pq.read_table(pa.BufferReader(data), columns=list(mapping))
    except (OSError, pa.ArrowException) as exc:
        raise SourceError(f"cannot read Parquet: {str(exc).splitlines()[0]}", file=where, table=table) from exc
    return arrow_to_frame(frame).rename(columns=mapping), read
