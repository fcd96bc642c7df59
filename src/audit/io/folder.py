"""A folder of files, one per table: ``cases.csv``, ``Sự kiện.csv``, ``events.parquet``, …

File names are matched to tables by their stem, case-insensitively, with the
contract's Vietnamese table aliases; CSV and Parquet may be mixed, but one
table must come from one file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import SourceError
from . import csv_dir, parquet
from .base import RawSource, conform, filter_unit, match_tables

__all__ = ["load_folder", "SUFFIXES"]

SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def matched_files(folder: Path) -> dict[str, str]:
    """The folder's file for each contract table (by file stem, in either language)."""
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
    except OSError as exc:
        raise SourceError(f"cannot list the folder: {exc.strerror or exc}", file=str(folder)) from exc
    return match_tables((p.name for p in files), str(folder), "file", key=lambda name: Path(name).stem,
                        suffix=".csv")


def load_folder(folder: Path, unit: str | Sequence[str] | None = None) -> RawSource:
    """Read every contract table found in ``folder``.

    Parameters
    ----------
    folder : Path
        The folder holding one file per table.
    unit : str or sequence of str, optional
        Keep only this unit's rows, or those of all the listed units (none for
        an empty list), filtered after reading; units and executors are kept whole.

    Raises
    ------
    SourceError
        If the folder cannot be listed, a required table's file is missing, or
        a file is unreadable or lacks a required column.
    """
    matched = matched_files(folder)
    raw = RawSource(description=str(folder))
    for table, name in matched.items():
        path = folder / name
        if SUFFIXES[path.suffix.lower()] == "csv":
            frame, read = csv_dir.read_csv_file(path, table)
            raw.tables[table] = conform(frame, table, str(path))
            raw.row_base[table] = csv_dir.ROW_BASE
        else:
            raw.tables[table], read = parquet.read_parquet_file(path, table)
            raw.row_base[table] = parquet.ROW_BASE
        raw.files[name] = read
        raw.origin[table] = str(path)
    if unit is not None:
        raw.tables = filter_unit(raw.tables, unit)
    return raw
