"""One message catalogue for every text a reviewer reads, in Vietnamese and English.

The catalogue is the YAML files in ``audit/messages/``. A nested mapping whose
keys are the languages is one message; its key is the dotted path to it
(``rule.DL-DECISION.title``). The test suite fails when a message lacks a
language.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .errors import ParameterError

__all__ = ["LANGUAGES", "catalogue", "t", "fmt_money", "fmt_date", "fmt_int", "fmt_decimal", "fmt_pct",
           "check_lang"]

LANGUAGES = ("vi", "en")
_DIR = Path(__file__).with_name("messages")


def _flatten(prefix: str, node: Any, out: dict[str, dict[str, str]]) -> None:
    if isinstance(node, dict) and set(node) & set(LANGUAGES):
        extra = set(node) - set(LANGUAGES) - {"note"}
        if extra:  # usually an unquoted comma in a flow mapping
            raise ValueError(f"message {prefix!r} has unexpected keys {sorted(map(str, extra))}")
        out[prefix] = {k: v for k, v in node.items() if k in LANGUAGES}
        return
    if not isinstance(node, dict):
        raise ValueError(f"message {prefix!r} is not a mapping of languages")
    for key, child in node.items():
        _flatten(f"{prefix}.{key}" if prefix else str(key), child, out)


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message, by dotted key."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(_DIR.glob("*.yaml")):
        _flatten("", yaml.safe_load(path.read_text(encoding="utf-8")) or {}, out)
    return out


def check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ParameterError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return lang


def t(key: str, lang: str = "vi", **values: Any) -> str:
    """The message ``key`` in ``lang``, with ``values`` formatted into it."""
    try:
        text = catalogue()[key][lang]
    except KeyError:
        raise KeyError(f"message {key!r} has no {lang!r} text") from None
    return text.format(**values) if values else text


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def fmt_money(value: Any, lang: str = "vi") -> str:
    """1.234.567 đồng in Vietnamese (as official documents write money), 1,234,567 VND in English."""
    if _missing(value):
        return "—"
    n = int(value)
    text = f"{abs(n):,}"
    sign = "-" if n < 0 else ""
    return f"{sign}{text.replace(',', '.')} đồng" if lang == "vi" else f"{sign}{text} VND"


def fmt_int(value: Any, lang: str = "vi") -> str:
    if _missing(value):
        return "—"
    text = f"{int(value):,}"
    return text.replace(",", ".") if lang == "vi" else text


def fmt_decimal(value: Any, lang: str = "vi", digits: int = 3) -> str:
    """A decimal number to at most ``digits`` places: 1.234,5 in Vietnamese, 1,234.5 in English."""
    if _missing(value):
        return "—"
    text = f"{float(value):,.{digits}f}".rstrip("0").rstrip(".")
    text = "0" if text in ("-0", "") else text
    return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text


def fmt_pct(value: Any, lang: str = "vi", digits: int = 2) -> str:
    if _missing(value):
        return "—"
    text = f"{float(value) * 100:.{digits}f}%"
    return text.replace(".", ",") if lang == "vi" else text


def fmt_date(value: Any, lang: str = "vi") -> str:
    """dd/mm/yyyy in Vietnamese, ISO in English."""
    if _missing(value):
        return "—"
    if isinstance(value, pd.Timestamp | dt.datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()
