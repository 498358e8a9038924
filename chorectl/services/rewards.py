"""The rewards catalog and what children ask for from it.

A parent adds rewards (``reward add "30 min screen time" 1.50``); a child asks for one
(``redeem Amy "30 min screen time"``, no PIN), which waits for approval like a chore
done; a parent approves it, which writes a ``redeem`` debit (the cost, negative) on the
child's ledger, or rejects it. The rules, checked under the write lock:

- Only children redeem, and only rewards still in the catalog.
- Asking: the cost must fit in the child's balance less what their other requests
  still waiting would spend (a child cannot ask twice for the same money).
- Approving: the cost must fit in the balance as it is then, unless the parent
  says ``--allow-debt`` (for that approval only): the balance may then go below zero.
- A request keeps the cost it was asked at, whatever the catalog says later.

Approving, rejecting, adding and removing are parent actions that ``chorectl undo``
can reverse (the reversers are at the end of this module).
"""

from __future__ import annotations

import shlex
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, insert
from sqlmodel import col, select

from chorectl.db.models import LedgerEntry, Member, Redemption, Reward
from chorectl.domain.money import check_reward, format_cents, format_money
from chorectl.domain.refs import MAX_ID, request_ref
from chorectl.domain.text import clean_note, clean_title, fold
from chorectl.errors import BadInput, InvalidState, NotFound
from chorectl.services import household as household_service
from chorectl.services import members as members_service
from chorectl.services.actions import Data, reverses
from chorectl.services.filters import total_of
from chorectl.services.rows import ApprovalRow, RedemptionRow, RewardRow
from chorectl.services.uow import UnitOfWork, inside_uow

# ---------------------------------------------------------------- the catalog


def reward_row(reward: Reward) -> RewardRow:
    return RewardRow(reward.id, reward.title, reward.cost, reward.created_at, reward.archived)


@inside_uow
def resolve(uow: UnitOfWork, ref: str, *, include_archived: bool = False) -> Reward:
    """A reward by id, or by title (any case, exact) among the live ones."""
    text = ref.strip()
    if text.isascii() and text.isdigit():
        reward = uow.session.get(Reward, int(text)) if int(text) <= MAX_ID else None
        if reward is None:
            raise NotFound(f"no reward with id {text}", hint="see: chorectl reward list")
        if reward.archived and not include_archived:
            raise InvalidState(f"reward {reward.id} ({reward.title}) was removed from the catalog")
        return reward
    reward = uow.session.exec(
        select(Reward).where(Reward.title_key == fold(text), Reward.archived == False)  # noqa: E712
    ).first()
    if reward is None:
        raise NotFound(f"no reward called {ref!r}", hint="see: chorectl reward list")
    return reward


def _check_title_free(uow: UnitOfWork, title: str, *, other_than: int | None = None) -> None:
    """Live rewards' titles are unique in any case (the index ux_reward_live_title says so too)."""
    clash = uow.session.exec(
        select(Reward).where(Reward.title_key == fold(title), Reward.archived == False)  # noqa: E712
    ).first()
    if clash is not None and clash.id != other_than:
        raise InvalidState(
            f"there is already a reward called {clash.title} (id {clash.id})",
            hint=f"use another title, or remove the old one first: chorectl reward remove {clash.id}",
        )


def add(uow: UnitOfWork, title: str, cost: int, *, now: datetime) -> RewardRow:
    """Add a reward to the catalog at *cost* cents (more than 0, at most 1000.00)."""
    title = clean_title(title)
    if cost <= 0:
        raise BadInput("a reward must cost more than zero")
    check_reward(cost)
    with uow:
        _check_title_free(uow, title)
        reward = Reward(title=title, title_key=fold(title), cost=cost, created_at=now)
        uow.session.add(reward)
        uow.session.flush()
        uow.record("reward add", f"#{reward.id} {title} ({format_cents(cost)})", at=now, undo={"reward": reward.id})
        uow.commit()
        return reward_row(reward)


def listing(uow: UnitOfWork, *, include_archived: bool = False) -> list[RewardRow]:
    """The catalog, by id; removed rewards only with *include_archived*."""
    with uow:
        query = select(Reward).order_by(Reward.id)
        if not include_archived:
            query = query.where(Reward.archived == False)  # noqa: E712
        return [reward_row(r) for r in uow.session.exec(query)]


