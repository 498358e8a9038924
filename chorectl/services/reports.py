"""``chorectl report``: each child's money, chores and streaks over a window of days.

Reads only what the window (and the charts' weeks before it) needs, so ten
years of history cost what a fresh household does:

- the ledger by its ``at`` index, from the first day shown to the window's end;
  the balance at the end is the running total (``ledger_total``) less what came
  after the window (nothing, for a window that ends today);
- completions by their slot index (chore, period due): a done chore's period
  ends on or after the day it was done and at most a year later, so the done
  ones of the window are among the periods due from its first day to a year
  after its last; one-off and cooldown chores' completions (no period) by the
  same index, their ``completed_at`` checked in SQL.

Who counts: a done (approved, pending or rejected) completion counts for the
child who did it, on the day it was done, pool chores included; a miss for
the child whose period it was, on the period's due date, so a chore that was
reassigned counts its earlier misses for its earlier assignee. A missed pool
period (nobody's: ``member_id`` empty) counts for no child; the report gives
their number for the household (:attr:`Report.pool_missed`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import col, select

from chorectl.db.models import Chore, Completion, LedgerEntry, LedgerTotal, Member
from chorectl.domain import report as rules
from chorectl.domain.dates import day_bounds, local_date
from chorectl.domain.schedule import due_on_or_after, parse_schedule, previous_due
from chorectl.errors import InvalidState
from chorectl.services import goals as goals_service
from chorectl.services import members as members_service
from chorectl.services.ledger import BREAKDOWN
from chorectl.services.ledger import bucket as bucket_of
from chorectl.services.rows import ReportRow
from chorectl.services.uow import UnitOfWork

# A period is at most a year long ("365d", "52w"): a chore done on a day counts for a period due within it.
LONGEST_PERIOD = timedelta(days=366)


@dataclass(frozen=True)
class ChildReport:
    """One child: the row scripts get, and the charts' weeks (:attr:`Report.weeks`)."""

    row: ReportRow
    earned_by_week: tuple[int, ...]  # rewards (less reversals), cents
    rate_by_week: tuple[int | None, ...]  # completion rate in percent; None: nothing due that week


@dataclass(frozen=True)
class Report:
    window: rules.Window
    first_weekday: int  # 0 Monday, 6 Sunday
    weeks: tuple[date, ...]  # the charts' weeks, oldest first: their first days
    children: tuple[ChildReport, ...]
    pool_missed: int  # missed pool periods due in the window: nobody's

    @property
    def empty(self) -> bool:
        """Nothing happened in the window: no money moved, no chore done, missed or rejected."""
        return not self.pool_missed and not any(
            r.row.earned
            or r.row.bonuses
            or r.row.penalties
            or r.row.paid
            or r.row.redeemed
            or r.row.done
            or r.row.missed
            or r.row.rejected
            or r.row.pending
            for r in self.children
        )


