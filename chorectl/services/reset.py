"""``chorectl reset``: roll recurring chores into their current period.

Safe at any frequency: each slot (chore x assignee, or a pool chore) keeps a
watermark, the due date of the period it was last rolled to. A reset records
each period between the watermark and today that ended with no completion as
one ``missed`` completion, then moves the watermark to today's period. Run
twice, or by two processes at once (writes take the lock up front), the second
finds nothing to do. Pending completions are never touched.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import col, select

from chorectl.db.models import Chore
from chorectl.domain.dates import local_date
from chorectl.services import slots
from chorectl.services.periods import Change, counted_since, name_of, roll, set_watermark
from chorectl.services.uow import UnitOfWork

__all__ = ["Change", "reset"]


def reset(uow: UnitOfWork, *, now: datetime, dry_run: bool = False) -> list[Change]:
    today = local_date(now)
    changes: list[Change] = []
    with uow:
        recurring = list(
            uow.session.exec(
                select(Chore)
                .where(
                    Chore.archived == False,  # noqa: E712
                    or_(col(Chore.schedule).is_not(None), col(Chore.cooldown_days).is_not(None)),
                )
                .order_by(Chore.id)
            )
        )
        due_slots = []
        for slot in slots.slots_of(uow, recurring):
            chore = slot.chore
            if chore.schedule is None:  # a cooldown chore: report once when it is back
                changes.extend(_back_from_cooldown(uow, slot, today))
            elif slot.rolled_due != slots.period_due(chore, today, slot.rolled_due):
                due_slots.append(slot)
        if due_slots:
            counted = counted_since(uow, due_slots, today)
            for slot in due_slots:
                changes.extend(roll(uow, slot, today, now, counted))
        if changes and not dry_run:
            missed = sum(1 for c in changes if c.what == "missed")
            uow.record("reset", f"{len(changes) - missed} periods rolled, {missed} missed", at=now)
            uow.commit()
    return changes


def _back_from_cooldown(uow: UnitOfWork, slot: slots.Slot, today: date) -> list[Change]:
    """Report once that a cooldown chore is open again; its watermark is the day it came back."""
    state = slots.state(uow, slot, today)
    came = state.back if state.back is not None else slot.chore.due  # or first due: never approved yet
    if state.status != "open" or came is None or came > today:
        return []
    if slot.rolled_due is not None and came <= slot.rolled_due:
        return []  # reported already
    set_watermark(uow, slot, came)
    return [Change(slot.chore.id, slot.chore.title, name_of(slot), "open", state.due)]
