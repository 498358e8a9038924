"""Rotating chores: the children who take turns, and whose turn a period is.

A rotating chore keeps its turn order in :class:`~chorectl.db.models.Rotation`
and the current turn as its one :class:`~chorectl.db.models.Assignment` row:
the child whose turn it is, and (``rolled_due``) the period ``reset`` last
rolled it to. So everything that reads assignments (``done`` without
``--as``, ``chore list``, ``today``, ``reset``'s misses) sees a chore assigned
to one child. ``reset`` moves the turn once per period start
(:func:`chorectl.services.periods.roll`); reads of a period not rolled yet walk
forward from the stored turn with :func:`walk`, the same rules
(:mod:`chorectl.domain.rotation`), so both name the same child.

Helpers here work inside a caller's open unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, delete, select

from chorectl.db.models import Assignment, Chore, Completion, Member, Rotation
from chorectl.domain import rotation as rules
from chorectl.domain.schedule import ONE_DAY, due_on_or_after, dues_between, parse_schedule, previous_due
from chorectl.services.uow import UnitOfWork, inside_uow

DONE = ("pending", "approved")  # what counts as done for least-done


@inside_uow
def order_of(uow: UnitOfWork, chore_ids: list[int]) -> dict[int, list[Member]]:
    """Each chore's active children in turn order (archived members have left it)."""
    found: dict[int, list[Member]] = {c: [] for c in chore_ids}
    if chore_ids:
        rows = uow.session.exec(
            select(Rotation, Member)
            .join(Member, col(Member.id) == col(Rotation.member_id))
            .where(col(Rotation.chore_id).in_(sorted(set(chore_ids))), Member.active == True)  # noqa: E712
            .order_by(Rotation.chore_id, Rotation.position)
        )
        for rotation, member in rows:
            found[rotation.chore_id].append(member)
    return found


def walk(
    uow: UnitOfWork, chore: Chore, order: list[int], holder: int, start: date, current: date
) -> list[tuple[date, int]]:
    """Each period from *start* (the stored turn's, *holder*'s) to *current*, with whose turn it is."""
    schedule = parse_schedule(chore.schedule)
    anchor = chore.due
    dues = list(dues_between(schedule, anchor, start, current + ONE_DAY)) or [current]
    if not order:
        return [(due, holder) for due in dues]

    def previous(due: date) -> date | None:
        return previous_due(schedule, anchor, due)

    done: dict[date, set[int]] = {}
    if chore.rotate_by == rules.LEAST_DONE and len(dues) > 1:
        earliest = dues[0]
        for _ in order:
            before = previous(earliest)
            if before is None:
                break
            earliest = before
        rows = uow.session.exec(
            select(Completion.period_due, Completion.member_id).where(
                Completion.chore_id == chore.id,
                col(Completion.period_due) >= earliest,
                col(Completion.period_due) <= current,
                col(Completion.status).in_(DONE),
            )
        )
        for due, member_id in rows:
            done.setdefault(due, set()).add(member_id)
    return list(zip(dues, rules.holders(order, chore.rotate_by, holder, dues, done, previous), strict=True))


def set_order(uow: UnitOfWork, chore: Chore, members: list[Member], by: str, current: date | None) -> None:
    """Make *chore* rotate between *members*, in this order. The child whose turn it is keeps
    it if they are still in the list; otherwise (or when the chore did not rotate before) the
    first in the list takes the current period, due *current*. Other assignees' rows go
    (their ended periods were judged by the caller)."""
    rotated = chore.rotate_by is not None
    chore.rotate_by = by
    uow.session.add(chore)
    uow.session.exec(delete(Rotation).where(col(Rotation.chore_id) == chore.id))
    for position, member in enumerate(members):
        uow.session.add(Rotation(chore_id=chore.id, member_id=member.id, position=position))
    wanted = {m.id for m in members}
    held = None
    for assignment in uow.session.exec(select(Assignment).where(Assignment.chore_id == chore.id)):
        if rotated and held is None and assignment.member_id in wanted:
            held = assignment
        else:
            uow.session.delete(assignment)
    if held is None:
        uow.session.add(Assignment(chore_id=chore.id, member_id=members[0].id, rolled_due=current))
    uow.session.flush()


def stop(uow: UnitOfWork, chore: Chore) -> bool:
    """*chore* rotates no more (``chore assign`` gave it assignees); True if it did."""
    if chore.rotate_by is None:
        return False
    chore.rotate_by = None
    uow.session.add(chore)
    uow.session.exec(delete(Rotation).where(col(Rotation.chore_id) == chore.id))
    return True