class RemovedReward(NamedTuple):
    """A reward taken out of the catalog, and how many requests for it still wait (they still may be decided)."""

    reward: RewardRow
    waiting: int


def remove(uow: UnitOfWork, ref: str, *, now: datetime) -> RemovedReward:
    """Take a reward out of the catalog: archived, its requests and debits stay."""
    with uow:
        reward = resolve(uow, ref)
        reward.archived = True
        uow.session.add(reward)
        waiting = uow.session.exec(
            select(func.count())
            .select_from(Redemption)
            .where(Redemption.status == "pending", Redemption.reward_id == reward.id)
        ).one()
        uow.record("reward remove", f"#{reward.id} {reward.title}", at=now, undo={"reward": reward.id})
        uow.commit()
        return RemovedReward(reward_row(reward), waiting)


# ---------------------------------------------------------------- requests


def redemption_row(request: Redemption, reward: Reward, member: Member) -> RedemptionRow:
    return RedemptionRow(
        id=request.id,
        ref=request_ref(request.id),
        reward_id=reward.id,
        reward=reward.title,
        member=member.name,
        status=request.status,
        cost=request.cost,
        requested_at=request.requested_at,
        reviewed_at=request.reviewed_at,
        note=request.note,
        member_id=member.id,
    )


def approval_row(request: RedemptionRow) -> ApprovalRow:
    """A request as ``approvals`` lists it, beside the completions."""
    return ApprovalRow(
        id=request.ref,
        chore_id=None,
        chore=request.reward,
        member=request.member,
        status=request.status,
        completed_at=request.requested_at,
        reviewed_at=request.reviewed_at,
        reward=request.cost,
        note=request.note,
        due=None,
        reward_min=None,
        reward_max=None,
        member_id=request.member_id,
    )


def _waiting_costs(uow: UnitOfWork, member_id: int) -> int:
    """What the member's requests still waiting would spend (ix_redemption_member)."""
    return uow.session.exec(
        select(total_of(Redemption.cost)).where(Redemption.member_id == member_id, Redemption.status == "pending")
    ).one()


def _short(uow: UnitOfWork, member: Member, balance: int, waiting: int, reward: Reward, cost: int) -> str:
    """``Amy's balance is $1.00; 30 min screen time costs $1.50``"""
    symbol = household_service.currency(uow)
    text = f"{member.name}'s balance is {format_money(balance, symbol)}"
    if waiting:
        text += f", with {format_money(waiting, symbol)} of it asked for already"
    return f"{text}; {reward.title} costs {format_money(cost, symbol)}"


@inside_uow
def ask(
    uow: UnitOfWork,
    name: str,
    ref: str,
    *,
    note: str | None,
    now: datetime,
    actor: str | None,
    allow_debt: bool = False,
) -> Redemption:
    """A child's request for a reward, pending (inside the caller's unit of work).

    Refused when the cost is more than the child's balance less what their other
    requests waiting would spend (unless *allow_debt*: a parent's ``redeem --approve
    --allow-debt``). Written as the child's database role may write it
    (on PostgreSQL only these columns: never an id or a debit).
    """
    member = members_service.resolve(uow, name)
    if member.role != "child":
        raise InvalidState(f"{member.name} is a parent; only children redeem rewards")
    reward = resolve(uow, ref)
    balance = members_service.balance_of(uow, member.id)
    waiting = _waiting_costs(uow, member.id)
    if reward.cost > balance - waiting and not allow_debt:
        raise InvalidState(
            _short(uow, member, balance, waiting, reward, reward.cost),
            hint="do a chore or two first: chorectl today" if not waiting else "see: chorectl approvals",
        )
    new_id = uow.session.execute(
        insert(Redemption)
        .values(
            reward_id=reward.id,
            member_id=member.id,
            status="pending",
            cost=reward.cost,
            requested_at=now,
            note=note,
        )
        .returning(Redemption.id)
    ).scalar_one()
    request = uow.session.get(Redemption, new_id)
    uow.record("redeem", f"{request_ref(new_id)}: {member.name}, {reward.title}", at=now, actor=actor)
    return request


class Asked(NamedTuple):
    """A request made (waiting), or made and approved at once (``redeem --approve``): *approved* then
    says how it was paid; *balance* is the child's balance after it."""

    request: RedemptionRow
    approved: Granted | None
    balance: int


