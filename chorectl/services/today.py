"""``chorectl today``: each child's day, from what is current only.

What is open comes from the slots' states in their current periods
(:func:`chorectl.services.slots.states`, as ``chore list`` decides it), what
waits from the pending queue (its partial index), and balances from the
running totals: no history is read, however many years the household has.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from chorectl.db.models import Chore, Completion, LedgerTotal, Member
from chorectl.domain import day
from chorectl.services import goals as goals_service
from chorectl.services import members as members_service
from chorectl.services import slots
from chorectl.services.filters import total_of
from chorectl.services.rows import TodayRow
from chorectl.services.uow import UnitOfWork


def today(uow: UnitOfWork, *, today: date, member: str | None = None) -> list[TodayRow]:
    """Each active child's day (or only *member*'s), children in id order, then the pool chores.

    Per child: the open chores of their current periods (``overdue``,
    ``today``, ``undated``, ``later``), then what they did that waits for
    approval (``pending``, archived chores too: it still waits), or one
    ``none`` row. Pool chores anyone may do come last, with no member; with
    *member*, the pool chores are theirs to do too. Archived chores and
    members are left out. No children: no rows.
    """
    with uow:
        if member is not None:
            children = [members_service.resolve_child(uow, member)]
        else:
            children = list(
                uow.session.exec(
                    select(Member).where(Member.role == "child", Member.active == True).order_by(Member.id)  # noqa: E712
                )
            )
        if not children:
            return []
        ids = [c.id for c in children]
        balances = dict(
            uow.session.exec(
                select(LedgerTotal.member_id, total_of(LedgerTotal.total))
                .where(col(LedgerTotal.member_id).in_(ids))
                .group_by(LedgerTotal.member_id)
            ).all()
        )
        goals = goals_service.shown(uow, {c.id: balances.get(c.id, 0) for c in children})
        rows: dict[int | None, list[TodayRow]] = {c.id: [] for c in children}
        rows[None] = []
        names = {c.id: c.name for c in children}

        def row(member_id: int | None, status: str, chore: Chore, due: date | None, completion: int | None) -> None:
            fixed = chore.reward_min == chore.reward_max
            rows[member_id].append(
                TodayRow(
                    member=names.get(member_id),
                    status=status,
                    chore_id=chore.id,
                    chore=chore.title,
                    due=due,
                    reward=chore.reward_min if fixed else None,
                    reward_min=None if fixed else chore.reward_min,
                    reward_max=None if fixed else chore.reward_max,
                    completion_id=completion,
                    balance=balances.get(member_id, 0) if member_id is not None else None,
                    **goals_service.cells(goals.get(member_id)),
                    member_id=member_id,
                )
            )

        live = list(uow.session.exec(select(Chore).where(Chore.archived == False).order_by(Chore.id)))  # noqa: E712
        mine = [s for s in slots.slots_of(uow, live, today) if s.member is None or s.member.id in rows]
        for slot, state in zip(mine, slots.states(uow, mine, today), strict=True):
            if state.status == "open":
                row(slot.member.id if slot.member else None, day.section(state.due, today), slot.chore, state.due, None)
        # The pending queue is short and has its own index; each child's part of it is picked here,
        # not in SQL (a member's index would walk all of their completions).
        waiting = uow.session.exec(
            select(Completion, Chore)
            .join(Chore, col(Chore.id) == col(Completion.chore_id))
            .where(Completion.status == "pending")
            .order_by(Completion.id)
        )
        for completion, chore in waiting:
            if completion.member_id in names:
                row(completion.member_id, day.PENDING, chore, completion.period_due, completion.id)
        result = []
        for child in children:
            found = sorted(rows[child.id], key=_order)
            if not found:
                nothing = dict.fromkeys(
                    ("chore_id", "chore", "due", "reward", "reward_min", "reward_max", "completion_id")
                )
                goal = goals_service.cells(goals.get(child.id))
                found = [
                    TodayRow(
                        child.name, day.NONE, **nothing, balance=balances.get(child.id, 0), **goal, member_id=child.id
                    )
                ]
            result.extend(found)
        result.extend(sorted(rows[None], key=_order))
        return result


def _order(row: TodayRow) -> tuple[int, date, int]:
    """By section, then the earliest due date first (by chore on the same day); what waits, in the order it was done."""
    if row.status == day.PENDING:
        return day.SECTIONS.index(row.status), date.min, row.completion_id
    return (*day.order(row.status, row.due), row.chore_id)
