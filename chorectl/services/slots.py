"""A chore's *slots*: one per assignee, or one shared slot for a pool chore.

A slot's status is derived from the completions of its current period, so
listings are right even when ``reset`` has not run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from chorectl.db.models import Assignment, Chore, Completion, Member
from chorectl.services.uow import UnitOfWork

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


def assignees(uow: UnitOfWork, chore_id: int) -> list[Member]:
    return list(
        uow.session.exec(
            select(Member)
            .join(Assignment, col(Assignment.member_id) == col(Member.id))
            .where(Assignment.chore_id == chore_id, Member.active == True)  # noqa: E712
            .order_by(Member.name_key)
        )
    )


def slots_of(uow: UnitOfWork, chore: Chore) -> list[Slot]:
    members = assignees(uow, chore.id)
    if not members:
        return [Slot(chore, None, chore.rolled_due)]
    rolled = dict(
        uow.session.exec(
            select(Assignment.member_id, Assignment.rolled_due).where(Assignment.chore_id == chore.id)
        ).all()
    )
    return [Slot(chore, m, rolled.get(m.id)) for m in members]


def period_of(chore: Chore, today: date) -> tuple[date | None, date | None]:
    """(period_due, due shown) for a chore on *today*."""
    return None, chore.due


def state(uow: UnitOfWork, slot: Slot, today: date) -> SlotState:
    chore = slot.chore
    period_due, due = period_of(chore, today)
    query = select(Completion).where(
        Completion.chore_id == chore.id,
        col(Completion.status).in_(LIVE),
    )
    if period_due is None:
        query = query.where(col(Completion.period_due).is_(None))
    else:
        query = query.where(Completion.period_due == period_due)
    if slot.member is not None:
        query = query.where(Completion.member_id == slot.member.id)
    live = uow.session.exec(query.order_by(col(Completion.id).desc())).first()
    if chore.archived:
        status = "archived"
    elif live is None:
        status = "open"
    else:
        status = live.status
    return SlotState(status=status, period_due=period_due, due=due, completion=live)