def report(uow: UnitOfWork, window: rules.Window, *, member: str | None = None, first_weekday: int = 0) -> Report:
    """Each child's report for *window* (local days, both included); only *member*'s if given."""
    weeks = tuple(rules.chart_weeks(window.last, first_weekday))
    first = min(window.first, weeks[0])  # the first day read: the window's, or the charts' first week's
    start, end = day_bounds(first, window.last)
    win_start, _ = day_bounds(window.first, None)
    with uow:
        if member is not None:
            people = [members_service.resolve(uow, member, include_archived=True)]
            if people[0].role != "child":
                raise InvalidState(f"{people[0].name} is a parent; the report is about children")
        else:
            people = list(uow.session.exec(select(Member).where(Member.role == "child").order_by(Member.id)))
        chores = {c.id: c for c in uow.session.exec(select(Chore))}
        ledger = list(
            uow.session.exec(
                select(
                    LedgerEntry.member_id, LedgerEntry.kind, LedgerEntry.at, LedgerEntry.amount, LedgerEntry.note
                ).where(col(LedgerEntry.at) >= start, col(LedgerEntry.at) < end)
            )
        )
        totals: dict[int, int] = defaultdict(int)
        for member_id, total in uow.session.exec(select(LedgerTotal.member_id, LedgerTotal.total)):
            totals[member_id] += total
        # What came after the window, by the at index (no GROUP BY: it would walk another index whole).
        for member_id, after in uow.session.exec(
            select(LedgerEntry.member_id, LedgerEntry.amount).where(col(LedgerEntry.at) >= end)
        ):
            totals[member_id] -= after
        done_rows = _completions(uow, list(chores), first, window.last, start, end)
        # The goals set by the window's end, at its end balance (archived children's: none).
        goals = goals_service.shown(uow, {p.id: totals.get(p.id, 0) for p in people}, before=end)

    week_index = {w: i for i, w in enumerate(weeks)}

    def week(day: date) -> int | None:
        return week_index.get(rules.week_of(day, first_weekday))

    money: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BREAKDOWN, 0))
    earned_weeks: dict[int, list[int]] = defaultdict(lambda: [0] * len(weeks))
    for member_id, kind, at, amount, note in ledger:
        day = local_date(at)
        bucket = bucket_of(kind, note)  # a reversal under what it reverses
        if at >= win_start:
            money[member_id][bucket] += amount
        if bucket == "earned" and (i := week(day)) is not None:
            earned_weeks[member_id][i] += amount

    counts: dict[int, Counter] = defaultdict(Counter)
    titles: dict[int, Counter] = defaultdict(Counter)
    periods: dict[tuple[int, int], list[rules.Period]] = defaultdict(list)
    week_done: dict[int, list[int]] = defaultdict(lambda: [0] * len(weeks))
    week_missed: dict[int, list[int]] = defaultdict(lambda: [0] * len(weeks))
    pool_missed = 0
    for chore_id, member_id, status, due, completed_at in done_rows:
        day = due if status == "missed" else local_date(completed_at)
        in_window = day in window
        if member_id is None:  # a missed pool period
            pool_missed += in_window
            continue
        if in_window:
            counts[member_id][_COUNTS[status]] += 1
            if status == "approved":
                titles[member_id][chores[chore_id].title] += 1
            if due is not None and status != "rejected":
                periods[(member_id, chore_id)].append(rules.Period(due, status != "missed"))
        i = week(day)
        if i is not None and status == "approved":
            week_done[member_id][i] += 1
        elif i is not None and status == "missed":
            week_missed[member_id][i] += 1

    best: dict[int, tuple[int, int]] = {}
    for (member_id, chore_id), found in periods.items():
        now_run, best_run = _streaks(chores[chore_id], found, window.last)
        was = best.get(member_id, (0, 0))
        best[member_id] = (max(was[0], now_run), max(was[1], best_run))

    children = []
    for person in people:
        n = counts[person.id]
        here = person.id in money or n
        if member is None and not here:
            if not person.active and not totals.get(person.id):
                continue  # archived, settled, and nothing in the window (an archived child owed money shows)
            if local_date(person.created_at) > window.last:
                continue  # added after the window
        m = money[person.id]
        current, longest = best.get(person.id, (0, 0))
        top = "; ".join(f"{title} ({k})" for title, k in rules.top_chores(titles[person.id]))
        row = ReportRow(
            member=person.name,
            **m,
            balance=totals.get(person.id, 0),
            done=n["done"],
            missed=n["missed"],
            rejected=n["rejected"],
            pending=n["pending"],
            completion_rate=rules.rate(n["done"], n["missed"]),
            streak=current,
            best_streak=longest,
            top_chores=top,
            since=window.first,
            until=window.last,
            **goals_service.cells(goals.get(person.id)),
            member_id=person.id,
        )
        rates = tuple(rules.rate(d, x) for d, x in zip(week_done[person.id], week_missed[person.id], strict=True))
        children.append(ChildReport(row, tuple(earned_weeks[person.id]), rates))
    return Report(window, first_weekday, weeks, tuple(children), pool_missed)


_COUNTS = {"approved": "done", "pending": "pending", "rejected": "rejected", "missed": "missed"}


def _completions(
    uow: UnitOfWork, chore_ids: list[int], first: date, last: date, start: datetime, end: datetime
) -> list[tuple[int, int | None, str, date | None, datetime]]:
    """(chore, member, status, period due, done at) of the completions done from *first* to *last*
    and of the periods due then; the caller sorts out which is which.

    Both queries seek the slot index (chore, period due) chore by chore.
    """
    if not chore_ids:
        return []
    columns = (
        Completion.chore_id,
        Completion.member_id,
        Completion.status,
        Completion.period_due,
        Completion.completed_at,
    )
    ids = sorted(chore_ids)
    periodic = select(*columns).where(
        col(Completion.chore_id).in_(ids),
        col(Completion.period_due) >= first,
        col(Completion.period_due) <= last + LONGEST_PERIOD,
    )
    once = select(*columns).where(
        col(Completion.chore_id).in_(ids),
        col(Completion.period_due).is_(None),
        col(Completion.completed_at) >= start,
        col(Completion.completed_at) < end,
    )
    found = []
    for chore_id, member_id, status, due, at in uow.session.exec(periodic):
        day = due if status == "missed" else local_date(at)
        if first <= day <= last:
            found.append((chore_id, member_id, status, due, at))
    found.extend(uow.session.exec(once))
    return found


def _streaks(chore: Chore, found: list[rules.Period], last: date) -> tuple[int, int]:
    if not chore.schedule or chore.due is None:
        return 0, 0
    schedule = parse_schedule(chore.schedule)
    anchor = chore.due
    current = None if chore.archived else due_on_or_after(schedule, anchor, last)
    return rules.streaks(found, lambda due: previous_due(schedule, anchor, due), current)
