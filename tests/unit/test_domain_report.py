"""The report's rules without a database: windows, weeks, rates, streaks, bars."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from chorectl.domain import report as rules
from chorectl.domain.report import Period, Window
from chorectl.domain.schedule import parse_schedule, previous_due
from chorectl.errors import BadInput

WED = date(2026, 11, 25)  # a Wednesday


def test_weeks_start_on_monday_or_sunday():
    assert rules.week_of(WED) == date(2026, 11, 23)
    assert rules.week_of(WED, 6) == date(2026, 11, 22)
    assert rules.week_of(date(2026, 11, 22)) == date(2026, 11, 16)  # a Sunday ends a Monday week
    assert rules.week_of(date(2026, 11, 22), 6) == date(2026, 11, 22)  # and starts a Sunday one
    assert rules.week_start_setting(None) == 0
    assert rules.week_start_setting(" Sunday ") == 6
    assert rules.week_start_setting("monday") == 0
    with pytest.raises(BadInput, match="CHORECTL_WEEK_START"):
        rules.week_start_setting("friday")


def test_windows():
    assert rules.window(WED) == Window(date(2026, 11, 23), WED)
    assert rules.window(WED, week=True, first_weekday=6) == Window(date(2026, 11, 22), WED)
    assert rules.window(WED, month=True) == Window(date(2026, 11, 1), WED)
    assert rules.window(date(2026, 12, 31), month=True) == Window(date(2026, 12, 1), date(2026, 12, 31))
    assert rules.window(WED, since=date(2026, 10, 1)) == Window(date(2026, 10, 1), WED)
    assert rules.window(WED, since=date(2026, 10, 1), until=date(2026, 10, 31)).days == 31
    assert rules.window(WED, until=date(2026, 10, 29)) == Window(date(2026, 10, 26), date(2026, 10, 29))
    assert rules.window(WED, since=date(2027, 1, 5)) == Window(date(2027, 1, 5), date(2027, 1, 5))
    assert rules.window(WED, since=WED, until=WED).days == 1


@pytest.mark.parametrize(
    "options",
    [
        {"week": True, "month": True},
        {"week": True, "since": WED},
        {"month": True, "until": WED},
        {"since": WED, "until": WED - timedelta(days=1)},
    ],
)
def test_windows_that_do_not_make_sense_are_bad_input(options):
    with pytest.raises(BadInput):
        rules.window(WED, **options)


def test_chart_weeks_end_with_the_windows_last_week():
    weeks = rules.chart_weeks(WED)
    assert len(weeks) == rules.CHART_WEEKS == 8
    assert weeks[-1] == date(2026, 11, 23) and weeks[0] == date(2026, 10, 5)
    assert all(b - a == timedelta(weeks=1) for a, b in pairwise(weeks))
    # across the end of summer time (2026-10-25 in Europe): still whole calendar weeks
    assert date(2026, 10, 19) in weeks and date(2026, 10, 26) in weeks


def test_rate_is_whole_percent_rounded_half_up():
    assert rules.rate(0, 0) is None
    assert rules.rate(1, 0) == 100
    assert rules.rate(0, 3) == 0
    assert rules.rate(1, 1) == 50
    assert rules.rate(2, 1) == 67
    assert rules.rate(1, 7) == 13  # 12.5 -> 13
    assert rules.rate(17, 3) == 85
    assert rules.percent(None) == "–" and rules.percent(67) == "67%"


DAILY = parse_schedule("daily")
ANCHOR = date(2026, 11, 1)


def _daily(*marks: str) -> list[Period]:
    """'x' done, '-' missed, ' ' no row (someone else's, or not judged), from Nov 1 on."""
    return [Period(ANCHOR + timedelta(days=i), mark == "x") for i, mark in enumerate("".join(marks)) if mark in "x-"]


def _streaks(periods, current):
    return rules.streaks(periods, lambda d: previous_due(DAILY, ANCHOR, d), current)


def test_a_streak_broken_and_rebuilt():
    periods = _daily("xxxx--xxx")  # Nov 1-4 done, 5-6 missed, 7-9 done
    assert _streaks(periods, date(2026, 11, 9)) == (3, 4)
    assert _streaks(periods, date(2026, 11, 10)) == (3, 4)  # today's period still open: yesterday's run holds
    assert _streaks(periods, date(2026, 11, 11)) == (0, 4)  # a whole period with nothing: broken
    assert _streaks(periods, None) == (0, 4)  # an archived chore has no current streak


def test_a_current_period_recorded_as_missed_ends_the_streak():
    """The open-period allowance is for a period not yet judged: one judged missed ends the run."""
    periods = _daily("xxx-")  # Nov 1-3 done, Nov 4 missed (reset recorded it)
    assert _streaks(periods, date(2026, 11, 4)) == (0, 3)
    assert _streaks(periods, date(2026, 11, 5)) == (0, 3)


def test_a_gap_breaks_a_streak_and_a_redone_period_counts_as_done():
    assert _streaks(_daily("xx xx"), date(2026, 11, 5)) == (2, 2)  # Nov 3 was someone else's
    twice = [*_daily("xxx"), Period(date(2026, 11, 2), False)]
    assert _streaks(twice, date(2026, 11, 3)) == (3, 3)
    assert _streaks([], date(2026, 11, 3)) == (0, 0)


def test_a_weekly_streak_counts_weeks():
    weekly = parse_schedule("weekly")
    dues = [ANCHOR + timedelta(weeks=k) for k in range(4)]
    found = [Period(d, True) for d in dues]
    assert rules.streaks(found, lambda d: previous_due(weekly, ANCHOR, d), date(2026, 11, 22)) == (4, 4)
    assert rules.streaks(found, lambda d: previous_due(weekly, ANCHOR, d), date(2026, 11, 29)) == (4, 4)
    assert rules.streaks(found, lambda d: previous_due(weekly, ANCHOR, d), date(2026, 12, 6)) == (0, 4)


def test_bars_are_proportional():
    assert rules.bar_length(700, 700, 60) == 60
    assert rules.bar_length(350, 700, 60) == 30
    assert rules.bar_length(100, 700, 60) == 9  # 8.57
    assert rules.bar_length(1, 100000, 60) == 1  # above zero: never invisible
    assert rules.bar_length(0, 700, 60) == 0
    assert rules.bar_length(-100, 700, 60) == 0


def test_sparkline_and_top_chores():
    assert rules.sparkline([None, 0, 50, 100]) == "·▁▅█"
    assert rules.top_chores({"b": 2, "a": 2, "c": 5, "d": 1}) == [("c", 5), ("a", 2), ("b", 2)]
