"""Inspection and audit toolkit for Vietnam's civil judgment enforcement units."""

from importlib.metadata import PackageNotFoundError, version

from .errors import AuditError, ParameterError, RunError, SourceError, ValidationError

try:
    __version__ = version("thads-audit")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

__all__ = ["AuditError", "ParameterError", "RunError", "SourceError", "ValidationError", "__version__"]
