"""The exception tree. Every error a user can meet is an ``AuditError``.

``AuditError``
├── ``SourceError``      the source cannot be read, or a required table is missing
├── ``ValidationError``  a value cannot be accepted at all (not a row-level problem:
│                        those become data-quality findings)
├── ``ParameterError``   a parameter is unknown, ill-typed or out of range
├── ``RunError``         a notebook or export step failed
└── ``RegisterError``    the findings register cannot be opened, is locked or is not ours

Each carries the place it refers to as attributes, and ``str(err)`` is the one
line the command line prints.
"""

from __future__ import annotations

from .redact import redact

__all__ = ["AuditError", "SourceError", "ValidationError", "ParameterError", "RunError", "RegisterError"]


class AuditError(Exception):
    """Base of every error the toolkit raises on purpose."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        table: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.table = table
        self.row = row
        self.column = column
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.table:
            where.append(f"table {self.table}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        prefix = ", ".join(where)
        # Messages quote what the user gave (a URL, a driver's error): never its credentials.
        return redact(f"{prefix}: {self.message}" if prefix else self.message)


class SourceError(AuditError):
    """The source cannot be opened, or a required table or column is missing."""


class ValidationError(AuditError):
    """Input that cannot be audited at all."""


class ParameterError(AuditError):
    """A run or rule parameter is unknown, ill-typed or out of range."""


class RunError(AuditError):
    """A notebook execution or an export failed."""

    exit_code = 1


class RegisterError(AuditError):
    """The findings register cannot be opened or written (locked, unreachable, too new)."""

    exit_code = 1
