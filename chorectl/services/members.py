"""Members of the household: parents and children."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, delete, select

from chorectl.db.models import Assignment, Chore, Completion, LedgerTotal, Member, Redemption
from chorectl.domain.dates import local_date
from chorectl.domain.text import clean_name, fold
from chorectl.errors import BadInput, InvalidState, NotFound
from chorectl.services.actions import Data, reverses
from chorectl.services.filters import total_of
from chorectl.services.rows import MemberRow
from chorectl.services.uow import UnitOfWork, inside_uow

ROLES = ("parent", "child")


@dataclass(frozen=True)
class MemberInfo:
    """A member as stored, when a use case says whom it added, renamed, paid ..."""

    id: int
    name: str
    name_key: str
    role: str  # parent | child
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, member: Member) -> MemberInfo:
        return cls(member.id, member.name, member.name_key, member.role, member.active, member.created_at)


# SQLite's largest integer: a bigger id names nothing (and would overflow the driver).
MAX_ID = 2**63 - 1


@inside_uow
def resolve(uow: UnitOfWork, ref: str, *, include_archived: bool = False) -> Member:
    """The member *ref* names: an id (digits), or a name in any case.

    Names are unique among all members, archived ones included, so a name
    names one member. An archived member is refused unless *include_archived*.
    A name is never all digits (:func:`chorectl.domain.text.clean_name`
    refuses it), so digits always mean an id.
    """
    text = ref.strip()
    if text.isascii() and text.isdigit():
        member = uow.session.get(Member, int(text)) if int(text) <= MAX_ID else None
        if member is None:
            raise NotFound(f"no member with id {text}", hint="see: chorectl member list --all")
    else:
        member = uow.session.exec(select(Member).where(Member.name_key == fold(text))).first()
        if member is None:
            raise NotFound(f"no member called {ref!r}", hint="see: chorectl member list")
    if not member.active and not include_archived:
        raise InvalidState(
            f"{member.name} is archived (member {member.id})",
            hint=f"bring them back with: chorectl member restore {shlex.quote(member.name)}",
        )
    return member


@inside_uow
def resolve_child(uow: UnitOfWork, name: str) -> Member:
    member = resolve(uow, name)
    if member.role != "child":
        raise InvalidState(f"{member.name} is a parent; chores are for children")
    return member


def add(uow: UnitOfWork, name: str, role: str, *, now: datetime) -> MemberInfo:
    name = clean_name(name)
    if role not in ROLES:
        raise BadInput(f"role must be one of {', '.join(ROLES)}")
    with uow:
        _check_free(uow, name)
        who = uow.who()  # before the change: the first parent member added is not who added her
        member = Member(name=name, name_key=fold(name), role=role, active=True, created_at=now)
        uow.session.add(member)
        uow.session.flush()  # its id, for undo
        uow.record("member add", f"{name} ({role})", at=now, actor=who, undo={"member_id": member.id})
        uow.commit()
        return MemberInfo.of(member)


def _check_free(uow: UnitOfWork, name: str, *, other_than: int | None = None) -> None:
    """Names are unique among all members, archived ones included (the database enforces it too)."""
    clash = uow.session.exec(select(Member).where(Member.name_key == fold(name))).first()
    if clash is None or clash.id == other_than:
        return
    if clash.active:
        raise InvalidState(f"there is already a member called {clash.name}")
    raise InvalidState(
        f"{clash.name} is an archived member (id {clash.id}); names stay with their member",
        hint=f"bring them back with: chorectl member restore {shlex.quote(clash.name)}"
        f" (or rename the archived one first: chorectl member rename {clash.id} NEW_NAME)",
    )


def rename(uow: UnitOfWork, name: str, new_name: str, *, now: datetime) -> tuple[str, MemberInfo]:
    new_name = clean_name(new_name)
    with uow:
        member = resolve(uow, name, include_archived=True)  # an archived one too: it frees their name
        _check_free(uow, new_name, other_than=member.id)
        old = member.name
        member.name, member.name_key = new_name, fold(new_name)
        uow.session.add(member)
        undo = {"member_id": member.id, "old": old, "new": new_name}
        uow.record("member rename", f"{old} -> {new_name}", at=now, undo=undo)
        uow.commit()
        return old, MemberInfo.of(member)


@dataclass(frozen=True)
class Removed:
    member: MemberInfo
    orphaned: list[str]  # titles of chores left with no assignee: pool chores now
    balance: int  # what they are still owed (or owe)
    pending: int  # their completions still waiting for approval


def remove(uow: UnitOfWork, name: str, *, now: datetime, force: bool = False) -> Removed:
    """Archive a member: history and ledger stay; their assignments end.

    Refused while they have a balance (owed or owing), completions or reward
    requests waiting for approval, unless *force*: archived, they drop out of
    listings, and money or work left behind would be forgotten. A reward request
    of theirs that waits is turned down with *force* (undo asks it again): it
    could otherwise still be approved, and spend an archived child's money.
    """
    from chorectl.services import household, periods, rotation, slots

    with uow:
        member = resolve(uow, name)
        balance = balance_of(uow, member.id)
        pending = pending_of(uow, member.id)
        asked = waiting_requests(uow, member.id)
        forced = ""  # what --force leaves behind, for the log
        if balance or pending or asked:
            currency = household.currency(uow)
            if not force:
                raise _unsettled(member, balance, pending, currency, len(asked))
            forced = f" (--force: {_left(balance, pending, currency, len(asked))})"
        for request in asked:
            request.status, request.reviewed_at = "rejected", now
            uow.session.add(request)
        chores = list(
            uow.session.exec(
                select(Chore)
                .join(Assignment, col(Assignment.chore_id) == col(Chore.id))
                .where(Assignment.member_id == member.id)
            )
        )
        ids = {c.id for c in chores}
        rotating = rotation.chores_of(uow, member.id)
        places = rotation.places_of(uow, member.id)  # for undo: where they stood in each turn order
        turns = [c for c in rotating if c.id not in ids]
        periods.settle(uow, chores + turns, now)  # their ended periods are judged before they go
        rotation.leave(uow, member)  # where it is their turn, the next child takes it
        uow.session.exec(delete(Assignment).where(col(Assignment.member_id) == member.id))
        orphaned = []
        today = local_date(now)
        for chore in chores + turns:
            left = uow.session.exec(
                select(func.count()).select_from(Assignment).where(Assignment.chore_id == chore.id)
            ).one()
            if not left and not chore.archived:
                orphaned.append(chore.title)
                chore.rolled_due = slots.period_due(chore, today)  # a pool chore from today on
                uow.session.add(chore)
        member.active = False
        uow.session.add(member)
        undo = {
            "member_id": member.id,
            "chores": [c.id for c in chores if c.rotate_by is None and c.id not in places],
            "rotations": list(places),
            "positions": list(places.values()),
            "requests": [r.id for r in asked],
        }
        uow.record("member remove", member.name + forced, at=now, undo=undo)
        uow.commit()
        return Removed(MemberInfo.of(member), orphaned, balance, pending)


def _unsettled(member: Member, balance: int, pending: int, currency: str, asked: int = 0) -> InvalidState:
    """Why *member* cannot be archived yet, and what to do first."""
    from chorectl.domain.money import format_cents

    who = shlex.quote(member.name)
    steps = []
    if balance > 0:
        steps.append(f"pay it out: chorectl pay {who} {format_cents(balance)}")
    elif balance < 0:
        steps.append(f"settle it: chorectl adjust {who} +{format_cents(-balance)} --reason ...")
    if pending or asked:
        steps.append("approve or reject what waits: chorectl approvals")
    steps.append(f"or archive anyway: chorectl member remove {who} --force")
    left = _left(balance, pending, currency, asked)
    return InvalidState(f"cannot archive {member.name}: {left}", hint="; ".join(steps))


def _left(balance: int, pending: int, currency: str, asked: int = 0) -> str:
    """``their balance is $3.50 and 2 of their completions wait for approval``"""
    from chorectl.domain.money import format_money

    parts = []
    if balance:
        parts.append(f"their balance is {format_money(balance, currency)}")
    if pending:
        parts.append(f"{pending} of their completions {'waits' if pending == 1 else 'wait'} for approval")
    if asked:
        parts.append(f"{asked} of their reward requests {'waits' if asked == 1 else 'wait'} for approval")
    return " and ".join(parts)


@dataclass(frozen=True)
class Restored:
    member: MemberInfo
    balance: int  # what they are owed (or owe), as they left it
    pending: int  # their completions waiting for approval


def restore(uow: UnitOfWork, name: str, *, now: datetime) -> Restored:
    """Bring an archived member back, with their history and balance.

    Their old assignments are not given back: archiving ended them, and their
    chores may have found other hands since.
    """
    with uow:
        member = resolve(uow, name, include_archived=True)
        if member.active:
            raise InvalidState(f"{member.name} is not archived", hint="archived members: chorectl member list --all")
        member.active = True
        uow.session.add(member)
        pending = pending_of(uow, member.id)
        balance = balance_of(uow, member.id)
        uow.record("member restore", f"{member.name} ({member.role})", at=now, undo={"member_id": member.id})
        uow.commit()
        return Restored(MemberInfo.of(member), balance, pending)


# ---------------------------------------------------------------- undo


def _live_chores_of(uow: UnitOfWork, member_id: int) -> list[str]:
    """The titles of the live chores *member_id* is assigned to, or takes turns at."""
    from chorectl.db.models import Rotation

    titles = set()
    for link in (Assignment, Rotation):
        titles.update(
            uow.session.exec(
                select(Chore.title)
                .join(link, col(link.chore_id) == col(Chore.id))
                .where(link.member_id == member_id, Chore.archived == False)  # noqa: E712
            )
        )
    return sorted(titles)


@reverses("member add")
def _unadd(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """A member added by mistake: archived again, while nothing has happened to them since (their
    name stays theirs, as every archived member's does: rename them to free it)."""
    from chorectl.db.models import Goal, LedgerEntry, Redemption

    member = uow.session.get(Member, data["member_id"])
    if not member.active:
        raise InvalidState(f"{member.name} is archived already")
    since = [
        what
        for what, table in (
            ("completions", Completion),
            ("ledger entries", LedgerEntry),
            ("savings goals", Goal),
            ("reward requests", Redemption),
        )
        if uow.session.exec(select(table.id).where(table.member_id == member.id).limit(1)).first() is not None
    ]
    chores = _live_chores_of(uow, member.id)
    if chores:
        since.append(f"chores ({', '.join(chores)})")
    if since:
        raise InvalidState(
            f"{member.name} has {' and '.join(since)} since they were added",
            hint=f"archive them instead: chorectl member remove {shlex.quote(member.name)}",
        )
    member.active = False
    uow.session.add(member)
    return f"{member.name} is archived (their name stays theirs; rename them to free it)"


@reverses("member rename")
def _unrename(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """A rename undone: the old name back, unless another member has it now."""
    member = uow.session.get(Member, data["member_id"])
    if member.name != data["new"]:
        raise InvalidState(f"{data['new']} is called {member.name} now: renamed again since")
    try:
        _check_free(uow, data["old"], other_than=member.id)
    except InvalidState as taken:
        raise InvalidState(
            f"cannot rename {member.name} back to {data['old']}: {taken.message}", hint=taken.hint
        ) from None
    member.name, member.name_key = data["old"], fold(data["old"])
    uow.session.add(member)
    return f"{data['new']} is called {member.name} again"


@reverses("member remove")
def _unremove(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """A member archived by mistake: back, with the chores they had then that are still live (from
    today's period on, as a new assignee starts; the periods judged at the removal stay judged)."""
    from chorectl.services import periods, rotation, slots

    member = uow.session.get(Member, data["member_id"])
    if member.active:
        raise InvalidState(f"{member.name} is not archived now: restored since")
    member.active = True
    uow.session.add(member)
    chores = [
        chore
        for chore in (uow.session.get(Chore, chore_id) for chore_id in data["chores"])
        if chore is not None and not chore.archived
    ]
    periods.settle(uow, chores, now)  # a pool chore's ended periods are judged before Amy joins it again
    today = local_date(now)
    for request_id in data.get("requests", []):  # the requests --force turned down wait again
        request = uow.session.get(Redemption, request_id)
        if request is not None and request.status == "rejected":
            request.status, request.reviewed_at = "pending", None
            uow.session.add(request)
    places = dict(zip(data.get("rotations", []), data.get("positions", []), strict=True))
    back = rotation.rejoin(uow, member, places, now)
    for chore in chores:
        if uow.session.get(Assignment, (chore.id, member.id)) is None:
            uow.session.add(
                Assignment(chore_id=chore.id, member_id=member.id, rolled_due=slots.period_due(chore, today))
            )
        back.append(chore.title)
    text = f"{member.name} is back"
    return text + (f", with {', '.join(back)}" if back else "")


@reverses("member restore")
def _unrestore(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """A restore undone: archived again, while they have no chores again since."""
    member = uow.session.get(Member, data["member_id"])
    if not member.active:
        raise InvalidState(f"{member.name} is archived already")
    chores = _live_chores_of(uow, member.id)
    if chores:
        raise InvalidState(
            f"{member.name} has chores again since they were restored ({', '.join(chores)})",
            hint=f"archive them instead: chorectl member remove {shlex.quote(member.name)}",
        )
    if pending_of(uow, member.id) or waiting_requests(uow, member.id):
        raise InvalidState(
            f"{member.name} has work or reward requests waiting for approval since they were restored",
            hint="approve or reject what waits first: chorectl approvals",
        )
    member.active = False
    uow.session.add(member)
    return f"{member.name} is archived again"


def pending_of(uow: UnitOfWork, member_id: int) -> int:
    """How many of the member's completions wait for approval (ix_completion_member)."""
    return uow.session.exec(
        select(func.count())
        .select_from(Completion)
        .where(Completion.member_id == member_id, Completion.status == "pending")
    ).one()


@inside_uow
def waiting_requests(uow: UnitOfWork, member_id: int) -> list[Redemption]:
    """The member's reward requests waiting for approval (ix_redemption_member)."""
    query = select(Redemption).where(Redemption.member_id == member_id, Redemption.status == "pending")
    return list(uow.session.exec(query))


def balance_of(uow: UnitOfWork, member_id: int) -> int:
    return uow.session.exec(select(total_of(LedgerTotal.total)).where(LedgerTotal.member_id == member_id)).one()


def listing(uow: UnitOfWork, *, include_archived: bool = False) -> list[MemberRow]:
    with uow:
        totals = dict(
            uow.session.exec(
                select(LedgerTotal.member_id, total_of(LedgerTotal.total)).group_by(LedgerTotal.member_id)
            ).all()
        )
        query = select(Member).order_by(Member.id)
        if not include_archived:
            query = query.where(Member.active == True)  # noqa: E712
        return [
            MemberRow(m.id, m.name, m.role, m.active, totals.get(m.id, 0), m.created_at)
            for m in uow.session.exec(query)
        ]
