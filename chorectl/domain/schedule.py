"""Schedules and periods: pure calendar arithmetic on local dates.

A scheduled chore is due on each date its schedule produces, counting from its
first due date (the *anchor*). Its period runs from the day after the previous
due date to the end of its due date. Everything here works on :class:`date`
(local calendar days), never on instants, so a DST change cannot move a due
date: a 23-hour or 25-hour day is still one day.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from chorectl.errors import BadInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_DAYS = 365
MAX_WEEKS = 52
MAX_COOLDOWN = 365
ONE_DAY = timedelta(days=1)

_INTERVAL = re.compile(r"(\d{1,4})\s*([dw])")


@dataclass(frozen=True)
class Schedule:
    """``kind`` is ``days`` (every *step* days), ``monthly`` or ``weekdays``."""

    text: str  # canonical: daily, weekly, monthly, 3d, 2w, mon,wed,fri
    kind: str
    step: int = 1
    weekdays: frozenset[int] = field(default_factory=frozenset)

    def __str__(self) -> str:
        return self.text


SCHEDULE_HINT = "use daily, weekly, monthly, weekdays like mon,wed,fri, or an interval like 3d or 2w"


def parse_schedule(text: str) -> Schedule:
    s = text.strip().lower()
    if s == "daily":
        return Schedule("daily", "days", 1)
    if s == "weekly":
        return Schedule("weekly", "days", 7)
    if s == "monthly":
        return Schedule("monthly", "monthly")
    m = _INTERVAL.fullmatch(s)
    if m:
        n, unit = int(m[1]), m[2]
        limit = MAX_DAYS if unit == "d" else MAX_WEEKS
        if not 1 <= n <= limit:
            raise BadInput(f"schedule {text!r}: the interval must be 1 to {limit} {'days' if unit == 'd' else 'weeks'}")
        return Schedule(f"{n}{unit}", "days", n if unit == "d" else 7 * n)
    days = set()
    for part in s.split(","):
        part = part.strip()
        index = next(
            (
                i
                for i, (short, full) in enumerate(zip(WEEKDAYS, DAY_NAMES, strict=False))
                if part in (short, full.lower())
            ),
            None,
        )
        if index is None:
            raise BadInput(f"{text!r} is not a schedule", hint=SCHEDULE_HINT)
        days.add(index)
    text_days = ",".join(WEEKDAYS[i] for i in sorted(days))
    if len(days) == 7:
        return Schedule("daily", "days", 1)
    return Schedule(text_days, "weekdays", weekdays=frozenset(days))


def parse_cooldown(text: str | int) -> int:
    try:
        days = int(str(text).strip())
    except ValueError:
        raise BadInput(f"cooldown {text!r} is not a number of days") from None
    if not 1 <= days <= MAX_COOLDOWN:
        raise BadInput(f"cooldown must be 1 to {MAX_COOLDOWN} days")
    return days


# ---------------------------------------------------------------- due dates


def _month_due(anchor: date, k: int) -> date:
    """The anchor's day of month, *k* months on, clamped to that month's last day."""
    months = anchor.month - 1 + k
    year, month = anchor.year + months // 12, months % 12 + 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def first_due(schedule: Schedule, anchor: date) -> date:
    if schedule.kind == "weekdays":
        return _next_weekday(schedule, anchor)
    return anchor


def _next_weekday(schedule: Schedule, day: date) -> date:
    for offset in range(7):
        candidate = day + timedelta(days=offset)
        if candidate.weekday() in schedule.weekdays:
            return candidate
    raise AssertionError("a weekday schedule with no days")  # pragma: no cover


def due_on_or_after(schedule: Schedule, anchor: date, day: date) -> date:
    """The first due date on or after *day*: the due date of *day*'s period."""
    start = first_due(schedule, anchor)
    if day <= start:
        return start
    if schedule.kind == "days":
        k = -(-(day - start).days // schedule.step)  # ceiling division
        return start + timedelta(days=k * schedule.step)
    if schedule.kind == "monthly":
        k = (day.year - start.year) * 12 + day.month - start.month
        candidate = _month_due(start, k)
        return candidate if candidate >= day else _month_due(start, k + 1)
    return _next_weekday(schedule, day)


def current_due(schedule: Schedule, anchor: date, today: date, rolled: date | None = None) -> date:
    """The due date of the period a slot is in on *today*: today's period, but never one
    before *rolled*, the period ``reset`` last rolled the slot to (its watermark).

    A clock that went backwards (a dead clock battery, a wrong time server, a
    hand-set date) does not take a chore back into periods already judged: their
    misses are recorded, so a completion counted there would be counted twice
    and the period it belongs to missed. The chore stays in the rolled period
    until the clock passes it again.
    """
    day = rolled if rolled is not None and rolled > today else today
    return due_on_or_after(schedule, anchor, day)


def previous_due(schedule: Schedule, anchor: date, due: date) -> date | None:
    """The due date before *due* (a due date), or None if *due* is the first."""
    start = first_due(schedule, anchor)
    if due <= start:
        return None
    if schedule.kind == "days":
        return due - timedelta(days=schedule.step)
    if schedule.kind == "monthly":
        k = (due.year - start.year) * 12 + due.month - start.month
        return _month_due(start, k - 1)
    day = due - ONE_DAY
    while day.weekday() not in schedule.weekdays:
        day -= ONE_DAY
    return day


def dues_between(schedule: Schedule, anchor: date, start: date, end: date) -> Iterator[date]:
    """Due dates *d* with ``start <= d < end``, in order."""
    due = due_on_or_after(schedule, anchor, start)
    while due < end:
        yield due
        due = due_on_or_after(schedule, anchor, due + ONE_DAY)


def next_dues(schedule: Schedule, anchor: date, day: date, count: int) -> list[date]:
    """*count* due dates from *day*'s period on."""
    dues, due = [], due_on_or_after(schedule, anchor, day)
    for _ in range(count):
        dues.append(due)
        due = due_on_or_after(schedule, anchor, due + ONE_DAY)
    return dues


@dataclass(frozen=True)
class Period:
    start: date | None  # None: the first period has no start
    due: date  # the period ends with this day

    def __contains__(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and day <= self.due


def period_of(schedule: Schedule, anchor: date, day: date) -> Period:
    due = due_on_or_after(schedule, anchor, day)
    before = previous_due(schedule, anchor, due)
    return Period(before + ONE_DAY if before else None, due)


# ---------------------------------------------------------------- words


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def describe(schedule: Schedule, anchor: date) -> str:
    start = first_due(schedule, anchor)
    if schedule.kind == "monthly":
        words = f"every month on the {_ordinal(start.day)}"
        return words + (" (the last day in shorter months)" if start.day > 28 else "")
    if schedule.kind == "weekdays":
        return "every " + _and([DAY_NAMES[i] for i in sorted(schedule.weekdays)])
    if schedule.step == 1:
        return "every day"
    if schedule.step % 7 == 0:
        weeks = schedule.step // 7
        every = "every week" if weeks == 1 else f"every {weeks} weeks"
        return f"{every} on {DAY_NAMES[start.weekday()]}"
    return f"every {schedule.step} days"


def cooldown_back(approved_on: date, days: int) -> date:
    """The day a cooldown chore approved on *approved_on* is open again."""
    return approved_on + timedelta(days=days)


def cooldown_due(first_due: date | None, back: date | None, today: date) -> date | None:
    """What a cooldown chore shows as due on *today*.

    *back* is when its latest approval lets it come back (None: never approved
    yet). Before any approval it is due on its first due date (``--due``, or no
    date), as a one-off chore is. While it cools down it is due the day it comes
    back. Once it is back it is due now: the day it came back, but never a day
    before *today*, for it was not late (nobody may do it sooner).
    """
    if back is None:
        return first_due
    return max(back, today)


def describe_cooldown(days: int) -> str:
    return f"comes back {days} day{'s' if days != 1 else ''} after each approval"
