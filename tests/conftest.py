"""Shared fixtures: rule settings and a context builder."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from audit.config import load_settings  # noqa: E402
from audit.rules.registry import RuleContext, run_rules  # noqa: E402


@pytest.fixture(scope="session")
def settings():
    return load_settings()


@pytest.fixture
def run(settings):
    """Run one rule (or all) on records as of a date; returns the findings frame."""

    def _run(records, as_of, rule_id=None, lang="en"):
        ctx = RuleContext(as_of=dt.date.fromisoformat(as_of), settings=settings, lang=lang)
        return run_rules(records.as_of(ctx.as_of), ctx, only=[rule_id] if rule_id else None)

    return _run
