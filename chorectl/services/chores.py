"""Chores: what there is to do, for whom, for how much."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import select

from chorectl.db.models import Assignment, Chore, Member
from chorectl.domain.dates import local_date
from chorectl.domain.money import Reward
from chorectl.domain.schedule import Schedule, first_due
from chorectl.domain.text import clean_note, clean_title, fold
from chorectl.errors import BadInput, InvalidState, NotFound
from chorectl.services import members as members_service
from chorectl.services import periods, slots
from chorectl.services.members import MAX_ID  # ids above it name nothing
from chorectl.services.rows import STATUSES, ChoreRow
from chorectl.services.uow import UnitOfWork, inside_uow


@dataclass(frozen=True)
class ChoreInfo:
    """A chore as stored, when a use case says what it added, changed or shows."""

    id: int
    title: str
    title_key: str
    reward_min: int  # cents; == reward_max for a fixed reward
    reward_max: int
    schedule: str | None  # canonical schedule text; None = one-off or cooldown
    cooldown_days: int | None
    due: date | None  # first due date (the schedule's anchor)
    note: str | None
    archived: bool
    created_at: datetime
    rolled_due: date | None  # a pool chore's current period (assigned chores keep theirs per assignee)

    @classmethod
    def of(cls, chore: Chore) -> ChoreInfo:
        return cls(
            chore.id,
            chore.title,
            chore.title_key,
            chore.reward_min,
            chore.reward_max,
            chore.schedule,
            chore.cooldown_days,
            chore.due,
            chore.note,
            chore.archived,
            chore.created_at,
            chore.rolled_due,
        )


@inside_uow
def resolve(uow: UnitOfWork, ref: str, *, include_archived: bool = False) -> Chore:
    """A chore by id, or by title (case-insensitive, exact).

    Live chores' titles are unique; archived chores may share one, so a title
    that only archived chores have can be ambiguous: that is an error."""
    ref = ref.strip()
    if ref.isascii() and ref.isdigit():
        chore = uow.session.get(Chore, int(ref)) if int(ref) <= MAX_ID else None
        if chore is None:
            raise NotFound(f"no chore with id {ref}", hint="see: chorectl chore list")
        if chore.archived and not include_archived:
            raise InvalidState(f"chore {chore.id} ({chore.title}) is archived")
        return chore
    matches = list(
        uow.session.exec(
            select(Chore).where(Chore.title_key == fold(ref), Chore.archived == False)  # noqa: E712
        )
    )
    if not matches and include_archived:
        matches = list(uow.session.exec(select(Chore).where(Chore.title_key == fold(ref))))
    if not matches:
        raise NotFound(f"no chore called {ref!r}", hint="see: chorectl chore list")
    if len(matches) > 1:
        ids = ", ".join(str(c.id) for c in matches)
        raise BadInput(f"{len(matches)} chores are called {ref!r} (ids {ids})", hint="name it by id")
    return matches[0]


def _check_title_free(uow: UnitOfWork, title: str, *, other_than: int | None = None) -> None:
    """Titles are unique, in any case, among live chores (the database enforces it too):
    a title names one chore, so `done Dishes` always knows which. Archived ones may share."""
    clash = uow.session.exec(
        select(Chore).where(Chore.title_key == fold(title), Chore.archived == False)  # noqa: E712
    ).first()
    if clash is not None and clash.id != other_than:
        raise InvalidState(
            f"there is already a chore called {clash.title} (id {clash.id})",
            hint=f"use another title, or remove the old one first: chorectl chore remove {clash.id}",
        )


def _children(uow: UnitOfWork, names: list[str]) -> list[Member]:
    seen: dict[int, Member] = {}
    for name in names:
        member = members_service.resolve_child(uow, name)
        seen.setdefault(member.id, member)
    return list(seen.values())


def add(
    uow: UnitOfWork,
    title: str,
    *,
    reward: Reward,
    assign: list[str],
    due: date | None,
    note: str | None,
    now: datetime,
    every: Schedule | None = None,
    cooldown: int | None = None,
) -> ChoreInfo:
    """Add a chore. *every* makes it recurring from *due* (default today);
    *cooldown* brings it back that many days after each approval."""
    title = clean_title(title)
    note = clean_note(note)
    today = local_date(now)
    _check_recurrence(every, cooldown)
    with uow:
        _check_title_free(uow, title)
        members = _children(uow, assign)
        chore = Chore(
            title=title,
            title_key=fold(title),
            reward_min=reward.low,
            reward_max=reward.high,
            note=note,
            created_at=now,
        )
        _set_recurrence(chore, every, cooldown, due, today)
        uow.session.add(chore)
        uow.session.flush()
        for member in members:
            uow.session.add(Assignment(chore_id=chore.id, member_id=member.id, rolled_due=chore.rolled_due))
        uow.record("chore add", _describe(chore, [m.name for m in members]), at=now)
        uow.commit()
        return ChoreInfo.of(chore)


def _describe(chore: Chore, assignees: list[str] | None) -> str:
    reward = str(Reward(chore.reward_min, chore.reward_max))
    every = chore.schedule or (f"cooldown {chore.cooldown_days}d" if chore.cooldown_days else "once")
    who = "" if assignees is None else f", for {', '.join(assignees) or 'anyone'}"
    return f"#{chore.id} {chore.title}: reward {reward}, {every}{who}"


def _check_recurrence(every: Schedule | None, cooldown: int | None) -> None:
    if every is not None and cooldown is not None:
        raise BadInput("a chore has either a schedule (--every) or a cooldown, not both")


def _set_recurrence(chore: Chore, every: Schedule | None, cooldown: int | None, due: date | None, today: date) -> None:
    """Schedule fields and the reset watermark (periods before today are never marked missed)."""
    chore.schedule = every.text if every else None
    chore.cooldown_days = cooldown
    chore.due = first_due(every, due or today) if every else due
    chore.rolled_due = slots.period_due(chore, today)


@dataclass
class Changes:
    title: str | None = None
    reward: Reward | None = None
    due: date | None = None
    note: str | None = None
    every: Schedule | None = None
    cooldown: int | None = None
    once: bool = False  # drop the schedule or cooldown: a one-off chore


def edit(uow: UnitOfWork, ref: str, changes: Changes, *, now: datetime) -> ChoreInfo:
    today = local_date(now)
    title = clean_title(changes.title) if changes.title is not None else None
    _check_recurrence(changes.every, changes.cooldown)
    if changes.once and (changes.every or changes.cooldown):
        raise BadInput("--once drops the schedule; it cannot go with --every or --cooldown")
    with uow:
        chore = resolve(uow, ref)
        if title is not None:
            _check_title_free(uow, title, other_than=chore.id)
            chore.title, chore.title_key = title, fold(title)
        if changes.reward is not None:
            chore.reward_min, chore.reward_max = changes.reward.low, changes.reward.high
        if changes.note is not None:
            chore.note = clean_note(changes.note)
        if changes.every or changes.cooldown or changes.once or changes.due is not None:
            periods.settle(uow, [chore], now)  # judge the old periods before they go
        if changes.every or changes.cooldown or changes.once:
            _set_recurrence(chore, changes.every, changes.cooldown, changes.due, today)
            _restart_watermarks(uow, chore)
        elif changes.due is not None:
            every = slots.schedule_of(chore)
            _set_recurrence(chore, every, chore.cooldown_days, changes.due, today)
            _restart_watermarks(uow, chore)
        uow.session.add(chore)
        uow.record("chore edit", _describe(chore, None), at=now)
        uow.commit()
        return ChoreInfo.of(chore)


def _restart_watermarks(uow: UnitOfWork, chore: Chore) -> None:
    """After a schedule change the periods start afresh: none before today is 'missed'."""
    for assignment in uow.session.exec(select(Assignment).where(Assignment.chore_id == chore.id)):
        assignment.rolled_due = chore.rolled_due
        uow.session.add(assignment)


def assign(uow: UnitOfWork, refs: list[str], names: list[str], *, now: datetime) -> list[tuple[ChoreInfo, list[str]]]:
    """Give each chore exactly these assignees (none: a pool chore).

    Someone who keeps a chore keeps its history; a new assignee starts at today's period.
    """
    with uow:
        members = _children(uow, names)
        chores = []
        for ref in refs:
            chore = resolve(uow, ref)
            if chore.id not in {c.id for c in chores}:
                chores.append(chore)
        result = []
        today = local_date(now)
        periods.settle(uow, chores, now)  # an assignee who goes takes no unjudged period along
        wanted = {m.id for m in members}
        for chore in chores:
            kept = set()
            for old in uow.session.exec(select(Assignment).where(Assignment.chore_id == chore.id)):
                if old.member_id in wanted:
                    kept.add(old.member_id)
                else:
                    uow.session.delete(old)
            for member in members:
                if member.id not in kept:
                    uow.session.add(
                        Assignment(chore_id=chore.id, member_id=member.id, rolled_due=slots.period_due(chore, today))
                    )
            if not members:
                chore.rolled_due = slots.period_due(chore, today)
                uow.session.add(chore)
            result.append((ChoreInfo.of(chore), [m.name for m in members]))
            uow.record(
                "chore assign", f"#{chore.id} {chore.title} -> {', '.join(m.name for m in members) or 'anyone'}", at=now
            )
        uow.commit()
        return result


def remove(uow: UnitOfWork, ref: str, *, now: datetime) -> ChoreInfo:
    with uow:
        chore = resolve(uow, ref)
        periods.settle(uow, [chore], now)
        chore.archived = True
        uow.session.add(chore)
        uow.record("chore remove", f"#{chore.id} {chore.title}", at=now)
        uow.commit()
        return ChoreInfo.of(chore)


def _row(slot: slots.Slot, state: slots.SlotState) -> ChoreRow:
    chore = slot.chore
    fixed = chore.reward_min == chore.reward_max
    return ChoreRow(
        id=chore.id,
        title=chore.title,
        assignee=slot.member.name if slot.member else None,
        reward=chore.reward_min if fixed else None,
        reward_min=None if fixed else chore.reward_min,
        reward_max=None if fixed else chore.reward_max,
        schedule=chore.schedule,
        status=state.status,
        due=state.due,
        created_at=chore.created_at,
        note=chore.note,
        cooldown_days=chore.cooldown_days,
    )


def listing(uow: UnitOfWork, *, today: date, member: str | None = None, status: str | None = None) -> list[ChoreRow]:
    if status is not None and status not in STATUSES:
        raise BadInput(f"status must be one of {', '.join(STATUSES)}")
    with uow:
        who = members_service.resolve(uow, member, include_archived=True) if member else None
        query = select(Chore).order_by(Chore.id)
        if status not in ("archived", "all"):
            query = query.where(Chore.archived == False)  # noqa: E712
        rows = []
        every = [
            slot
            for slot in slots.slots_of(uow, list(uow.session.exec(query)))
            if who is None or slot.member is None or slot.member.id == who.id
        ]
        for slot, state in zip(every, slots.states(uow, every, today), strict=False):
            if status is None and state.status == "archived":
                continue
            if status not in (None, "all") and state.status != status:
                continue
            rows.append(_row(slot, state))
        return rows


def show(uow: UnitOfWork, ref: str, *, today: date) -> tuple[ChoreInfo, list[ChoreRow]]:
    with uow:
        chore = resolve(uow, ref, include_archived=True)
        found = slots.slots_of(uow, [chore])
        rows = [_row(s, state) for s, state in zip(found, slots.states(uow, found, today), strict=False)]
        return ChoreInfo.of(chore), rows
