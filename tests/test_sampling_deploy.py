"""The scheduler files: systemd service and timer, crontab line, and the two-step script they run."""

from __future__ import annotations

import configparser
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from audit.report.paths import PROJECT_DIR

DEPLOY = PROJECT_DIR / "deploy"
SERVICE = DEPLOY / "systemd" / "thads-sampling.service"
TIMER = DEPLOY / "systemd" / "thads-sampling.timer"
CRONTAB = DEPLOY / "cron" / "thads-sampling.crontab"
SCRIPT = DEPLOY / "run-sampling.sh"
INSTALL = "/opt/thads-audit"  # where the unit files expect the toolkit

# systemd calendar shorthands, and the general "[weekday] date time" form in a simple shape.
_SHORTHAND = {"minutely", "hourly", "daily", "monthly", "weekly", "yearly", "annually", "quarterly",
              "semiannually"}
_CALENDAR = re.compile(r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:[.,-](?:Mon|Tue|Wed|Thu|Fri|Sat|Sun))*\s+)?"
                       r"(?:(?:\*|\d{4})-(?:\*|\d{1,2})-(?:\*|\d{1,2}(?:[,.]{1,2}\d{1,2})*)\s+)?"
                       r"(?:\*|\d{1,2}):(?:\*|\d{1,2})(?::(?:\*|\d{1,2}))?$")


def _unit(path: Path) -> configparser.ConfigParser:
    # systemd allows repeated keys (Environment=); strict=False keeps the last, enough here.
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def _calendar_ok(spec: str) -> bool:
    return spec.strip() in _SHORTHAND or bool(_CALENDAR.match(spec.strip()))


def test_calendar_check_accepts_and_refuses():
    for good in ("monthly", "*-*-01 00:00:00", "Mon *-*-* 06:30", "2026-*-1 3:00"):
        assert _calendar_ok(good), good
    for bad in ("bogus", "every month", "*-*-01 25", "monthy"):
        assert not _calendar_ok(bad), bad


def test_service_has_what_it_needs():
    unit = _unit(SERVICE)
    assert unit.sections() == ["Unit", "Service"]
    service = unit["Service"]
    assert service["Type"] == "oneshot"
    assert service["ExecStart"] == f"{INSTALL}/deploy/run-sampling.sh"
    assert service["WorkingDirectory"] == INSTALL
    assert "outputs" in service["ReadWritePaths"]
    assert unit["Unit"]["Description"]


def test_timer_is_daily_persistent_and_randomised():
    # Daily: the month's first run commits, the first run after the delay draws.
    timer = _unit(TIMER)
    assert set(timer.sections()) == {"Unit", "Timer", "Install"}
    t = timer["Timer"]
    assert t["OnCalendar"] == "daily" and _calendar_ok(t["OnCalendar"])
    assert t["Persistent"] == "true"
    delay = re.fullmatch(r"(\d+)\s*(d|h|min|s)?", t["RandomizedDelaySec"])
    assert delay and int(delay.group(1)) > 0
    seconds = int(delay.group(1)) * {"d": 86400, "h": 3600, "min": 60, "s": 1, None: 1}[delay.group(2)]
    assert 3600 <= seconds < 86400  # unpredictable, yet inside the day it names
    assert t["Unit"] == SERVICE.name
    assert timer["Install"]["WantedBy"] == "timers.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_units(tmp_path):
    # The units name the install folder; point them at this checkout so the paths exist.
    for path in (SERVICE, TIMER):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8").replace(INSTALL, str(PROJECT_DIR)),
                                          encoding="utf-8")
    run = subprocess.run(["systemd-analyze", "verify", str(tmp_path / SERVICE.name), str(tmp_path / TIMER.name)],
                         capture_output=True, text=True, timeout=60)
    problems = [ln for ln in (run.stdout + run.stderr).splitlines()
                if re.search(r"unknown|ignoring|failed|invalid|refusing|not executable", ln, re.I)]
    assert run.returncode == 0 and problems == [], run.stdout + run.stderr
    cal = subprocess.run(["systemd-analyze", "calendar", _unit(TIMER)["Timer"]["OnCalendar"]],
                         capture_output=True, text=True, timeout=60)
    assert cal.returncode == 0 and "*-*-* 00:00:00" in cal.stdout


_FIELDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
_NAMES = {3: "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec", 4: "sun|mon|tue|wed|thu|fri|sat"}


def _field_ok(text: str, index: int) -> bool:
    low, high = _FIELDS[index]
    for part in text.split(","):
        base, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return False
        if base == "*":
            continue
        if index in _NAMES and re.fullmatch(_NAMES[index], base, re.I):
            continue
        bounds = base.split("-")
        if len(bounds) > 2 or not all(b.isdigit() and low <= int(b) <= high for b in bounds):
            return False
    return True