@inside_uow
def chores_of(uow: UnitOfWork, member_id: int) -> list[Chore]:
    """The chores *member_id* takes turns at."""
    return list(
        uow.session.exec(
            select(Chore)
            .join(Rotation, col(Rotation.chore_id) == col(Chore.id))
            .where(Rotation.member_id == member_id)
            .order_by(Chore.id)
        )
    )


def places_of(uow: UnitOfWork, member_id: int) -> dict[int, int]:
    """Where *member_id* stands in each turn order they are in: chore id -> position."""
    rows = uow.session.exec(select(Rotation.chore_id, Rotation.position).where(Rotation.member_id == member_id))
    return dict(rows.all())


def rejoin(uow: UnitOfWork, member: Member, places: dict[int, int], now: datetime) -> list[str]:
    """*member* back in the turn orders they left (undo of ``member remove``), where they stood;
    the titles of the chores they rejoined. A chore archived or no longer rotating since (given
    assignees by ``chore assign``) is left as it is; one that stopped rotating because they were
    its last child rotates again, with them taking the current period."""
    from chorectl.domain.dates import local_date
    from chorectl.services import periods, slots

    today = local_date(now)
    back = []
    for chore_id, position in places.items():
        chore = uow.session.get(Chore, chore_id)
        if chore is None or chore.archived:
            continue
        if chore.rotate_by is None:
            others = uow.session.exec(select(Assignment).where(Assignment.chore_id == chore.id)).first()
            if others is not None:
                continue  # it has assignees of its own now
            periods.settle(uow, [chore], now)  # the pool's ended periods are judged first
            set_order(uow, chore, [member], rules.TURNS, slots.period_due(chore, today))
        elif uow.session.get(Rotation, (chore.id, member.id)) is None:
            uow.session.add(Rotation(chore_id=chore.id, member_id=member.id, position=position))
        back.append(chore.title)
    uow.session.flush()
    return back


def leave(uow: UnitOfWork, member: Member) -> None:
    """*member* leaves every rotation (``member remove``; their ended periods are judged).

    Where it is their turn, the next child in the order takes the current period;
    a rotation left with nobody stops (the chore becomes a pool chore).
    """
    for chore in chores_of(uow, member.id):
        rows = list(
            uow.session.exec(
                select(Rotation, Member)
                .join(Member, col(Member.id) == col(Rotation.member_id))
                .where(Rotation.chore_id == chore.id)
                .order_by(Rotation.position)
            )
        )
        position = {r.member_id: r.position for r, _ in rows}
        left = [m.id for r, m in rows if m.active and m.id != member.id]
        turn = uow.session.get(Assignment, (chore.id, member.id))
        if turn is not None and (following := rules.after(left, member.id, position)) is not None:
            uow.session.add(Assignment(chore_id=chore.id, member_id=following, rolled_due=turn.rolled_due))
        for rotation, _ in rows:
            if rotation.member_id == member.id:
                uow.session.delete(rotation)
        if not left:
            chore.rotate_by = None
            uow.session.add(chore)
    uow.session.flush()


@dataclass(frozen=True)
class Turns:
    """A rotating chore's order and turns, for ``chore show``."""

    order: tuple[str, ...]  # the children, in turn order
    by: str  # turns | least-done
    holder: str | None  # whose turn the current period is
    due: date | None  # the current period's due date
    following: str | None  # whose turn the next period is (least-done: as things stand)
    starts: date | None  # the day the next period starts


def turns(uow: UnitOfWork, chore: Chore, holder: Member | None, current: date | None) -> Turns:
    """*chore*'s rotation, with *holder* the child whose turn the period due *current* is
    (the forward-walked slot of :func:`chorectl.services.slots.slots_of`)."""
    people = order_of(uow, [chore.id])[chore.id]
    names = tuple(m.name for m in people)
    if holder is None or current is None or not chore.schedule:
        return Turns(names, chore.rotate_by, None, current, None, None)
    order = [m.id for m in people]
    schedule = parse_schedule(chore.schedule)
    anchor = chore.due
    after = due_on_or_after(schedule, anchor, current + ONE_DAY)
    following = walk(uow, chore, order, holder.id, current, after)[-1][1]
    by_id = {m.id: m.name for m in people}
    return Turns(names, chore.rotate_by, holder.name, current, by_id.get(following), current + ONE_DAY)
