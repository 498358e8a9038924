"""A child's day and the digest's day: pure rules on local dates."""

from __future__ import annotations

from datetime import date

import pytest

from chorectl.domain.day import SECTIONS, digest_day, order, section

TODAY = date(2026, 3, 29)  # Europe's spring change: a 23-hour day is still one day


@pytest.mark.parametrize(
    ("due", "expected"),
    [(None, "undated"), (date(2026, 3, 28), "overdue"), (TODAY, "today"), (date(2026, 3, 30), "later")],
)
def test_where_an_open_chore_stands(due, expected):
    assert section(due, TODAY) == expected


def test_a_childs_rows_read_late_first_then_today_then_the_rest():
    rows = [("pending", None), ("later", date(2026, 4, 2)), ("undated", None), ("today", TODAY)]
    rows += [("overdue", date(2026, 3, 1)), ("later", date(2026, 3, 31)), ("overdue", date(2025, 12, 31))]
    assert sorted(rows, key=lambda r: order(*r)) == [
        ("overdue", date(2025, 12, 31)),
        ("overdue", date(2026, 3, 1)),
        ("today", TODAY),
        ("undated", None),
        ("later", date(2026, 3, 31)),
        ("later", date(2026, 4, 2)),
        ("pending", None),
    ]
    assert SECTIONS[-1] == "none"


@pytest.mark.parametrize(
    ("today", "day"),
    [
        (date(2026, 3, 1), date(2026, 2, 28)),  # across a month end
        (date(2024, 3, 1), date(2024, 2, 29)),  # a leap day
        (date(2026, 1, 1), date(2025, 12, 31)),  # a year end
        (date(2026, 10, 26), date(2026, 10, 25)),  # the day after a 25-hour day
    ],
)
def test_the_digest_tells_of_the_periods_due_yesterday(today, day):
    assert digest_day(today) == day
