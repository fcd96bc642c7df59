"""What a rule may know besides the records and its parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..runparams import RunParams

if TYPE_CHECKING:
    from ..calendar import WorkCalendar
    from ..config import Settings
    from ..province import Province
    from ..records import CaseRecords

__all__ = ["RuleContext"]


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know besides the records and its parameters: the run's parameters
    (:class:`~audit.runparams.RunParams`), the peers to compare with, and a place to
    leave notes for the reader."""

    run: RunParams
    # The audited unit's peers (its province), for rules that compare a unit, an executor,
    # a valuer or an asset with others. None when the records already hold every unit.
    population: CaseRecords | None = None
    # The province's aggregates (audit.province.Province) when a unit is compared with it:
    # rules comparing units read these rather than the peers' cases and events.
    province: Province | None = None
    # What rules want the reader to know besides findings: a model's cross-validated
    # quality, or why a rule stayed silent. Keyed by rule id.
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def as_of(self) -> dt.date:
        return self.run.as_of

    @property
    def as_of_ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.run.as_of)

    @property
    def settings(self) -> Settings:
        return self.run.settings

    @property
    def lang(self) -> str:
        return self.run.lang

    @property
    def seed(self) -> int:
        return self.run.seed

    @property
    def calendar(self) -> WorkCalendar:
        return self.run.settings.calendar

    def pack_index(self, clock_start: pd.Series) -> Any:
        """Index of the rule pack in force on each clock-start date (the hits' ``pack``)."""
        return self.run.settings.pack_index(clock_start)

    def peers(self, records: CaseRecords) -> CaseRecords:
        return self.population if self.population is not None else records
