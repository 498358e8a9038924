"""Savings goals: what a child saves their balance toward (``chorectl goal``).

A goal is a view on the balance, never money moved: adding, reaching or
removing one writes nothing to the ledger. A child's goals share their one
balance, filled in order, oldest first (:mod:`chorectl.domain.goals`). A
removed goal is archived, not deleted: the log names it, and ``undo`` can
bring it back. An archived child's goals are not shown anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from chorectl.db.models import Goal, LedgerTotal, Member
from chorectl.domain import goals as rules
from chorectl.domain.money import format_money
from chorectl.domain.text import clean_title, fold
from chorectl.errors import BadInput, InvalidState, NotFound
from chorectl.services import household as household_service
from chorectl.services import members as members_service
from chorectl.services.actions import Data, reverses
from chorectl.services.filters import total_of
from chorectl.services.members import MAX_ID
from chorectl.services.rows import GoalRow
from chorectl.services.uow import UnitOfWork, inside_uow


@dataclass(frozen=True)
class GoalInfo:
    """A goal as a use case reports it: whose, what, and how far their balance fills it."""

    id: int
    member: str
    member_id: int
    title: str
    target: int  # cents
    saved: int  # cents of the balance it holds now
    balance: int  # the child's balance
    archived: bool

    @property
    def percent(self) -> int:
        return rules.percent(self.saved, self.target)

    @property
    def reached(self) -> bool:
        return self.saved >= self.target


def add(uow: UnitOfWork, name: str, title: str, target: int, *, now: datetime) -> GoalInfo:
    """Give child *name* a goal of *target* cents (more than zero). Refused for a parent, an
    archived child, or a title the child already has among their goals (any case)."""
    title = clean_title(title)
    if target <= 0:
        raise BadInput("a goal's target must be more than zero")
    with uow:
        member = members_service.resolve(uow, name)
        if member.role != "child":
            raise InvalidState(f"{member.name} is a parent; goals are for children")
        _check_title_free(uow, member, title)
        goal = Goal(member_id=member.id, title=title, target=target, created_at=now, archived=False)
        uow.session.add(goal)
        uow.session.flush()
        currency = household_service.currency(uow)
        uow.record(
            "goal add",
            f"#{goal.id} {member.name}: {title}, {format_money(target, currency)}",
            at=now,
            undo={"goal_id": goal.id},
        )
        info = _info(uow, goal, member)
        uow.commit()
        return info


def _check_title_free(uow: UnitOfWork, member: Member, title: str, *, other_than: int | None = None) -> None:
    key = fold(title)
    for goal in _live(uow, [member.id]):
        if fold(goal.title) == key and goal.id != other_than:
            raise InvalidState(
                f"{member.name} already has a goal called {goal.title} (goal {goal.id})",
                hint="pick another title, or remove that one first: chorectl goal remove " + str(goal.id),
            )


def remove(uow: UnitOfWork, ref: str, *, now: datetime) -> GoalInfo:
    """Remove goal *ref* (its id): archived, kept for the log and for undo; no money moves."""
    with uow:
        goal = resolve(uow, ref)
        member = uow.session.get(Member, goal.member_id)
        info = _info(uow, goal, member)  # what it held, before it goes
        goal.archived = True
        uow.session.add(goal)
        currency = household_service.currency(uow)
        uow.record(
            "goal remove",
            f"#{goal.id} {member.name}: {goal.title}, {format_money(goal.target, currency)}",
            at=now,
            undo={"goal_id": goal.id},
        )
        uow.commit()
        return info


@inside_uow
def resolve(uow: UnitOfWork, ref: str) -> Goal:
    """The live goal *ref* names: its id, as ``goal list`` shows it."""
    text = ref.strip()
    if not (text.isascii() and text.isdigit()):
        raise BadInput(f"{ref!r} is not a goal id", hint="goal ids are in the ID column of: chorectl goal list")
    goal = uow.session.get(Goal, int(text)) if int(text) <= MAX_ID else None
    if goal is None:
        raise NotFound(f"no goal with id {text}", hint="see: chorectl goal list")
    if goal.archived:
        raise InvalidState(f"goal {goal.id} ({goal.title}) was removed already", hint="see: chorectl goal list")
    return goal


def listing(uow: UnitOfWork, name: str | None = None) -> list[GoalRow]:
    """The live goals of the active children (or of child *name*), by child, each child's oldest first."""
    with uow:
        if name is not None:
            member = members_service.resolve(uow, name)
            if member.role != "child":
                raise InvalidState(f"{member.name} is a parent; goals are for children")
            children = [member]
        else:
            children = list(
                uow.session.exec(
                    select(Member).where(Member.role == "child", Member.active == True).order_by(Member.id)  # noqa: E712
                )
            )
        ids = [c.id for c in children]
        balances = _balances(uow, ids)
        goals = _live(uow, ids)
        rows = []
        for child in children:
            mine = [g for g in goals if g.member_id == child.id]
            filled = rules.fill(balances.get(child.id, 0), [(g.id, g.title, g.target) for g in mine])
            for goal, progress in zip(mine, filled, strict=True):
                rows.append(
                    GoalRow(
                        id=goal.id,
                        member=child.name,
                        title=goal.title,
                        target=goal.target,
                        saved=progress.saved,
                        progress=progress.percent,
                        reached=progress.reached,
                        created_at=goal.created_at,
                        member_id=child.id,
                    )
                )
        return rows


