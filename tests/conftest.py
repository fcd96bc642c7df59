"""Shared fixtures: rule settings and a context builder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from audit.config import load_settings  # noqa: E402
from audit.rules.context import RuleContext  # noqa: E402
from audit.rules.run import run_rules  # noqa: E402
from audit.runparams import RunParams  # noqa: E402


@pytest.fixture(scope="session")
def settings():
    return load_settings()


@pytest.fixture
def run(settings):
    """Run one rule (or all) on records as of a date; returns the findings frame."""

    def _run(records, as_of, rule_id=None, lang="en"):
        ctx = RuleContext(RunParams.build(as_of, lang=lang, settings=settings))
        return run_rules(records.as_of(ctx.as_of), ctx, only=[rule_id] if rule_id else None)

    return _run


@pytest.fixture(scope="session", autouse=True)
def _own_register(tmp_path_factory):
    """`audit run` and `audit batch` record into a findings register by default: the tests'
    runs go into one of their own (before any module's fixtures run), never the project's
    outputs/register.duckdb. Tests about the register pass their own paths."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDIT_REGISTER", str(tmp_path_factory.mktemp("register") / "register.duckdb"))
        yield
