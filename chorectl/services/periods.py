"""Judging ended periods: each slot's watermark, and the ``missed`` rows for periods nobody did.

``reset`` rolls every recurring chore with these; chores, members and
completions call :func:`settle` or :func:`record_missed_after_reject` before a
change that would otherwise lose an ended period. Functions here expect an
open unit of work (see :mod:`chorectl.services.uow`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from chorectl.db.models import Assignment, Chore, Completion
from chorectl.domain.dates import local_date
from chorectl.domain.schedule import dues_between
from chorectl.services import slots
from chorectl.services.uow import UnitOfWork

COUNTED = ("pending", "approved", "missed")


@dataclass(frozen=True)
class Change:
    chore_id: int
    chore: str
    member: str | None
    what: str  # missed, or the slot's status in its new period: open | pending | approved
    due: date

    @property
    def news(self) -> bool:
        """Worth a line from cron: a period that ended with nobody doing it. The rest is the roll."""
        return self.what == "missed"

    def __str__(self) -> str:
        who = f" ({self.member})" if self.member else " (anyone)"
        if self.what == "missed":
            return f"{self.chore}{who}: missed the period due {self.due.isoformat()}"
        return f"{self.chore}{who}: {self.what}, due {self.due.isoformat()}"


def name_of(slot: slots.Slot) -> str | None:
    return slot.member.name if slot.member else None


Counted = dict[tuple[int, date, int | None], str]


def counted_since(uow: UnitOfWork, due_slots: list[slots.Slot], today: date) -> Counted:
    """Completions that count for a period, from the oldest watermark on, in one query.

    Keys: (chore, period due, member) and (chore, period due, None) for "anyone";
    values: the latest status (pending, approved or missed).
    """
    oldest = min((s.rolled_due or s.chore.due or today) for s in due_slots)
    rows = uow.session.exec(
        select(Completion.chore_id, Completion.period_due, Completion.member_id, Completion.status)
        .where(
            col(Completion.chore_id).in_({s.chore.id for s in due_slots}),
            col(Completion.period_due) >= oldest,
            col(Completion.status).in_(COUNTED),
        )
        .order_by(Completion.id)
    )
    counted: Counted = {}
    for chore_id, due, member_id, status in rows:
        counted[(chore_id, due, member_id)] = status
        counted[(chore_id, due, None)] = status
    return counted


def roll(uow: UnitOfWork, slot: slots.Slot, today: date, now: datetime, counted: Counted) -> list[Change]:
    if slot.chore.rotate_by and slot.member is not None:
        return _roll_turns(uow, slot, today, now, counted)
    chore, member = slot.chore, slot.member
    member_id = member.id if member else None
    schedule = slots.schedule_of(chore)
    current = slots.period_due(chore, today, slot.rolled_due)  # never before the watermark
    changes = []
    start = slot.rolled_due or chore.due
    if start is not None and start < current:
        for due in dues_between(schedule, chore.due, start, current):
            if (chore.id, due, member_id) not in counted:
                uow.session.add(
                    Completion(
                        chore_id=chore.id,
                        member_id=member_id,
                        status="missed",
                        period_due=due,
                        completed_at=now,
                    )
                )
                changes.append(Change(chore.id, chore.title, name_of(slot), "missed", due))
    set_watermark(uow, slot, current)
    status = counted.get((chore.id, current, member_id), "open")
    changes.append(Change(chore.id, chore.title, name_of(slot), status, current))
    return changes


def _roll_turns(uow: UnitOfWork, slot: slots.Slot, today: date, now: datetime, counted: Counted) -> list[Change]:
    """A rotating chore: each ended period nobody did is missed by whoever's turn it was, and
    the turn moves once per period start, to the child whose turn the current period is."""
    from chorectl.services import rotation

    chore, holder = slot.chore, slot.member
    current = slots.period_due(chore, today, slot.rolled_due)
    people = {m.id: m for m in rotation.order_of(uow, [chore.id])[chore.id]}
    names = {**{m: p.name for m, p in people.items()}, holder.id: holder.name}
    turns = rotation.walk(uow, chore, list(people), holder.id, slot.rolled_due or chore.due, current)
    changes = []
    for due, member_id in turns[:-1]:
        if (chore.id, due, None) not in counted:
            uow.session.add(
                Completion(chore_id=chore.id, member_id=member_id, status="missed", period_due=due, completed_at=now)
            )
            changes.append(Change(chore.id, chore.title, names[member_id], "missed", due))
    turn = people.get(turns[-1][1], holder)
    stored = uow.session.get(Assignment, (chore.id, holder.id))
    if turn.id != holder.id:
        uow.session.delete(stored)
        uow.session.add(Assignment(chore_id=chore.id, member_id=turn.id, rolled_due=current))
    elif slot.rolled_due is None or current > slot.rolled_due:
        stored.rolled_due = current
        uow.session.add(stored)
    slot.member, slot.rolled_due = turn, current
    status = counted.get((chore.id, current, None), "open")
    changes.append(Change(chore.id, chore.title, turn.name, status, current))
    return changes


def _counted(uow: UnitOfWork, chore_id: int, due: date, member_id: int | None) -> bool:
    query = select(Completion.id).where(
        Completion.chore_id == chore_id,
        Completion.period_due == due,
        col(Completion.status).in_(COUNTED),
    )
    if member_id is not None:
        query = query.where(Completion.member_id == member_id)
    return uow.session.exec(query.limit(1)).first() is not None


def set_watermark(uow: UnitOfWork, slot: slots.Slot, due: date) -> None:
    """Move the slot's watermark on to *due*; never back (a clock that went back must not
    reopen periods already judged)."""
    if slot.rolled_due is not None and due <= slot.rolled_due:
        return
    if slot.member is None:
        slot.chore.rolled_due = due
        uow.session.add(slot.chore)
    else:
        assignment = uow.session.get(Assignment, (slot.chore.id, slot.member.id))
        assignment.rolled_due = due
        uow.session.add(assignment)
    slot.rolled_due = due


def settle(uow: UnitOfWork, chores: list[Chore], now: datetime) -> None:
    """Record the ended periods of *chores* that reset has not judged yet.

    Called before a chore's assignees, schedule or life change, so that no
    ended period is lost with an assignee's watermark.
    """
    today = local_date(now)
    due_slots = [
        s
        for s in slots.slots_of(uow, chores)
        if s.chore.schedule and not s.chore.archived and s.rolled_due != slots.period_due(s.chore, today, s.rolled_due)
    ]
    if due_slots:
        counted = counted_since(uow, due_slots, today)
        for slot in due_slots:
            roll(uow, slot, today, now, counted)
        uow.session.flush()


def record_missed_after_reject(uow: UnitOfWork, completion: Completion, now: datetime) -> bool:
    """A completion rejected after reset passed its period leaves that period missed."""
    if completion.period_due is None:
        return False
    chore = uow.session.get(Chore, completion.chore_id)
    assignment = uow.session.get(Assignment, (chore.id, completion.member_id))
    by = None  # whose completions count for the period: one member's, or anyone's
    if chore.rotate_by:  # the turn's one row holds the chore's watermark, whoever's turn it is now
        assignment = uow.session.exec(select(Assignment).where(Assignment.chore_id == chore.id)).first()
        watermark, member_id = (assignment.rolled_due if assignment else chore.rolled_due), completion.member_id
    elif assignment is not None:
        watermark, member_id = assignment.rolled_due, completion.member_id
        by = member_id
    else:
        watermark, member_id = chore.rolled_due, None
    if watermark is None or completion.period_due >= watermark:
        return False  # reset has not passed it: the period is still open, or will be judged then
    uow.session.flush()
    if _counted(uow, chore.id, completion.period_due, by):
        return False
    uow.session.add(
        Completion(
            chore_id=chore.id,
            member_id=member_id,
            status="missed",
            period_due=completion.period_due,
            completed_at=now,
        )
    )
    return True


def unmiss(uow: UnitOfWork, completion: Completion) -> bool:
    """*completion* counts for its period again (a rejection undone): the ``missed`` rows of that
    period in its slot go, whoever recorded them (the rejection itself, or ``reset`` after it).
    The slot: the completion's child's, or the pool's (no child), or at a rotating chore the
    period's one turn, whoever's it was. A period is never both done and missed."""
    if completion.period_due is None:
        return False
    chore = uow.session.get(Chore, completion.chore_id)
    query = select(Completion).where(
        Completion.chore_id == chore.id,
        Completion.period_due == completion.period_due,
        Completion.status == "missed",
    )
    if not chore.rotate_by:
        query = query.where((col(Completion.member_id) == completion.member_id) | col(Completion.member_id).is_(None))
    missed = list(uow.session.exec(query))
    for row in missed:
        uow.session.delete(row)
    return bool(missed)