def _cron_jobs(text: str) -> list[list[str]]:
    jobs = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*=", line):
            continue  # comments and environment settings
        jobs.append(line.split(None, 5))
    return jobs


def test_cron_field_check_refuses_bad_lines():
    assert [_field_ok(f, i) for i, f in enumerate(["17", "1", "1", "*", "*"])] == [True] * 5
    assert not _field_ok("61", 0) and not _field_ok("*/0", 1) and not _field_ok("0", 2)
    assert _field_ok("mon-fri", 4) is False and _field_ok("1-5", 4) and _field_ok("jan", 3)


def test_crontab_has_one_daily_line_running_the_script():
    jobs = _cron_jobs(CRONTAB.read_text(encoding="utf-8"))
    assert len(jobs) == 1
    job = jobs[0]
    assert len(job) == 6, "five time fields and a command"
    assert all(_field_ok(f, i) for i, f in enumerate(job[:5])), job[:5]
    minute, hour, dom, month, dow = job[:5]
    assert minute.isdigit() and hour.isdigit() and (dom, month, dow) == ("*", "*", "*")  # once a day
    assert f"{INSTALL}/deploy/run-sampling.sh" in job[5]
    assert re.search(r"^THADS_PUBLIC_VALUES=/", CRONTAB.read_text(encoding="utf-8"), re.M)


def test_the_script_commits_then_draws_and_names_the_cycle_from_the_date():
    assert os.access(SCRIPT, os.X_OK)
    assert subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True).returncode == 0
    text = SCRIPT.read_text(encoding="utf-8")
    assert 'cycle="$(date +%Y-%m)"' in text and "outputs/sampling" in text
    assert "audit\" sample commit units" in text and "audit\" sample draw" in text and "--report" in text
    assert "THADS_PUBLIC_VALUES" in text and "THADS_PUBLIC_VALUE" in text
    # Without a source it stops at once with a clear line, before committing anything.
    env = {k: v for k, v in os.environ.items() if not k.startswith("THADS_")}
    run = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode != 0 and "THADS_SOURCE" in run.stderr


@pytest.mark.slow
def test_the_script_commits_on_one_run_and_draws_on_a_later_one(tmp_path):
    from audit.demo import write_demo_database

    db = write_demo_database(tmp_path / "demo.duckdb", units=6, cases_per_unit=150).path
    params = tmp_path / "sampling.yaml"
    # No delay and a beacon with a round every 3 seconds: the draw is due moments after the commitment.
    params.write_text("draw:\n  delay_hours: 0\n  public_source: drand-quicknet\n", encoding="utf-8")
    root = tmp_path / "sampling"
    env = {k: v for k, v in os.environ.items() if not k.startswith("THADS_")}
    env.update(THADS_SOURCE=str(db), THADS_SAMPLE_COUNT="2", THADS_SAMPLING_ROOT=str(root),
               THADS_SAMPLING_PARAMS=str(params), THADS_PUBLIC_VALUES=str(tmp_path / "values.txt"),
               THADS_REPORT_LANG="en")

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=600)

    first = run()
    assert first.returncode == 0, first.stderr
    cycle = root / dt.date.today().strftime("%Y-%m")
    doc = json.loads((cycle / "units.commitment.json").read_text(encoding="utf-8"))
    assert doc["commitment"] in first.stdout and not (cycle / "units.json").exists()
    public = doc["inputs"]["public"]
    # The operator has not provided the value yet: the next run waits and succeeds.
    waiting = run()
    assert waiting.returncode == 0 and "waiting:" in waiting.stderr and not (cycle / "units.json").exists()
    published = dt.datetime.fromisoformat(public["published_at"].replace("Z", "+00:00"))
    time.sleep(max(0.0, (published - dt.datetime.now(dt.UTC)).total_seconds()) + 0.5)
    (tmp_path / "values.txt").write_text(f"drand-quicknet {public['round']} {'5e' * 32}\n", encoding="utf-8")
    second = run()
    assert second.returncode == 0, second.stderr
    result = json.loads((cycle / "units.json").read_text(encoding="utf-8"))
    assert result["public"]["value"] == "5e" * 32 and (cycle / "report.html").is_file()
    assert len(result["selected"]) == 2
    # A later run neither commits again nor draws again.
    third = run()
    assert third.returncode == 0
    log = [json.loads(line) for line in (root / "sampling-log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in log if e["event"] in ("commit", "draw")] == ["commit", "draw"]
    verified = subprocess.run([str(PROJECT_DIR / ".venv" / "bin" / "audit"), "sample", "verify", str(cycle)],
                              capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stderr
