"""Schedules and periods, without a database: the calendar arithmetic of CLI.md.

A brute-force reference (walk every day, list every due date) checks the fast
functions over years of days, every schedule kind, month ends, leap years and
the DST transition days of two zones.
"""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chorectl.domain.schedule import (
    Period,
    cooldown_back,
    cooldown_due,
    current_due,
    describe,
    due_on_or_after,
    dues_between,
    next_dues,
    parse_cooldown,
    parse_schedule,
    period_of,
    previous_due,
)
from chorectl.errors import BadInput

D = date


def reference_dues(text: str, anchor: date, until: date) -> list[date]:
    """Every due date from *anchor* up to *until*, the slow and obvious way."""
    s = parse_schedule(text)
    out: list[date] = []
    if s.kind == "monthly":
        k = 0
        while True:
            months = anchor.month - 1 + k
            y, m = anchor.year + months // 12, months % 12 + 1
            d = date(y, m, min(anchor.day, calendar.monthrange(y, m)[1]))
            if d > until:
                return out
            out.append(d)
            k += 1
    day = anchor
    while day <= until:
        if s.kind == "weekdays":
            if day.weekday() in s.weekdays:
                out.append(day)
        elif (day - anchor).days % s.step == 0:
            out.append(day)
        day += timedelta(days=1)
    return out


SCHEDULES = ["daily", "weekly", "monthly", "mon,wed,fri", "sun", "3d", "2w", "10d", "tue,sat"]
ANCHORS = [
    D(2024, 1, 31),
    D(2025, 1, 31),
    D(2024, 2, 29),
    D(2026, 3, 8),
    D(2026, 10, 25),
    D(2026, 12, 31),
    D(2027, 8, 30),
]


@pytest.mark.parametrize("text", SCHEDULES)
@pytest.mark.parametrize("anchor", ANCHORS)
def test_every_day_maps_to_the_reference_due_date(text, anchor):
    s = parse_schedule(text)
    end = anchor + timedelta(days=800)
    dues = reference_dues(text, anchor, end + timedelta(days=62))
    day = anchor - timedelta(days=3)
    while day <= end:
        expected = next(d for d in dues if d >= day)
        assert due_on_or_after(s, anchor, day) == expected, day
        day += timedelta(days=1)


@pytest.mark.parametrize("text", SCHEDULES)
@pytest.mark.parametrize("anchor", ANCHORS)
def test_periods_tile_the_calendar(text, anchor):
    """Each day is in exactly one period; a period runs from the day after the previous due date."""
    s = parse_schedule(text)
    dues = reference_dues(text, anchor, anchor + timedelta(days=500))
    for before, due in itertools.pairwise(dues):
        assert previous_due(s, anchor, due) == before
        assert period_of(s, anchor, before + timedelta(days=1)) == Period(before + timedelta(days=1), due)
        assert period_of(s, anchor, due) == Period(before + timedelta(days=1), due)
    assert previous_due(s, anchor, dues[0]) is None
    assert period_of(s, anchor, dues[0]).start is None


@pytest.mark.parametrize("text", SCHEDULES)
@pytest.mark.parametrize("skipped", [0, 1, 2, 6, 7, 8, 30, 31, 62, 365, 400])
def test_cron_skipped_n_days_lists_each_missed_due_date_once(text, skipped):
    anchor = D(2024, 1, 31)
    s = parse_schedule(text)
    last_run = D(2024, 2, 27)
    watermark = due_on_or_after(s, anchor, last_run)
    today = last_run + timedelta(days=skipped)
    current = due_on_or_after(s, anchor, today)
    missed = list(dues_between(s, anchor, watermark, current))
    expected = [d for d in reference_dues(text, anchor, today + timedelta(days=62)) if watermark <= d < current]
    assert missed == expected
    assert len(set(missed)) == len(missed)
    assert all(d < today for d in missed)  # only periods that have ended


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [
        (D(2024, 1, 31), [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31), D(2024, 4, 30), D(2024, 5, 31)]),
        (D(2025, 1, 31), [D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31), D(2025, 4, 30), D(2025, 5, 31)]),
        (D(2024, 1, 30), [D(2024, 1, 30), D(2024, 2, 29), D(2024, 3, 30), D(2024, 4, 30), D(2024, 5, 30)]),
        (D(2023, 12, 29), [D(2023, 12, 29), D(2024, 1, 29), D(2024, 2, 29), D(2024, 3, 29), D(2024, 4, 29)]),
        (D(2025, 12, 29), [D(2025, 12, 29), D(2026, 1, 29), D(2026, 2, 28), D(2026, 3, 29), D(2026, 4, 29)]),
    ],
)
def test_monthly_clamps_to_the_last_day_without_drifting(anchor, expected):
    assert next_dues(parse_schedule("monthly"), anchor, anchor, 5) == expected


def test_leap_day_anchor_comes_back_to_the_29th_and_28th():
    s = parse_schedule("monthly")
    dues = next_dues(s, D(2024, 2, 29), D(2024, 2, 29), 13)
    assert dues[1] == D(2024, 3, 29) and dues[12] == D(2025, 2, 28)
    yearly_ish = next_dues(parse_schedule("52w"), D(2024, 2, 29), D(2024, 2, 29), 2)
    assert yearly_ish == [D(2024, 2, 29), D(2025, 2, 27)]


def test_weekday_list_starts_on_the_first_matching_day():
    s = parse_schedule("mon,thu")
    assert next_dues(s, D(2026, 11, 21), D(2026, 11, 21), 4) == [
        D(2026, 11, 23),
        D(2026, 11, 26),
        D(2026, 11, 30),
        D(2026, 12, 3),
    ]