def redeem(
    uow: UnitOfWork,
    name: str,
    ref: str,
    *,
    now: datetime,
    note: str | None = None,
    approve: bool = False,
    allow_debt: bool = False,
    child: bool = True,
) -> Asked:
    """*name* asks for the reward *ref*: a pending request (``redeem``); with *approve* (a
    parent, ``redeem --approve``), asked and approved in one step. *child*: the child
    asks, and the log names them; otherwise a parent asked for them."""
    note = clean_note(note)
    if allow_debt and not approve:
        raise BadInput("--allow-debt is for approving: add --approve (a parent command)")
    with uow:
        member = members_service.resolve(uow, name)
        actor = member.name if child else None
        request = ask(uow, name, ref, note=note, now=now, actor=actor, allow_debt=allow_debt)
        granted = None
        if approve:
            granted = _approve(uow, request, allow_debt=allow_debt, now=now)
        balance = members_service.balance_of(uow, member.id)
        row = redemption_row(request, uow.session.get(Reward, request.reward_id), member)
        uow.commit()
        return Asked(row, granted, balance)


def waiting_rows(uow: UnitOfWork) -> list[ApprovalRow]:
    """The requests waiting for approval, oldest first (ix_redemption_pending), as ``approvals`` rows
    (inside the caller's open unit of work)."""
    query = (
        select(Redemption, Reward, Member)
        .join(Reward, col(Reward.id) == col(Redemption.reward_id))
        .join(Member, col(Member.id) == col(Redemption.member_id))
        .where(Redemption.status == "pending")
        .order_by(Redemption.id)
    )
    return [approval_row(redemption_row(r, reward, m)) for r, reward, m in uow.session.exec(query)]


@inside_uow
def select_requests(uow: UnitOfWork, ids: list[int]) -> list[Redemption]:
    """The pending requests *ids* names, each once, in the order given."""
    found = []
    for rid in dict.fromkeys(ids):
        request = uow.session.get(Redemption, rid) if 0 < rid <= MAX_ID else None
        if request is None:
            raise NotFound(f"no reward request {request_ref(rid)}", hint="see: chorectl approvals")
        if request.status != "pending":
            raise InvalidState(f"reward request {request_ref(rid)} is {request.status}, not pending")
        found.append(request)
    return found


class Granted(NamedTuple):
    """A request approved: its row (status approved), the debit's id, and the balance after it."""

    request: RedemptionRow
    ledger_id: int
    balance: int

    @property
    def in_debt(self) -> bool:
        return self.balance < 0


def approve_requests(uow: UnitOfWork, ids: list[int], *, allow_debt: bool, now: datetime) -> list[Granted]:
    """Approve the pending requests *ids* (inside the caller's unit of work): each a ``redeem`` debit."""
    return [_approve(uow, request, allow_debt=allow_debt, now=now) for request in select_requests(uow, ids)]


def _approve(uow: UnitOfWork, request: Redemption, *, allow_debt: bool, now: datetime) -> Granted:
    uow.session.flush()  # what was approved before it in this unit of work is in the running totals
    member = uow.session.get(Member, request.member_id)
    reward = uow.session.get(Reward, request.reward_id)
    balance = members_service.balance_of(uow, member.id)
    ref = request_ref(request.id)
    # Never written by redeem (nor, on PostgreSQL, by a child's login): approving such a request
    # would move money to the child, or spend a parent's. Whatever wrote it, it is refused.
    if request.cost <= 0:
        raise InvalidState(
            f"reward request {ref} ({member.name}, {reward.title}) costs {format_cents(request.cost)}:"
            " a request costs more than zero",
            hint=f"reject it: chorectl reject {ref}",
        )
    if member.role != "child":
        raise InvalidState(
            f"reward request {ref} is for {member.name}, a parent; only children redeem rewards",
            hint=f"reject it: chorectl reject {ref}",
        )
    if request.cost > balance and not allow_debt:
        raise InvalidState(
            _short(uow, member, balance, 0, reward, request.cost),
            hint=f"reject it (chorectl reject {ref}), or let the balance go below zero:"
            f" chorectl approve {ref} --allow-debt",
        )
    entry = LedgerEntry(at=now, member_id=member.id, kind="redeem", amount=-request.cost, note=reward.title)
    uow.session.add(entry)
    uow.session.flush()
    request.status, request.reviewed_at, request.ledger_id = "approved", now, entry.id
    uow.session.add(request)
    after = balance - request.cost
    debt = f" (--allow-debt: balance {format_cents(after)})" if after < 0 else ""
    uow.record(
        "reward approve",
        f"{ref}: {member.name}, {reward.title}{debt}",
        at=now,
        amount=-request.cost,
        undo={"request": request.id, "ledger": entry.id},
    )
    return Granted(redemption_row(request, reward, member), entry.id, after)


