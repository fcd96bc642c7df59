"""The unit ids a source holds, read cheaply: checked before a notebook's kernel starts.

Only the ``units`` table is read where the source allows it (a file of a
folder, a sheet of a workbook); databases and stores are asked for no case row
at all. A source that cannot be read fails here, with the same one-line errors
as the full read.
"""

from __future__ import annotations

import io
from pathlib import Path

from ..errors import SourceError
from .base import as_text, conform, match_tables

__all__ = ["source_units"]


def _folder_units(folder: Path) -> list[str]:
    from . import csv_dir, parquet
    from .folder import SUFFIXES, matched_files

    path = folder / matched_files(folder)["units"]
    if SUFFIXES[path.suffix.lower()] == "csv":
        frame = conform(csv_dir.read_csv_file(path, "units")[0], "units", str(path))
    else:
        frame = parquet.read_parquet_file(path, "units")[0]
    return _ids(frame["unit_id"])


def _workbook_units(path: Path) -> list[str]:
    import python_calamine

    from .base import read_file_bytes
    from .excel import _rows, _sheet_frame

    where = str(path)
    data, _ = read_file_bytes(path)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise SourceError(f"not a readable workbook ({type(exc).__name__}: {exc})".splitlines()[0],
                          file=where) from exc
    try:
        sheet = match_tables(book.sheet_names, where, "sheet")["units"]
        try:
            rows = _rows(book.get_sheet_by_name(sheet))
        except (python_calamine.CalamineError, OSError, ValueError) as exc:
            raise SourceError(f"cannot read the sheet: {exc}".splitlines()[0],
                              file=f"{where}#{sheet}", table="units") from exc
        frame = _sheet_frame(rows, "units", f"{where}#{sheet}", {})[0]
    finally:
        book.close()
    return _ids(frame["unit_id"])


def _ids(column) -> list[str]:
    return sorted(set(as_text(column).dropna().tolist()))


def source_units(source: str | Path) -> list[str]:
    """The unit ids in ``source``'s units table, sorted.

    Parameters
    ----------
    source : str or Path
        Any source :func:`audit.io.load_records` reads.

    Returns
    -------
    list of str

    Raises
    ------
    SourceError
        The source cannot be read, or lacks a required table.
    """
    from . import load_raw, source_kind
    from .store import load_store

    text = str(source)
    kind = source_kind(text)
    if kind == "store":
        return load_store(Path(text).expanduser(), []).unit_ids()
    if kind == "folder":
        return _folder_units(Path(text).expanduser())
    if kind == "xlsx":
        return _workbook_units(Path(text).expanduser())
    return _ids(load_raw(text, []).tables["units"]["unit_id"])  # databases read no case row
