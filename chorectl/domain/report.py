"""The rules of ``chorectl report``: windows, weeks, completion rates, streaks, bars.

Pure calendar and arithmetic on local dates; ``today`` is always an argument.

- **Weeks** start on Monday (ISO 8601), or on Sunday when
  ``CHORECTL_WEEK_START=sunday`` (:func:`week_start_setting`).
- **The window** is the current week so far by default (its first day to
  today, both included); ``--month`` the current month so far; ``--since``
  and ``--until`` any days (``--until`` alone: its week up to that day;
  ``--since`` alone: up to today).
- **Completion rate**: done / (done + missed), in whole percent rounded half
  up; None when nothing was done or missed.
- **Streak**: for one child and one recurring chore, a run of consecutive
  periods the child did (approved, or waiting for approval), each period the
  one right after the last; a missed period, a period nobody (or someone
  else) did, or a change of schedule ends it. Only the periods judged within
  the window count. The *current* streak is the run that ends with the
  period the window's last day falls in, or with the period before it (the
  current one may still be open); the *best* the longest run in the window.
  A child's streaks are the largest over their chores. The streak bonus
  (``chore add --streak``) counts the same runs (:func:`run_through`).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from chorectl.errors import BadInput

WEEK_STARTS = {"monday": 0, "sunday": 6}
CHART_WEEKS = 8  # the charts show this many weeks, up to the window's last day
TOP = 3  # how many chores "top chores" names
SPARKS = "▁▂▃▄▅▆▇█"
NO_DATA = "·"


def week_start_setting(text: str | None) -> int:
    """The weekday weeks start on (0 Monday, 6 Sunday) from ``CHORECTL_WEEK_START`` (unset: Monday)."""
    if text is None or not text.strip():
        return 0
    key = text.strip().lower()
    if key not in WEEK_STARTS:
        raise BadInput(
            f"CHORECTL_WEEK_START={text!r} is not a day weeks start on", hint="set it to monday (the default) or sunday"
        )
    return WEEK_STARTS[key]


def week_of(day: date, first: int = 0) -> date:
    """The first day of the week *day* is in; weeks start on weekday *first* (0 Monday, 6 Sunday)."""
    return day - timedelta(days=(day.weekday() - first) % 7)


def month_of(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class Window:
    """Local days *first* .. *last*, both included."""

    first: date
    last: date

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def window(
    today: date,
    *,
    week: bool = False,
    month: bool = False,
    since: date | None = None,
    until: date | None = None,
    first_weekday: int = 0,
) -> Window:
    """The report's window from its options; refuses options that do not go together (exit 2)."""
    if week and month:
        raise BadInput("--week and --month do not go together", hint="one of them, or --since and --until")
    if (week or month) and (since is not None or until is not None):
        which = "--week" if week else "--month"
        raise BadInput(f"{which} does not go with --since or --until", hint="one window: --week, --month or dates")
    if since is not None and until is not None and since > until:
        raise BadInput("--since is after --until")
    if month:
        return Window(month_of(today), today)
    if since is None and until is None:
        return Window(week_of(today, first_weekday), today)
    if since is None:
        return Window(week_of(until, first_weekday), until)
    return Window(since, until if until is not None else max(today, since))


def chart_weeks(last: date, first_weekday: int = 0, count: int = CHART_WEEKS) -> list[date]:
    """The first days of the *count* weeks up to the one *last* falls in, oldest first."""
    newest = week_of(last, first_weekday)
    return [newest - timedelta(weeks=k) for k in range(count - 1, -1, -1)]


def rate(done: int, missed: int) -> int | None:
    """done / (done + missed) in whole percent, rounded half up; None when there were none."""
    total = done + missed
    if not total:
        return None
    return (200 * done + total) // (2 * total)


def percent(value: int | None) -> str:
    return "–" if value is None else f"{value}%"


@dataclass(frozen=True)
class Period:
    """One judged period of a chore for a child: its due date, and whether they did it."""

    due: date
    done: bool


def _runs(
    periods: Iterable[Period], previous: Callable[[date], date | None]
) -> tuple[dict[date, bool], list[list[date]]]:
    """Each period's due date with whether it was done, and the runs of done periods (each period
    the one right after the one before, by *previous*), oldest first. A period done and missed
    both (a redone period) counts as done."""
    by_due: dict[date, bool] = {}
    for p in periods:
        by_due[p.due] = by_due.get(p.due, False) or p.done
    runs: list[list[date]] = []
    run: list[date] | None = None
    for due in sorted(by_due):
        if not by_due[due]:
            run = None
        elif run and previous(due) == run[-1]:
            run.append(due)
        else:
            run = [due]
            runs.append(run)
    return by_due, runs


def streaks(
    periods: Iterable[Period], previous: Callable[[date], date | None], current: date | None
) -> tuple[int, int]:
    """(current, best) streak of one child's periods of one recurring chore.

    *previous(due)* is the due date before *due* in the chore's schedule;
    *current* the due date of the period the window's last day falls in (None:
    no current run, e.g. the chore is archived). A period done and missed both
    (a redone period) counts as done.
    """
    by_due, runs = _runs(periods, previous)
    ends = {due: k + 1 for run in runs for k, due in enumerate(run)}  # each done period: its run's length so far
    best = max((len(run) for run in runs), default=0)
    now = 0
    if current is not None:
        if current in by_due:  # judged: done ends a run there, missed ends every run
            now = ends.get(current, 0)
        else:  # still open: the run up to the period before it stands
            before = previous(current)
            now = ends.get(before, 0) if before is not None else 0
    return now, best


def run_through(periods: Iterable[Period], previous: Callable[[date], date | None], due: date) -> list[date]:
    """The whole run (by :func:`streaks`' rules) that the period due *due* is in, oldest first;
    empty when that period was not done. The streak bonus counts its periods."""
    return next((run for run in _runs(periods, previous)[1] if due in run), [])


def top_chores(counts: dict[str, int], n: int = TOP) -> list[tuple[str, int]]:
    """The *n* chores done most, most first; ties by title."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))[:n]


def bar_length(amount: int, largest: int, room: int) -> int:
    """A bar's length in characters: *amount* in proportion to *largest* filling *room*.

    Rounded half up; an amount above zero shows at least one character; none for zero or less.
    """
    if amount <= 0 or largest <= 0 or room <= 0:
        return 0
    return max(1, (2 * amount * room + largest) // (2 * largest))


def sparkline(rates: list[int | None]) -> str:
    """One block a week, its height the week's rate (0% lowest, 100% highest); ``·`` where none was due."""
    top = len(SPARKS) - 1
    return "".join(NO_DATA if r is None else SPARKS[(r * top + 50) // 100] for r in rates)


def month_name(day: date) -> str:
    return f"{calendar.month_name[day.month]} {day.year}"