def reject_requests(uow: UnitOfWork, ids: list[int], *, reason: str | None, now: datetime) -> list[RedemptionRow]:
    """Reject the pending requests *ids* (inside the caller's unit of work); no money moves."""
    reason = clean_note(reason)
    rows = []
    for request in select_requests(uow, ids):
        before = request.note
        request.status, request.reviewed_at = "rejected", now
        if reason:  # keep the child's note too
            request.note = f"{before}; {reason}" if before else reason
        uow.session.add(request)
        member = uow.session.get(Member, request.member_id)
        reward = uow.session.get(Reward, request.reward_id)
        what = f"{request_ref(request.id)}: {member.name}, {reward.title}"
        uow.record(
            "reward reject",
            f"{member.name}: {reason} ({what})" if reason else what,
            at=now,
            undo={"request": request.id, "note": before},
        )
        rows.append(redemption_row(request, reward, member))
    return rows


# ---------------------------------------------------------------- undo


@reverses("reward approve")
def _unapprove(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """The debit back by a ``reversal`` entry; the request waits for approval again."""
    request = uow.session.get(Redemption, data["request"])
    if request is None or request.status != "approved" or request.ledger_id != data["ledger"]:
        raise InvalidState("that reward request is no longer the approval it was")
    from chorectl.services import ledger

    member = uow.session.get(Member, request.member_id)
    reward = uow.session.get(Reward, request.reward_id)
    # The reversal names the debit (undo of redeem #N), so balance shows it under redeemed.
    ledger.reverse(uow, uow.session.get(LedgerEntry, request.ledger_id), now)
    request.status, request.reviewed_at, request.ledger_id = "pending", None, None
    uow.session.add(request)
    symbol = household_service.currency(uow)
    return (
        f"{request_ref(request.id)} waits for approval again ({member.name}, {reward.title});"
        f" {format_money(request.cost, symbol)} back to {member.name}"
    )


@reverses("reward reject")
def _unreject(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """The request waits for approval again, with the note it had."""
    request = uow.session.get(Redemption, data["request"])
    if request is None or request.status != "rejected":
        raise InvalidState("that reward request is no longer rejected")
    request.status, request.reviewed_at, request.note = "pending", None, data.get("note")
    uow.session.add(request)
    member = uow.session.get(Member, request.member_id)
    reward = uow.session.get(Reward, request.reward_id)
    return f"{request_ref(request.id)} waits for approval again ({member.name}, {reward.title})"


@reverses("reward add")
def _unadd(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """The reward leaves the catalog again (archived: a request made for it meanwhile keeps its history)."""
    reward = uow.session.get(Reward, data["reward"])
    if reward is None or reward.archived:
        raise InvalidState("that reward was removed from the catalog since")
    waiting = uow.session.exec(
        select(func.count())
        .select_from(Redemption)
        .where(Redemption.status == "pending", Redemption.reward_id == reward.id)
    ).one()
    if waiting:
        raise InvalidState(
            f"a child asked for {reward.title} since; decide that request first (chorectl approvals)",
        )
    reward.archived = True
    uow.session.add(reward)
    return f"{reward.title} is out of the rewards catalog again"


@reverses("reward remove")
def _unremove(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """The reward is back in the catalog, unless its title was taken by another one since."""
    reward = uow.session.get(Reward, data["reward"])
    if reward is None or not reward.archived:
        raise InvalidState("that reward is in the catalog already")
    try:
        _check_title_free(uow, reward.title)
    except InvalidState:
        raise InvalidState(
            f"another reward is called {reward.title} now",
            hint=f"rename or remove it first: chorectl reward remove {shlex.quote(reward.title)}",
        ) from None
    reward.archived = False
    uow.session.add(reward)
    return f"{reward.title} is back in the rewards catalog"