ZONES = ["America/New_York", "Europe/Berlin"]
# (zone, the day clocks go forward (23 h), the day they go back (25 h)) in 2026
DST_DAYS = {"America/New_York": (D(2026, 3, 8), D(2026, 11, 1)), "Europe/Berlin": (D(2026, 3, 29), D(2026, 10, 25))}


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("text", SCHEDULES)
def test_dst_days_are_whole_days(zone, text):
    """Every instant of a 23- or 25-hour day belongs to that local day and its period."""
    tz = ZoneInfo(zone)
    s = parse_schedule(text)
    anchor = D(2026, 1, 31)
    for day in DST_DAYS[zone]:
        # Aware arithmetic in one zone is wall-clock arithmetic: step in UTC instead.
        first = datetime(day.year, day.month, day.day, 0, 0, tzinfo=tz).astimezone(UTC)
        nxt = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(UTC)
        hours = (nxt - first).total_seconds() / 3600
        assert hours in (23, 25)
        instant = first
        while instant < nxt:
            local = instant.astimezone(tz).date()
            assert local == day
            assert day in period_of(s, anchor, local)
            instant += timedelta(minutes=30)
        # The due date after the change is the reference one: no hour shifted it.
        assert due_on_or_after(s, anchor, day) == next(
            d for d in reference_dues(text, anchor, D(2027, 3, 1)) if d >= day
        )


@pytest.mark.parametrize(
    ("text", "canonical", "words"),
    [
        ("daily", "daily", "every day"),
        ("Weekly", "weekly", "every week on Saturday"),
        ("monthly", "monthly", "every month on the 21st"),
        ("fri,mon,wed", "mon,wed,fri", "every Monday, Wednesday and Friday"),
        ("Monday", "mon", "every Monday"),
        ("3d", "3d", "every 3 days"),
        ("2w", "2w", "every 2 weeks on Saturday"),
        ("mon,tue,wed,thu,fri,sat,sun", "daily", "every day"),
    ],
)
def test_parse_and_describe(text, canonical, words):
    s = parse_schedule(text)
    assert s.text == canonical
    assert describe(s, D(2026, 11, 21)) == words


@pytest.mark.parametrize(
    "bad", ["fortnightly", "0d", "-3d", "mon,funday", "", "3", "366d", "53w", "99999d", "d", "1.5d", "mon;wed"]
)
def test_bad_schedules_are_bad_input(bad):
    with pytest.raises(BadInput):
        parse_schedule(bad)


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "366", "1.5"])
def test_bad_cooldowns_are_bad_input(bad):
    with pytest.raises(BadInput):
        parse_cooldown(bad)


@given(st.text(max_size=30))
def test_schedule_parser_only_raises_bad_input(text):
    try:
        s = parse_schedule(text)
    except BadInput:
        return
    assert parse_schedule(s.text) == s  # the canonical form round-trips


@given(
    st.sampled_from(SCHEDULES),
    st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31)),
    st.integers(min_value=0, max_value=3000),
)
def test_due_is_never_before_the_day_and_is_a_fixed_point(text, anchor, offset):
    s = parse_schedule(text)
    day = anchor + timedelta(days=offset)
    due = due_on_or_after(s, anchor, day)
    assert due >= day
    assert due_on_or_after(s, anchor, due) == due
    assert (due - day).days <= 366


@given(
    st.sampled_from(SCHEDULES),
    st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31)),
    st.integers(min_value=0, max_value=1000),
    st.integers(min_value=-400, max_value=400),
)
def test_the_current_period_never_goes_back_before_the_watermark(text, anchor, offset, back):
    """A clock that went back (*back* days before the day reset rolled to) keeps the rolled
    period; a clock that is on or past it gets today's period, as if there were no watermark."""
    s = parse_schedule(text)
    rolled = due_on_or_after(s, anchor, anchor + timedelta(days=offset))  # a period reset rolled to
    today = rolled - timedelta(days=back)
    due = current_due(s, anchor, today, rolled)
    assert due >= rolled and due >= today
    assert due == (rolled if today < rolled else due_on_or_after(s, anchor, today))
    assert current_due(s, anchor, today, None) == due_on_or_after(s, anchor, today)


def test_current_due_on_a_clock_three_days_back():
    daily = parse_schedule("daily")
    assert current_due(daily, D(2026, 11, 16), D(2026, 11, 16), D(2026, 11, 19)) == D(2026, 11, 19)
    assert current_due(daily, D(2026, 11, 16), D(2026, 11, 20), D(2026, 11, 19)) == D(2026, 11, 20)


def test_a_cooldown_chore_is_due_when_it_comes_back_and_never_before_today():
    today = D(2026, 11, 22)
    back = cooldown_back(D(2026, 11, 16), 3)
    assert back == D(2026, 11, 19)
    assert cooldown_due(D(2026, 11, 16), back, today) == today  # back since the 19th: due now, not "late"
    assert cooldown_due(D(2026, 11, 16), D(2026, 11, 25), today) == D(2026, 11, 25)  # cooling down
    assert cooldown_due(D(2026, 11, 20), None, today) == D(2026, 11, 20)  # never approved: its --due
    assert cooldown_due(None, None, today) is None


@given(
    st.one_of(st.none(), st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31))),
    st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31)),
    st.integers(min_value=1, max_value=365),
    st.integers(min_value=0, max_value=800),
)
def test_after_an_approval_a_cooldown_due_date_is_never_in_the_past(first, approved_on, days, later):
    today = approved_on + timedelta(days=later)
    due = cooldown_due(first, cooldown_back(approved_on, days), today)
    assert due >= today and due >= approved_on + timedelta(days=days)
