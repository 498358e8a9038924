"""Chores: what there is to do, for whom, for how much."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import select

from chorectl.db.models import Assignment, Chore, Member
from chorectl.domain import rotation as rules
from chorectl.domain.dates import local_date
from chorectl.domain.money import Reward, format_cents
from chorectl.domain.schedule import Schedule, first_due
from chorectl.domain.text import clean_note, clean_title, fold
from chorectl.errors import BadInput, InvalidState, NotFound
from chorectl.services import members as members_service
from chorectl.services import periods, rotation, slots
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
    rotate_by: str | None = None  # turns | least-done: a rotating chore (None: it does not rotate)
    streak_n: int | None = None  # the streak bonus: after this many periods in a row ...
    streak_bonus: int | None = None  # ... this many cents

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
            chore.rotate_by,
            chore.streak_n,
            chore.streak_bonus,
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
    rotate: list[str] | None = None,
    rotate_by: str | None = None,
    streak: Streak | None = None,
) -> ChoreInfo:
    """Add a chore. *every* makes it recurring from *due* (default today);
    *cooldown* brings it back that many days after each approval. *rotate*: the
    children who take turns at it, each period the next (*rotate_by*: turns or
    least-done); *streak*: a bonus after that many periods in a row."""
    title = clean_title(title)
    note = clean_note(note)
    today = local_date(now)
    _check_recurrence(every, cooldown)
    if rotate_by is not None and not rotate:
        raise BadInput("--rotate-by goes with --rotate NAME,NAME...")
    if rotate is not None:
        if assign:
            raise BadInput(
                "a chore either rotates (--rotate) or has assignees (--assign), not both",
                hint="--rotate Amy,Ben gives each period to the next child in turn",
            )
        _check_rotates(every is not None, rotate)
    if streak is not None:
        _check_streak(every is not None)
    with uow:
        _check_title_free(uow, title)
        members = _children(uow, assign)
        turns = _rotation(uow, rotate) if rotate is not None else []
        chore = Chore(
            title=title,
            title_key=fold(title),
            reward_min=reward.low,
            reward_max=reward.high,
            note=note,
            created_at=now,
        )
        _set_recurrence(chore, every, cooldown, due, today)
        if streak is not None:
            chore.streak_n, chore.streak_bonus = streak
        uow.session.add(chore)
        uow.session.flush()
        for member in members:
            uow.session.add(Assignment(chore_id=chore.id, member_id=member.id, rolled_due=chore.rolled_due))
        if turns:
            rotation.set_order(uow, chore, turns, rotate_by or rules.TURNS, chore.rolled_due)
        uow.record("chore add", _describe(chore, [m.name for m in members], [m.name for m in turns]), at=now)
        uow.commit()
        return ChoreInfo.of(chore)


def _describe(chore: Chore, assignees: list[str] | None, turns: list[str] | None = None) -> str:
    reward = str(Reward(chore.reward_min, chore.reward_max))
    every = chore.schedule or (f"cooldown {chore.cooldown_days}d" if chore.cooldown_days else "once")
    if turns:
        who = f", in turns: {', '.join(turns)}" + (f" ({chore.rotate_by})" if chore.rotate_by != rules.TURNS else "")
    else:
        who = "" if assignees is None else f", for {', '.join(assignees) or 'anyone'}"
    bonus = f", streak {chore.streak_n}:{format_cents(chore.streak_bonus)}" if chore.streak_n else ""
    return f"#{chore.id} {chore.title}: reward {reward}, {every}{who}{bonus}"


# A streak bonus: (periods in a row, cents).
Streak = tuple[int, int]


def _check_rotates(scheduled: bool, names: list[str]) -> None:
    if not scheduled:
        raise BadInput(
            "a rotating chore needs a schedule (--every): the turn moves at each period start",
            hint="for example: --every daily --rotate Amy,Ben",
        )
    if not names:
        raise BadInput("--rotate needs the children who take turns: --rotate NAME,NAME...")


def _check_streak(scheduled: bool) -> None:
    if not scheduled:
        raise BadInput(
            "a streak bonus needs a schedule (--every): a streak is periods done in a row",
            hint="for example: --every daily --streak 7:2.00",
        )


def _rotation(uow: UnitOfWork, names: list[str]) -> list[Member]:
    """The children of ``--rotate``, in its order; each once, and children only."""
    members = []
    for name in names:
        member = members_service.resolve_child(uow, name)
        if member.id in {m.id for m in members}:
            raise BadInput(f"{member.name} is in --rotate twice", hint="name each child once, in turn order")
        members.append(member)
    return members


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
    rotate: list[str] | None = None  # the children who take turns, in order
    rotate_by: str | None = None  # turns | least-done
    streak: Streak | None = None
    no_streak: bool = False  # --streak "": no streak bonus any more


def edit(uow: UnitOfWork, ref: str, changes: Changes, *, now: datetime) -> ChoreInfo:
    today = local_date(now)
    title = clean_title(changes.title) if changes.title is not None else None
    _check_recurrence(changes.every, changes.cooldown)
    if changes.once and (changes.every or changes.cooldown):
        raise BadInput("--once drops the schedule; it cannot go with --every or --cooldown")
    if changes.rotate is not None:
        _check_rotates(True, changes.rotate)
    with uow:
        chore = resolve(uow, ref)
        rotates = changes.rotate is not None or chore.rotate_by is not None
        scheduled = changes.every is not None or (chore.schedule is not None and not (changes.once or changes.cooldown))
        if rotates and not scheduled:
            if chore.rotate_by is not None:
                raise BadInput(
                    f"{chore.title} rotates: it needs a schedule (--every)",
                    hint=f"end the rotation first: chorectl chore assign {chore.id} --to NAME[,NAME...]",
                )
            _check_rotates(False, changes.rotate)
        if changes.rotate_by is not None and not rotates:
            raise BadInput(f"{chore.title} does not rotate", hint="--rotate-by goes with --rotate NAME,NAME...")
        if changes.streak is not None and not scheduled:
            _check_streak(False)
        if chore.streak_n and not changes.no_streak and not scheduled:
            raise BadInput(f"{chore.title} has a streak bonus: it needs a schedule", hint='drop it too: --streak ""')
        if title is not None:
            _check_title_free(uow, title, other_than=chore.id)
            chore.title, chore.title_key = title, fold(title)
        if changes.reward is not None:
            chore.reward_min, chore.reward_max = changes.reward.low, changes.reward.high
        if changes.note is not None:
            chore.note = clean_note(changes.note)
        if changes.every or changes.cooldown or changes.once or changes.due is not None or changes.rotate:
            periods.settle(uow, [chore], now)  # judge the old periods before they go
        if changes.every or changes.cooldown or changes.once:
            _set_recurrence(chore, changes.every, changes.cooldown, changes.due, today)
            _restart_watermarks(uow, chore)
        elif changes.due is not None:
            every = slots.schedule_of(chore)
            _set_recurrence(chore, every, chore.cooldown_days, changes.due, today)
            _restart_watermarks(uow, chore)
        if changes.streak is not None:
            chore.streak_n, chore.streak_bonus = changes.streak
        elif changes.no_streak:
            chore.streak_n = chore.streak_bonus = None
        turns = None
        if changes.rotate is not None:
            turns = _rotation(uow, changes.rotate)
            by = changes.rotate_by or chore.rotate_by or rules.TURNS
            rotation.set_order(uow, chore, turns, by, slots.period_due(chore, today))
        elif changes.rotate_by is not None:
            chore.rotate_by = changes.rotate_by
        elif chore.rotate_by:
            turns = list(rotation.order_of(uow, [chore.id])[chore.id])
        uow.session.add(chore)
        uow.record("chore edit", _describe(chore, None, [m.name for m in turns] if turns else None), at=now)
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
        ended = set()
        today = local_date(now)
        periods.settle(uow, chores, now)  # an assignee who goes takes no unjudged period along
        wanted = {m.id for m in members}
        for chore in chores:
            if rotation.stop(uow, chore):  # assignees from now on: the turns end
                ended.add(chore.id)
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
            stopped = " (no longer rotates)" if chore.id in ended else ""
            who = ", ".join(m.name for m in members) or "anyone"
            uow.record("chore assign", f"#{chore.id} {chore.title} -> {who}{stopped}", at=now)
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
            for slot in slots.slots_of(uow, list(uow.session.exec(query)), today)
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
        found = slots.slots_of(uow, [chore], today)
        rows = [_row(s, state) for s, state in zip(found, slots.states(uow, found, today), strict=False)]
        return ChoreInfo.of(chore), rows


def turns(uow: UnitOfWork, ref: str, *, today: date) -> rotation.Turns | None:
    """A rotating chore's turn order, whose turn today's period is and whose the next is; None
    for a chore that does not rotate."""
    with uow:
        chore = resolve(uow, ref, include_archived=True)
        if not chore.rotate_by:
            return None
        slot = slots.slots_of(uow, [chore], today)[0]
        return rotation.turns(uow, chore, slot.member, slots.period_due(chore, today, slot.rolled_due))