def shown(uow: UnitOfWork, balances: dict[int, int], *, before: datetime | None = None) -> dict[int, rules.Progress]:
    """The goal shown beside each balance (:func:`chorectl.domain.goals.current`), by member id,
    for the members of *balances* (member id -> balance in cents) who are active children with a
    goal. *before*: only the goals set before then (a report's window end). Works inside the
    caller's open unit of work."""
    ids = list(balances)
    if not ids:
        return {}
    active = set(
        uow.session.exec(
            select(Member.id).where(col(Member.id).in_(ids), Member.role == "child", Member.active == True)  # noqa: E712
        )
    )
    by_member: dict[int, list[tuple[int, str, int]]] = {}
    for goal in _live(uow, sorted(active)):
        if before is None or goal.created_at < before:
            by_member.setdefault(goal.member_id, []).append((goal.id, goal.title, goal.target))
    found = {}
    for member_id, goals in by_member.items():
        goal = rules.current(rules.fill(balances[member_id], goals))
        if goal is not None:
            found[member_id] = goal
    return found


def cells(goal: rules.Progress | None) -> dict[str, str | int | None]:
    """A row's goal columns (``goal,goal_target,goal_saved``) for the goal :func:`shown` gave, or empty ones."""
    if goal is None:
        return dict.fromkeys(("goal", "goal_target", "goal_saved"))
    return {"goal": goal.title, "goal_target": goal.target, "goal_saved": goal.saved}


def _live(uow: UnitOfWork, member_ids: Iterable[int]) -> list[Goal]:
    ids = list(member_ids)
    if not ids:
        return []
    return list(
        uow.session.exec(
            select(Goal)
            .where(col(Goal.member_id).in_(ids), Goal.archived == False)  # noqa: E712
            .order_by(Goal.member_id, Goal.id)
        )
    )


def _balances(uow: UnitOfWork, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        uow.session.exec(
            select(LedgerTotal.member_id, total_of(LedgerTotal.total))
            .where(col(LedgerTotal.member_id).in_(ids))
            .group_by(LedgerTotal.member_id)
        ).all()
    )


def _info(uow: UnitOfWork, goal: Goal, member: Member) -> GoalInfo:
    """*goal* as it stands among the child's live goals (it counts as live here, whatever its flag)."""
    balance = _balances(uow, [member.id]).get(member.id, 0)
    others = [g for g in _live(uow, [member.id]) if g.id != goal.id]
    goals = sorted([*others, goal], key=lambda g: g.id)
    filled = rules.fill(balance, [(g.id, g.title, g.target) for g in goals])
    saved = next(p.saved for p in filled if p.id == goal.id)
    return GoalInfo(goal.id, member.name, member.id, goal.title, goal.target, saved, balance, goal.archived)


# ---------------------------------------------------------------- undo


@reverses("goal add")
def _unadd(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """Undo ``goal add``: the goal is removed (archived), as ``goal remove`` would."""
    goal = uow.session.get(Goal, data["goal_id"])
    member = uow.session.get(Member, goal.member_id)
    if goal.archived:
        raise InvalidState(f"goal {goal.id} ({goal.title}) of {member.name} was removed since")
    goal.archived = True
    uow.session.add(goal)
    return f"removed {member.name}'s goal {goal.title} (goal {goal.id}) again"


@reverses("goal remove")
def _unremove(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """Undo ``goal remove``: the goal is back, in its old place among the child's goals (by id)."""
    goal = uow.session.get(Goal, data["goal_id"])
    member = uow.session.get(Member, goal.member_id)
    if not goal.archived:
        raise InvalidState(f"goal {goal.id} ({goal.title}) of {member.name} is not removed")
    _check_title_free(uow, member, goal.title, other_than=goal.id)
    goal.archived = False
    uow.session.add(goal)
    return f"{member.name}'s goal {goal.title} (goal {goal.id}) is back"
