"""A chore's *slots*: one per assignee, or one shared slot for a pool chore.

A slot's status is derived from the completions of its current period, so
listings are right even when ``reset`` has not run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, func, select

from chorectl.db.models import Assignment, Chore, Completion, Member
from chorectl.domain.dates import local_date
from chorectl.domain.schedule import ONE_DAY, Schedule, cooldown_back, cooldown_due, current_due, parse_schedule
from chorectl.services.uow import UnitOfWork, inside_uow

LIVE = ("pending", "approved")


@dataclass
class Slot:
    chore: Chore
    member: Member | None  # None: a pool chore, anyone may do it
    rolled_due: date | None = None


@dataclass
class SlotState:
    status: str  # open | pending | approved | archived
    period_due: date | None  # the period completions count for (None: one-off)
    due: date | None  # what listings show as due
    completion: Completion | None  # the live completion of the period, if any
    back: date | None = None  # a cooldown chore: when its latest approval lets it come back


@inside_uow
def assignees(uow: UnitOfWork, chore_id: int) -> list[Member]:
    return list(
        uow.session.exec(
            select(Member)
            .join(Assignment, col(Assignment.member_id) == col(Member.id))
            .where(Assignment.chore_id == chore_id, Member.active == True)  # noqa: E712
            .order_by(Member.name_key)
        )
    )


@inside_uow
def slots_of(uow: UnitOfWork, chores: list[Chore], today: date | None = None) -> list[Slot]:
    """The slots of *chores*, in one query (their Assignment rows land in the session).

    A rotating chore's one slot is the child whose turn it is: as ``reset`` last
    rolled it, or with *today* (reads), the child whose turn *today*'s period
    is, walked forward from there as ``reset`` will roll it
    (:func:`chorectl.services.rotation.walk`). The slot's watermark stays the
    stored one."""
    by_chore: dict[int, list[Slot]] = {c.id: [] for c in chores}
    chore_by_id = {c.id: c for c in chores}
    if chores:
        rows = uow.session.exec(
            select(Assignment, Member)
            .join(Member, col(Member.id) == col(Assignment.member_id))
            .where(col(Assignment.chore_id).in_(list(by_chore)), Member.active == True)  # noqa: E712
            .order_by(Assignment.chore_id, Member.name_key)
        )
        for assignment, member in rows:
            by_chore[assignment.chore_id].append(Slot(chore_by_id[assignment.chore_id], member, assignment.rolled_due))
    result = []
    for chore in chores:
        result.extend(by_chore[chore.id] or [Slot(chore, None, chore.rolled_due)])
    if today is not None:
        _forward(uow, result, today)
    return result


def _forward(uow: UnitOfWork, found: list[Slot], today: date) -> None:
    """Rotating chores' slots move on to the child whose turn *today*'s period is."""
    from chorectl.services import rotation

    rotating = [s for s in found if s.chore.rotate_by and s.chore.schedule and s.member and s.rolled_due]
    if not rotating:
        return
    orders = rotation.order_of(uow, [s.chore.id for s in rotating])
    for slot in rotating:
        current = period_due(slot.chore, today, slot.rolled_due)
        people = {m.id: m for m in orders[slot.chore.id]}
        if current == slot.rolled_due or not people:
            continue
        turns = rotation.walk(uow, slot.chore, list(people), slot.member.id, slot.rolled_due, current)
        slot.member = people.get(turns[-1][1], slot.member)


def schedule_of(chore: Chore) -> Schedule | None:
    return parse_schedule(chore.schedule) if chore.schedule else None


def period_due(chore: Chore, today: date, rolled: date | None = None) -> date | None:
    """The due date of *today*'s period for a scheduled chore; None otherwise.

    *rolled* is the slot's watermark: the period is never one before it, even
    when the clock went back (see :func:`chorectl.domain.schedule.current_due`).
    """
    schedule = schedule_of(chore)
    if schedule is None:
        return None
    return current_due(schedule, chore.due or today, today, rolled)


@inside_uow
def slot(uow: UnitOfWork, chore: Chore, member: Member | None) -> Slot:
    """The slot of *member* (None: the pool) in *chore*, with its watermark."""
    if member is None:
        return Slot(chore, None, chore.rolled_due)
    assignment = uow.session.get(Assignment, (chore.id, member.id))
    return Slot(chore, member, assignment.rolled_due if assignment else None)


def comes_back(chore: Chore, state: SlotState) -> date | None:
    """When a done chore is open again: the day after its period, or after its cooldown."""
    if chore.schedule and state.period_due is not None:
        return state.period_due + ONE_DAY
    if chore.cooldown_days and state.status == "approved":
        return state.due
    return None


@inside_uow
def state(uow: UnitOfWork, slot: Slot, today: date) -> SlotState:
    return states(uow, [slot], today)[0]


@inside_uow
def states(uow: UnitOfWork, slots: list[Slot], today: date) -> list[SlotState]:
    """The state of each slot in its current period, from one query for all of them.

    A slot's live completion is the newest pending or approved one of its
    period (scheduled chores) or of all time (one-off and cooldown chores);
    a cooldown chore also needs its newest approval, which a newer pending
    completion (done again after it came back) does not replace.
    """
    periods = [period_due(slot.chore, today, slot.rolled_due) for slot in slots]
    scheduled = {(s.chore.id, p) for s, p in zip(slots, periods, strict=False) if p is not None}
    unscheduled = {s.chore.id for s, p in zip(slots, periods, strict=False) if p is None}
    newest: dict[tuple[int, date | None, int | None], Completion] = {}
    approved: dict[tuple[int, int | None], Completion] = {}
    queries = []
    if scheduled:  # both columns as IN lists: an index seek per pair (a row-value IN would scan)
        queries.append(
            select(Completion).where(
                col(Completion.chore_id).in_(sorted({c for c, _ in scheduled})),
                col(Completion.period_due).in_(sorted({p for _, p in scheduled})),
                col(Completion.status).in_(LIVE),
            )
        )
    if unscheduled:  # all of time: only the newest pending and approved per chore and member, picked in SQL
        newest_ids = (
            select(func.max(Completion.id))
            .where(
                col(Completion.chore_id).in_(sorted(unscheduled)),
                col(Completion.period_due).is_(None),
                col(Completion.status).in_(LIVE),
            )
            .group_by(Completion.chore_id, Completion.member_id, Completion.status)
        )
        queries.append(select(Completion).where(col(Completion.id).in_(newest_ids)))
    for query in queries:
        for completion in uow.session.exec(query.order_by(Completion.id)):  # oldest first: the newest wins
            newest[(completion.chore_id, completion.period_due, completion.member_id)] = completion
            newest[(completion.chore_id, completion.period_due, None)] = completion
            if completion.period_due is None and completion.status == "approved":
                approved[(completion.chore_id, completion.member_id)] = completion
                approved[(completion.chore_id, None)] = completion
    result = []
    for slot, period in zip(slots, periods, strict=False):
        chore = slot.chore
        # A rotating chore's period is the chore's, done once, by whoever's turn it was.
        member_id = slot.member.id if slot.member and not chore.rotate_by else None
        live = newest.get((chore.id, period, member_id))
        due = period if period is not None else chore.due
        back = None
        if chore.cooldown_days:
            last = approved.get((chore.id, member_id))
            if last is not None:
                back = cooldown_back(local_date(last.reviewed_at), chore.cooldown_days)
            due = cooldown_due(chore.due, back, today)
            if live is not None and live.status == "approved" and back <= today:
                live = None  # the cooldown is over: open again
        if chore.archived:
            status = "archived"
        elif live is None:
            status = "open"
        else:
            status = live.status
        result.append(SlotState(status=status, period_due=period, due=due, completion=live, back=back))
    return result
