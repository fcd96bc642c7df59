"""The Vietnamese working-day calendar and the message catalogue."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from audit.calendar import WorkCalendar
from audit.errors import ParameterError
from audit.i18n import LANGUAGES, catalogue, fmt_date, fmt_decimal, fmt_money


def _s(*days):
    return pd.Series(pd.to_datetime(list(days))).astype("datetime64[s]")


def test_tet_and_weekends_are_not_working_days():
    cal = WorkCalendar()
    assert not cal.is_working_day(dt.date(2026, 2, 17))  # Tết
    assert not cal.is_working_day(dt.date(2026, 9, 2))  # National Day
    assert not cal.is_working_day(dt.date(2026, 3, 7))  # Saturday
    assert cal.is_working_day(dt.date(2025, 4, 26))  # Saturday worked in exchange for 2 May 2025
    out = cal.add_working_days(_s("2026-02-13", "2026-02-14"), 5)
    assert out.dt.strftime("%Y-%m-%d").tolist() == ["2026-02-27", "2026-02-27"]


def test_working_days_between_counts_half_open_interval():
    cal = WorkCalendar()
    n = cal.working_days_between(_s("2026-02-27", "2026-03-02"), _s("2026-03-02", "2026-02-27"))
    assert n.tolist() == [1, -1]


def test_calendar_file_adds_days(tmp_path):
    f = tmp_path / "cal.yaml"
    f.write_text("days_off: [2026-03-02]\nworking_days: [2026-03-07]\n", encoding="utf-8")
    cal = WorkCalendar.from_file(f)
    assert not cal.is_working_day(dt.date(2026, 3, 2)) and cal.is_working_day(dt.date(2026, 3, 7))
    bad = tmp_path / "bad.yaml"
    bad.write_text("days_of: [2026-03-02]\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown key"):
        WorkCalendar.from_file(bad)


def test_every_message_has_every_language():
    missing = [k for k, v in catalogue().items() for lang in LANGUAGES if not v.get(lang)]
    assert missing == []


def test_formats():
    assert fmt_money(1234567, "vi") == "1.234.567 đồng" and fmt_money(1234567, "en") == "1,234,567 VND"
    assert fmt_date(dt.date(2026, 3, 2), "vi") == "02/03/2026" and fmt_date(dt.date(2026, 3, 2), "en") == "2026-03-02"


@pytest.mark.parametrize(("value", "vi", "en"), [
    (12.5, "12,5", "12.5"), (1234.25, "1.234,25", "1,234.25"), (0.62, "0,62", "0.62"),
    (-3.4, "-3,4", "-3.4"), (2.0, "2", "2"), (-0.0001, "0", "0"), (float("nan"), "—", "—"),
])
def test_decimals_follow_the_language(value, vi, en):
    assert (fmt_decimal(value, "vi"), fmt_decimal(value, "en")) == (vi, en)


def test_evidence_decimals_use_the_vietnamese_comma(settings):
    from audit.findings import _format_field

    assert _format_field("ratio", 0.45, "vi") == "0,45" and _format_field("ratio", 0.45, "en") == "0.45"
    assert _format_field("n", 7.0, "vi") == "7"


@pytest.mark.parametrize(("reason", "vi"), [
    ("is not a date (expected YYYY-MM-DD or dd/mm/yyyy)", "không phải ngày hợp lệ"),
    ("is not one of open, completed", "không thuộc danh mục: open, completed"),
    ("repeats the case_id of row 7", "trùng case_id với dòng 7"),
    ("matches no valid row of cases", "không khớp dòng hợp lệ nào của bảng cases"),
    ("is before the case's received_date 2024-01-05", "trước ngày thụ lý của việc (2024-01-05)"),
])
def test_validation_reasons_read_in_vietnamese(reason, vi):
    from audit.rules.data_quality import reason_text

    assert reason_text(reason, "vi").startswith(vi)
    assert reason_text(reason, "en") == reason
