"""The parameters of one run, in one object: the audit date, the statistical period, the
report's language, the seed and the rule settings. The pipeline builds it, the rules
read it (through their :class:`~audit.rules.registry.RuleContext`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .config import Settings, load_settings
from .dates import as_date
from .i18n import check_lang
from .period import Period, resolve_period

__all__ = ["RunParams", "default_period", "DEFAULT_SEED"]

# Seeds the model's cross-validation folds and any sample a rule draws.
DEFAULT_SEED = 20080614


def default_period(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The last complete statistical year (1 Oct – 30 Sep) ending on or before ``as_of``."""
    period = resolve_period(as_of)
    return period.start, period.end


@dataclass(frozen=True)
class RunParams:
    """What one run is asked: validated, typed, with the rule settings loaded.

    Attributes
    ----------
    as_of : date
        The audit date: later events are ignored.
    period_start, period_end : date
        The statistical period reported (default: the last complete statistical year
        before ``as_of``).
    settings : Settings
        Rule packs, defaults and the inspection's overrides.
    lang : {"vi", "en"}
    seed : int
    """

    as_of: dt.date
    period_start: dt.date
    period_end: dt.date
    settings: Settings
    lang: str = "vi"
    seed: int = DEFAULT_SEED
    # How the period was chosen: a whole statistical year, part of one, the default...
    period: Period | None = None

    @classmethod
    def build(cls, as_of: object, period_start: object = None, period_end: object = None, lang: str = "vi",
              params_file: str | Path | None = None, *, seed: int = DEFAULT_SEED,
              settings: Settings | None = None) -> RunParams:
        """Parse and check everything a run is given, before any data is read.

        Raises
        ------
        ParameterError
            For a date that is not one, a period that ends before it starts, an unknown
            language, or a bad parameter file.
        """
        day = as_date(as_of, "as_of")
        period = resolve_period(day, as_date(period_start, "period_start") if period_start else None,
                                as_date(period_end, "period_end") if period_end else None)
        lang = check_lang(lang)
        return cls(day, period.start, period.end,
                   settings if settings is not None else load_settings(params_file), lang, seed, period)
