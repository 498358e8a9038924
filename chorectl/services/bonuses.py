"""Streak bonuses (``chore add/edit --streak N:AMOUNT``): paid at the approval that completes a streak.

A streak is the report's (:func:`chorectl.domain.report.run_through`, the same
rules as ``report``'s streak column): one child's periods of one recurring
chore, each the one right after the one before, done and approved; a missed
period ends it, a rejection redone and approved in the same period does not.
For a rotating chore the periods are the child's own turns (the turn after
theirs is someone else's, so the chore's next period is not the one that
counts). A pool chore's streak is one child doing it period after period (a
period someone else did, or nobody, ends it).

Every N periods of a run pay once: a run of 2N periods has paid twice (at the
Nth and the 2Nth). The bonus is a ``bonus`` ledger entry carrying the approved
completion's id, so undoing that approval reverses it with the reward; an
approval undone and made again pays once, not twice, because only bonuses of
completions still approved, and not reversed, count as paid.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date, datetime

from sqlmodel import col, select

from chorectl.db.models import Chore, Completion, LedgerEntry
from chorectl.domain import report as rules
from chorectl.domain.schedule import parse_schedule, previous_due
from chorectl.services import ledger
from chorectl.services.uow import UnitOfWork

COUNTED = ("approved", "pending", "missed")  # a rejected one is redone, or missed in the end


def note(chore: Chore) -> str:
    """The bonus entry's note: ``streak: 3 × Dishes``."""
    return f"streak: {chore.streak_n} × {chore.title}"


def pay_streak(uow: UnitOfWork, completion: Completion, chore: Chore, now: datetime) -> int:
    """The streak bonus *completion*'s approval (being made now) earns, written to the ledger;
    its amount in cents, 0 when it completes no streak."""
    if not (chore.streak_n and chore.streak_bonus and chore.schedule and completion.period_due is not None):
        return 0
    rows = list(
        uow.session.exec(
            select(Completion.id, Completion.period_due, Completion.status).where(
                Completion.chore_id == chore.id,
                Completion.member_id == completion.member_id,
                col(Completion.period_due).is_not(None),
                col(Completion.status).in_(COUNTED),
            )
        )
    )
    periods, approved = [], {}
    for cid, due, status in rows:
        done = cid == completion.id or status == "approved"
        periods.append(rules.Period(due, done))
        if done and cid != completion.id:
            approved.setdefault(due, []).append(cid)
    periods.append(rules.Period(completion.period_due, True))
    run = rules.run_through(periods, _previous(chore, sorted({p.due for p in periods})), completion.period_due)
    paid = _paid(uow, chore, completion.member_id, [cid for due in run for cid in approved.get(due, [])])
    if len(run) // chore.streak_n <= paid:
        return 0
    uow.session.add(
        LedgerEntry(
            at=now,
            member_id=completion.member_id,
            kind="bonus",
            amount=chore.streak_bonus,
            chore_id=chore.id,
            completion_id=completion.id,
            note=note(chore),
        )
    )
    return chore.streak_bonus


def _previous(chore: Chore, theirs: list[date]):
    """The period before a due date that continues a streak: the schedule's, or for a rotating
    chore the child's own turn before (their periods, *theirs*, sorted)."""
    if chore.rotate_by:

        def turn_before(due: date) -> date | None:
            k = bisect_left(theirs, due)
            return theirs[k - 1] if k else None

        return turn_before
    schedule, anchor = parse_schedule(chore.schedule), chore.due
    return lambda due: previous_due(schedule, anchor, due)


def _paid(uow: UnitOfWork, chore: Chore, member_id: int, completion_ids: list[int]) -> int:
    """How many of these approved completions paid a streak bonus of *chore* that still stands: a
    bonus reversed (its approval undone) is not paid any more, even once that completion is approved
    again without one (a later approval then pays for the run)."""
    if not completion_ids:
        return 0
    entries = uow.session.exec(
        select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.completion_id, LedgerEntry.note).where(
            LedgerEntry.member_id == member_id,
            col(LedgerEntry.kind).in_(("bonus", "reversal")),
            LedgerEntry.chore_id == chore.id,
        )
    ).all()
    reversed_ids = {ledger.reversed_id(note) for _, kind, _, note in entries if kind == "reversal"}
    paid = {cid for eid, kind, cid, _ in entries if kind == "bonus" and eid not in reversed_ids}
    return len(paid & set(completion_ids))
