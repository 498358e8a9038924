"""``chorectl reset``: roll recurring chores into their current period.

Safe at any frequency: each slot (chore x assignee, or a pool chore) keeps a
watermark, the due date of the period it was last rolled to. A reset records
each period between the watermark and today that ended with no completion as
one ``missed`` completion, then moves the watermark to today's period. Run
twice, or by two processes at once (writes take the lock up front), the second
finds nothing to do. Pending completions are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_
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

    def __str__(self) -> str:
        who = f" ({self.member})" if self.member else " (anyone)"
        if self.what == "missed":
            return f"{self.chore}{who}: missed the period due {self.due.isoformat()}"
        return f"{self.chore}{who}: {self.what}, due {self.due.isoformat()}"


def reset(uow: UnitOfWork, *, now: datetime, dry_run: bool = False) -> list[Change]:
    today = local_date(now)
    changes: list[Change] = []
    with uow:
        recurring = uow.session.exec(
            select(Chore)
            .where(
                Chore.archived == False,  # noqa: E712
                or_(col(Chore.schedule).is_not(None), col(Chore.cooldown_days).is_not(None)),
            )
            .order_by(Chore.id)
        )
        for chore in recurring:
            for slot in slots.slots_of(uow, chore):
                changes.extend(_roll(uow, slot, today, now))
        if not dry_run:
            uow.commit()
    return changes


def _roll(uow: UnitOfWork, slot: slots.Slot, today: date, now: datetime) -> list[Change]:
    chore, member = slot.chore, slot.member
    name = member.name if member else None
    schedule = slots.schedule_of(chore)
    if schedule is None:  # a cooldown chore: report once when it is back
        state = slots.state(uow, slot, today)
        if state.status != "open" or state.due is None or state.due > today or slot.rolled_due == state.due:
            return []
        _set_watermark(uow, slot, state.due)
        return [Change(chore.id, chore.title, name, "open", state.due)]
    current = slots.period_due(chore, today)
    if slot.rolled_due == current:
        return []
    changes = []
    start = slot.rolled_due or chore.due
    if start is not None and start < current:
        for due in dues_between(schedule, chore.due, start, current):
            if not _counted(uow, chore.id, due, member.id if member else None):
                uow.session.add(
                    Completion(
                        chore_id=chore.id,
                        member_id=member.id if member else None,
                        status="missed",
                        period_due=due,
                        completed_at=now,
                    )
                )
                changes.append(Change(chore.id, chore.title, name, "missed", due))
    _set_watermark(uow, slot, current)
    uow.session.flush()
    changes.append(Change(chore.id, chore.title, name, slots.state(uow, slot, today).status, current))
    return changes


def record_missed_after_reject(uow: UnitOfWork, completion: Completion, now: datetime) -> bool:
    """A completion rejected after reset passed its period leaves that period missed."""
    if completion.period_due is None:
        return False
    chore = uow.session.get(Chore, completion.chore_id)
    assignment = uow.session.get(Assignment, (chore.id, completion.member_id))
    if assignment is not None:
        watermark, member_id = assignment.rolled_due, completion.member_id
    else:
        watermark, member_id = chore.rolled_due, None
    if watermark is None or completion.period_due >= watermark:
        return False  # reset has not passed it: the period is still open, or will be judged then
    uow.session.flush()
    if _counted(uow, chore.id, completion.period_due, member_id):
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


def _counted(uow: UnitOfWork, chore_id: int, due: date, member_id: int | None) -> bool:
    query = select(Completion.id).where(
        Completion.chore_id == chore_id,
        Completion.period_due == due,
        col(Completion.status).in_(COUNTED),
    )
    if member_id is not None:
        query = query.where(Completion.member_id == member_id)
    return uow.session.exec(query.limit(1)).first() is not None


def _set_watermark(uow: UnitOfWork, slot: slots.Slot, due: date) -> None:
    if slot.member is None:
        slot.chore.rolled_due = due
        uow.session.add(slot.chore)
    else:
        assignment = uow.session.get(Assignment, (slot.chore.id, slot.member.id))
        assignment.rolled_due = due
        uow.session.add(assignment)
    slot.rolled_due = due
