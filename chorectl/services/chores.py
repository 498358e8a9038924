"""Chores: what there is to do, for whom, for how much."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from chorectl.db.models import Assignment, Chore, Member
from chorectl.domain import rotation as rules
from chorectl.domain.dates import local_date
from chorectl.domain.money import Reward, format_cents
from chorectl.domain.schedule import Schedule, first_due
from chorectl.domain.text import clean_note, clean_title, fold
from chorectl.errors import BadInput, InvalidState, NotFound
from chorectl.services import members as members_service
from chorectl.services import periods, rotation, slots
from chorectl.services.actions import Data, reverses
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
        uow.session.flush()
        undo = {"chore_id": chore.id, "after": _snapshot(uow, chore)}
        described = _describe(chore, [m.name for m in members], [m.name for m in turns])
        uow.record("chore add", described, at=now, undo=undo)
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
        before = _snapshot(uow, chore)
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
        uow.session.flush()
        undo = {
            "chore_id": chore.id,
            "before": before,
            "after": _snapshot(uow, chore),
            "last": _last_completion(uow, chore),
        }
        described = _describe(chore, None, [m.name for m in turns] if turns else None)
        uow.record("chore edit", described, at=now, undo=undo)
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
        befores = {chore.id: _snapshot(uow, chore) for chore in chores}
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
            uow.session.flush()
            undo = {"chore_id": chore.id, "before": befores[chore.id], "after": _snapshot(uow, chore)}
            stopped = " (no longer rotates)" if chore.id in ended else ""
            who = ", ".join(m.name for m in members) or "anyone"
            uow.record("chore assign", f"#{chore.id} {chore.title} -> {who}{stopped}", at=now, undo=undo)
        uow.commit()
        return result


def remove(uow: UnitOfWork, ref: str, *, now: datetime) -> ChoreInfo:
    with uow:
        chore = resolve(uow, ref)
        periods.settle(uow, [chore], now)
        chore.archived = True
        uow.session.add(chore)
        uow.record("chore remove", f"#{chore.id} {chore.title}", at=now, undo={"chore_id": chore.id})
        uow.commit()
        return ChoreInfo.of(chore)


# ---------------------------------------------------------------- undo

# What a chore's snapshot leaves out: its id and creation (never change), and the watermark
# that reset moves on (undo sets it afresh, see _put_back).
UNSNAPPED = ("id", "created_at", "rolled_due")
# The columns that make a chore's periods: a change to them starts the periods afresh.
SCHEDULE = ("schedule", "cooldown_days", "due")
Snapshot = dict[str, dict[str, int | str | bool | None] | list[int]]


def _snapshot(uow: UnitOfWork, chore: Chore) -> Snapshot:
    """Everything about *chore* that its parent commands change, as JSON's values: every column
    (schema 7's rotation and streak too), its assignees and its turn order (inside a unit of work)."""
    from chorectl.db.models import Rotation

    fields = {}
    for column in Chore.__table__.columns:
        if column.name not in UNSNAPPED:
            value = getattr(chore, column.name)
            fields[column.name] = value.isoformat() if isinstance(value, date) else value
    assignees = uow.session.exec(select(Assignment.member_id).where(Assignment.chore_id == chore.id))
    turns = uow.session.exec(
        select(Rotation.member_id).where(Rotation.chore_id == chore.id).order_by(Rotation.position)
    )
    return {"fields": fields, "assignees": sorted(assignees), "rotation": list(turns)}


def _same(now: Snapshot, then: Snapshot) -> bool:
    """The chore is as *then* left it (its turn order by who is in it: the turn moves on by itself)."""
    return (now["fields"], now["assignees"], sorted(now["rotation"])) == (
        then["fields"],
        then["assignees"],
        sorted(then["rotation"]),
    )


def _last_completion(uow: UnitOfWork, chore: Chore) -> int:
    """The id of the chore's newest completion (0: none yet): what came later came 'since'."""
    from sqlmodel import func

    from chorectl.db.models import Completion

    return uow.session.exec(select(func.max(Completion.id)).where(Completion.chore_id == chore.id)).one() or 0


def _unchanged_since(uow: UnitOfWork, chore: Chore, after: Snapshot, what: str) -> None:
    if not _same(_snapshot(uow, chore), after):
        raise InvalidState(
            f"{chore.title!r} (#{chore.id}) was changed again since it was {what}",
            hint="undo the newer change first: chorectl undo --list",
        )


def _put_back(uow: UnitOfWork, chore: Chore, before: Snapshot, now: datetime) -> None:
    """*chore* as *before* says: its columns, assignees and turn order (archived members left out).

    Its ended periods are judged first (periods.settle), as for any change of assignees or
    schedule; a new schedule starts afresh from today's period, as ``chore edit`` starts one, and
    an assignee who comes back starts at today's period, as ``chore assign`` starts one.
    """
    from chorectl.db.models import Rotation

    today = local_date(now)
    periods.settle(uow, [chore], now)
    old_schedule = tuple(getattr(chore, name) for name in SCHEDULE)
    for name, value in before["fields"].items():
        column = Chore.__table__.columns[name]
        if value is not None and column.type.python_type in (date, datetime):
            value = column.type.python_type.fromisoformat(value)
        setattr(chore, name, value)
    afresh = tuple(getattr(chore, name) for name in SCHEDULE) != old_schedule
    if afresh:
        chore.rolled_due = slots.period_due(chore, today)
    uow.session.add(chore)
    active = set(uow.session.exec(select(Member.id).where(Member.active == True)))  # noqa: E712
    wanted = {m for m in before["assignees"] if m in active}
    for old in uow.session.exec(select(Assignment).where(Assignment.chore_id == chore.id)):
        if old.member_id not in wanted:
            uow.session.delete(old)
            continue
        wanted.discard(old.member_id)  # kept: its watermark too, unless the periods start afresh
        if afresh:
            old.rolled_due = chore.rolled_due
            uow.session.add(old)
    for member_id in sorted(wanted):
        uow.session.add(Assignment(chore_id=chore.id, member_id=member_id, rolled_due=slots.period_due(chore, today)))
    if not before["assignees"] and not afresh:
        chore.rolled_due = slots.period_due(chore, today, chore.rolled_due)  # a pool chore again from today
    for turn in uow.session.exec(select(Rotation).where(Rotation.chore_id == chore.id)):
        uow.session.delete(turn)
    uow.session.flush()
    for position, member_id in enumerate(m for m in before["rotation"] if m in active):
        uow.session.add(Rotation(chore_id=chore.id, member_id=member_id, position=position))


@reverses("chore add")
def _unadd(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """A chore added by mistake: archived (its title is free again), while nobody has done it."""
    chore = uow.session.get(Chore, data["chore_id"])
    if chore.archived:
        raise InvalidState(f"{chore.title!r} (#{chore.id}) is archived already")
    _unchanged_since(uow, chore, data["after"], "added")
    if _last_completion(uow, chore):
        raise InvalidState(
            f"{chore.title!r} (#{chore.id}) has completions since it was added",
            hint=f"archive it instead: chorectl chore remove {chore.id}",
        )
    chore.archived = True
    uow.session.add(chore)
    return f"{chore.title!r} (#{chore.id}) is archived"


@reverses("chore edit", "chore assign")
def _unchange(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """An edit or an assignment undone: the chore as it was, while it is as the change left it (and,
    for a new schedule, while nobody has done it under that schedule)."""
    chore = uow.session.get(Chore, data["chore_id"])
    if chore.archived:
        raise InvalidState(f"{chore.title!r} (#{chore.id}) is archived now")
    before, after = data["before"], data["after"]
    _unchanged_since(uow, chore, after, "changed")
    schedule_changed = any(before["fields"][name] != after["fields"][name] for name in SCHEDULE)
    if schedule_changed and _last_completion(uow, chore) > data.get("last", 0):
        raise InvalidState(
            f"{chore.title!r} (#{chore.id}) has completions under its new schedule",
            hint="change the schedule back with: chorectl chore edit",
        )
    title = before["fields"]["title"]
    if fold(title) != chore.title_key:
        try:
            _check_title_free(uow, title, other_than=chore.id)
        except InvalidState as taken:
            raise InvalidState(
                f"cannot call {chore.title!r} {title!r} again: {taken.message}", hint=taken.hint
            ) from None
    _put_back(uow, chore, before, now)
    names = uow.session.exec(
        select(Member.name).where(col(Member.id).in_(before["assignees"])).order_by(Member.name_key)
    )
    return f"{chore.title!r} (#{chore.id}) is as it was: " + _describe(chore, list(names)).partition(": ")[2]


@reverses("chore remove")
def _unremove(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """A chore archived by mistake: live again, with its assignees, its periods from today's on
    (the days it was archived are not missed), while no live chore has taken its title."""
    chore = uow.session.get(Chore, data["chore_id"])
    if not chore.archived:
        raise InvalidState(f"{chore.title!r} (#{chore.id}) is not archived now")
    try:
        _check_title_free(uow, chore.title, other_than=chore.id)
    except InvalidState as taken:
        raise InvalidState(
            f"cannot bring {chore.title!r} (#{chore.id}) back: {taken.message}", hint=taken.hint
        ) from None
    chore.archived = False
    chore.rolled_due = slots.period_due(chore, local_date(now))
    uow.session.add(chore)
    _restart_watermarks(uow, chore)
    return f"{chore.title!r} (#{chore.id}) is back"


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
