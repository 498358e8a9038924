"""Marking chores done, and the parent's review: approve (pays) or reject (reopens)."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Select
from sqlmodel import col, select

from chorectl.db.models import Assignment, Chore, Completion, LedgerEntry, Member
from chorectl.domain.dates import local_date
from chorectl.domain.money import format_cents, format_money
from chorectl.domain.text import clean_note
from chorectl.errors import BadInput, InvalidState, NotFound
from chorectl.services import bonuses, periods, slots
from chorectl.services import chores as chores_service
from chorectl.services import members as members_service
from chorectl.services.actions import Data, reverses
from chorectl.services.chores import MAX_ID, ChoreInfo
from chorectl.services.members import MemberInfo
from chorectl.services.periods import record_missed_after_reject
from chorectl.services.rows import CompletionRow
from chorectl.services.uow import UnitOfWork


class Done(NamedTuple):
    """A chore marked done: the completion waiting for approval, the chore, and who did it."""

    completion: CompletionRow
    chore: ChoreInfo
    member: MemberInfo


def done(uow: UnitOfWork, ref: str, *, member: str | None, now: datetime, note: str | None = None) -> Done:
    note = clean_note(note)
    today = local_date(now)
    with uow:
        chore = chores_service.resolve(uow, ref)
        turn = slots.slots_of(uow, [chore], today)[0] if chore.rotate_by else None
        assigned = [turn.member] if turn and turn.member else slots.assignees(uow, chore.id)
        if member is not None:
            who = members_service.resolve(uow, member)
        elif len(assigned) == 1:
            who = assigned[0]
        else:
            raise BadInput(
                f"say who did {chore.title!r}",
                hint="add --as NAME, or set CHORECTL_MEMBER",
            )
        if who.role != "child":
            raise InvalidState(f"{who.name} is a parent; chores are done by children")
        if turn and turn.member and who.id != turn.member.id:
            until = slots.period_due(chore, today, turn.rolled_due).isoformat()
            raise InvalidState(
                f"{chore.title!r} is {turn.member.name}'s turn until {until}, not {who.name}'s",
                hint=f"the turns: chorectl chore show {chore.id}",
            )
        if assigned and who.id not in {m.id for m in assigned}:
            names = ", ".join(m.name for m in assigned)
            raise InvalidState(f"{chore.title!r} is assigned to {names}, not {who.name}")
        slot = turn or slots.slot(uow, chore, who if assigned else None)  # with its watermark: a clock
        state = slots.state(uow, slot, today)  # that went back does not reopen a judged period
        if state.completion is not None:
            raise InvalidState(_already(chore, who, state))
        completion = Completion(
            chore_id=chore.id,
            member_id=who.id,
            status="pending",
            period_due=state.period_due,
            completed_at=now,
            note=note,
        )
        uow.session.add(completion)
        uow.record("done", f"#{chore.id} {chore.title}", at=now, actor=who.name)
        uow.commit()
        return Done(completion_row(completion, chore, who), ChoreInfo.of(chore), MemberInfo.of(who))


def _already(chore: Chore, who: Member, state: slots.SlotState) -> str:
    by = state.completion.member_id
    if by != who.id:
        text = f"{chore.title!r} was already done by someone else"
    elif state.status == "pending":
        text = f"{who.name} already marked {chore.title!r} done; it waits for approval"
    else:
        text = f"{who.name} already did {chore.title!r} and it was approved"
    back = slots.comes_back(chore, state)
    if back is not None:
        text += f"; it comes back on {back.isoformat()}"
    return text


def _rows(uow: UnitOfWork, query) -> list[CompletionRow]:
    return [completion_row(completion, chore, member) for completion, chore, member in uow.session.exec(query)]


def completion_row(completion: Completion, chore: Chore, member: Member | None) -> CompletionRow:
    return CompletionRow(
        id=completion.id,
        chore_id=chore.id,
        chore=chore.title,
        member=member.name if member else None,
        status=completion.status,
        completed_at=completion.completed_at,
        reviewed_at=completion.reviewed_at,
        reward=completion.reward,
        note=completion.note,
        due=completion.period_due,
        reward_min=chore.reward_min,
        reward_max=chore.reward_max,
        member_id=completion.member_id,
    )


def joined() -> Select:
    """Completions with their chore and member (None for a missed pool period): a query to refine and run."""
    return (
        select(Completion, Chore, Member)
        .join(Chore, col(Chore.id) == col(Completion.chore_id))
        .join(Member, col(Member.id) == col(Completion.member_id), isouter=True)
    )


def listed() -> Select:
    """Completions as plain columns in :class:`CompletionRow`'s order, with their chore's and member's
    (None for a missed pool period): a query to refine and run, that builds no ORM object per row."""
    return (
        select(
            Completion.id,
            Chore.id,  # chore_id
            Chore.title,  # chore
            Member.name,  # member
            Completion.status,
            Completion.completed_at,
            Completion.reviewed_at,
            Completion.reward,
            Completion.note,
            Completion.period_due,  # due
            Chore.reward_min,
            Chore.reward_max,
            Completion.member_id,
        )
        .join(Chore, col(Chore.id) == col(Completion.chore_id))
        .join(Member, col(Member.id) == col(Completion.member_id), isouter=True)
    )


def pending(uow: UnitOfWork) -> list[CompletionRow]:
    with uow:
        return _rows(uow, joined().where(Completion.status == "pending").order_by(Completion.id))


def _select(uow: UnitOfWork, ids: list[int], everything: bool) -> list[tuple[Completion, Chore]]:
    if everything and ids:
        raise BadInput("give ids or --all, not both")
    if everything:
        found = list(
            uow.session.exec(
                select(Completion, Chore)
                .join(Chore, col(Chore.id) == col(Completion.chore_id))
                .where(Completion.status == "pending")
                .order_by(Completion.id)
            )
        )
        return found  # none waiting: --all has nothing to do, which is fine (cron-safe)
    if not ids:
        raise BadInput("name the completions (ids from 'chorectl approvals'), or use --all")
    result = []
    for cid in dict.fromkeys(ids):
        completion = uow.session.get(Completion, cid) if 0 < cid <= MAX_ID else None
        if completion is None:
            raise NotFound(f"no completion with id {cid}", hint="see: chorectl approvals")
        if completion.status != "pending":
            raise InvalidState(f"completion {cid} is {completion.status}, not pending")
        result.append((completion, uow.session.get(Chore, completion.chore_id)))
    return result


class RewardToDecide(NamedTuple):
    """A completion of a range-reward chore: its reward, *reward_min* .. *reward_max*, is decided at approval."""

    id: int
    chore: str
    reward_min: int
    reward_max: int


def needing_reward(uow: UnitOfWork, ids: list[int], everything: bool) -> list[RewardToDecide]:
    """The selected completions of range-reward chores: their reward is decided now."""
    with uow:
        return [
            RewardToDecide(c.id, ch.title, ch.reward_min, ch.reward_max)
            for c, ch in _select(uow, ids, everything)
            if ch.reward_min != ch.reward_max
        ]


def approve(
    uow: UnitOfWork,
    ids: list[int],
    *,
    everything: bool = False,
    reward: int | None = None,
    rewards: dict[int, int] | None = None,
    now: datetime,
) -> list[CompletionRow]:
    """Approve pending completions and pay their rewards. All or nothing.

    *reward* is the amount for range-reward chores (``--reward``); *rewards*
    gives one per completion id (answers to prompts).
    """
    with uow:
        done_rows = approve_inside(uow, ids, everything=everything, reward=reward, rewards=rewards, now=now)
        uow.commit()
        return done_rows


def approve_inside(
    uow: UnitOfWork,
    ids: list[int],
    *,
    everything: bool = False,
    reward: int | None = None,
    rewards: dict[int, int] | None = None,
    now: datetime,
) -> list[CompletionRow]:
    """:func:`approve`, inside the caller's open unit of work (``approve 4 r3``: a chore and a
    reward request in one transaction, see :mod:`chorectl.services.approvals`)."""
    rewards = rewards or {}
    selected = _select(uow, ids, everything)
    if reward is not None and all(ch.reward_min == ch.reward_max for _, ch in selected):
        raise BadInput("--reward is for chores with a range reward; these have fixed rewards")
    done_rows = []
    for completion, chore in selected:
        amount = _decide(completion, chore, rewards.get(completion.id, reward))
        completion.status = "approved"
        completion.reviewed_at = now
        completion.reward = amount
        uow.session.add(completion)
        if amount:
            uow.session.add(
                LedgerEntry(
                    at=now,
                    member_id=completion.member_id,
                    kind="reward",
                    amount=amount,
                    chore_id=chore.id,
                    completion_id=completion.id,
                    note=chore.title,
                )
            )
        if chore.streak_n and chore.rotate_by:
            periods.settle(uow, [chore], now)  # the child's turns so far are judged: a missed one ends it
        bonus = bonuses.pay_streak(uow, completion, chore, now)
        member = uow.session.get(Member, completion.member_id)
        done_rows.append(completion_row(completion, chore, member))
        detail = f"completion {completion.id}: {member.name}, {chore.title}"
        if bonus:
            detail += f"; bonus {format_cents(bonus)}, {bonuses.note(chore)}"
        uow.record("approve", detail, at=now, amount=amount + bonus, undo={"completion_id": completion.id})
    return done_rows


def _decide(completion: Completion, chore: Chore, given: int | None) -> int:
    if chore.reward_min == chore.reward_max:
        return chore.reward_min
    low, high = format_cents(chore.reward_min), format_cents(chore.reward_max)
    if given is None:
        raise BadInput(
            f"completion {completion.id} ({chore.title}) has a range reward {low}-{high}",
            hint="give the amount with --reward",
        )
    if not chore.reward_min <= given <= chore.reward_max:
        raise BadInput(
            f"reward {format_cents(given)} for completion {completion.id} ({chore.title}) is outside {low}-{high}"
        )
    return given


class Rejected(NamedTuple):
    """A rejected completion, and whether its period is over (reset passed it): then it counts as missed."""

    completion: CompletionRow
    missed: bool


def reject(
    uow: UnitOfWork, ids: list[int], *, reason: str | None, now: datetime, everything: bool = False
) -> list[Rejected]:
    """Reject pending completions; the chore is open again for that period."""
    with uow:
        rows = reject_inside(uow, ids, reason=reason, now=now, everything=everything)
        uow.commit()
        return rows


def reject_inside(
    uow: UnitOfWork, ids: list[int], *, reason: str | None, now: datetime, everything: bool = False
) -> list[Rejected]:
    """:func:`reject`, inside the caller's open unit of work."""
    reason = clean_note(reason)
    rows = []
    for completion, chore in _select(uow, ids, everything):
        undo: Data = {"completion_id": completion.id, "note": completion.note, "missed_id": None}
        completion.status = "rejected"
        completion.reviewed_at = now
        if reason:  # keep the child's note too: nothing typed is lost
            completion.note = f"{completion.note}; {reason}" if completion.note else reason
        uow.session.add(completion)
        row = completion_row(completion, chore, uow.session.get(Member, completion.member_id))
        # reset already passed its period: it cannot reopen, so it is missed
        missed = record_missed_after_reject(uow, completion, now)
        rows.append(Rejected(row, missed))
        if missed:  # undo takes it away again
            uow.session.flush()
            undo["missed_id"] = _newest_missed(uow, completion)
        # The reason first: it is what a parent reads the log for, and a narrow table keeps it.
        what = f"completion {completion.id}: {row.member}, {chore.title}"
        uow.record("reject", f"{row.member}: {reason} ({what})" if reason else what, at=now, undo=undo)
    return rows


def _newest_missed(uow: UnitOfWork, completion: Completion) -> int | None:
    """The id of the missed row just recorded for *completion*'s period (its chore's newest)."""
    return uow.session.exec(
        select(Completion.id)
        .where(
            Completion.chore_id == completion.chore_id,
            Completion.period_due == completion.period_due,
            Completion.status == "missed",
        )
        .order_by(col(Completion.id).desc())
        .limit(1)
    ).first()


# ---------------------------------------------------------------- undo


def _done_again(uow: UnitOfWork, completion: Completion, chore: Chore) -> Completion | None:
    """A later live completion of the same chore in the same slot: for the same child (or anyone,
    a pool chore), of the same period (a scheduled chore) or any time since (one-off, cooldown)."""
    query = select(Completion).where(
        Completion.chore_id == chore.id,
        col(Completion.id) > completion.id,
        col(Completion.status).in_(slots.LIVE),
    )
    if chore.schedule and completion.period_due is not None:
        query = query.where(Completion.period_due == completion.period_due)
    if uow.session.get(Assignment, (chore.id, completion.member_id)) is not None:
        query = query.where(Completion.member_id == completion.member_id)
    return uow.session.exec(query.order_by(Completion.id).limit(1)).first()


def _reviewed(uow: UnitOfWork, data: Data, status: str) -> tuple[Completion, Chore, Member]:
    completion = uow.session.get(Completion, data["completion_id"])
    chore = uow.session.get(Chore, completion.chore_id)
    member = uow.session.get(Member, completion.member_id)
    if completion.status != status:
        raise InvalidState(f"completion {completion.id} is {completion.status} now, not {status}")
    again = _done_again(uow, completion, chore)
    if again is not None:
        who = member.name if again.member_id == completion.member_id else "someone"
        raise InvalidState(
            f"{chore.title!r} was done again since by {who} (completion {again.id}, {again.status})",
            hint=f"undo or reject that one first: completion {completion.id} and it cannot both count",
        )
    return completion, chore, member


def _pending_again(completion: Completion, chore: Chore, member: Member, today: date) -> str:
    text = f"completion {completion.id} ({member.name}, {chore.title}) waits for approval again"
    if completion.period_due is not None and completion.period_due < today:
        text += f"; its period (due {completion.period_due.isoformat()}) is over"
    return text


@reverses("approve")
def _unapprove(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """An approval undone: the completion waits again, and whatever the ledger paid for it is reversed
    (its reward, and a streak bonus written for it): every entry of the completion not reversed yet."""
    from chorectl.services import household, ledger

    completion, chore, member = _reviewed(uow, data, "approved")
    completion.status, completion.reviewed_at, completion.reward = "pending", None, None
    uow.session.add(completion)
    entries = list(
        uow.session.exec(select(LedgerEntry).where(LedgerEntry.completion_id == completion.id).order_by(LedgerEntry.id))
    )
    done = {ledger.reversed_id(e.note) for e in entries if e.kind == "reversal"}
    taken = 0
    for entry in entries:
        if entry.kind != "reversal" and entry.id not in done:
            ledger.reverse(uow, entry, now)
            taken += entry.amount
    uow.session.flush()
    text = _pending_again(completion, chore, member, local_date(now))
    if taken:
        symbol = household.currency(uow)
        text += f"; {format_money(taken, symbol)} reversed; "
        text += ledger.balance_now(uow, member, symbol, "the reward was already paid out")
    return text


@reverses("reject")
def _unreject(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """A rejection undone: the completion waits again, with its note as the child left it; the missed
    row the rejection recorded (its period was over) goes again."""
    completion, chore, member = _reviewed(uow, data, "rejected")
    completion.status, completion.reviewed_at, completion.note = "pending", None, data["note"]
    uow.session.add(completion)
    text = _pending_again(completion, chore, member, local_date(now))
    # The period it was rejected for counts again: the miss the rejection recorded (its period was
    # over), or that reset recorded since (it was open then, and nobody redid it), goes.
    if periods.unmiss(uow, completion):
        text += "; it no longer counts as missed"
    return text


RECENT = 10  # how many completions `chore show` lists


def recent(uow: UnitOfWork, chore_id: int, *, limit: int = RECENT) -> list[CompletionRow]:
    """The chore's newest completions, newest first: only these rows are read
    (ix_completion_chore walks the chore's completions backwards from the newest)."""
    with uow:
        query = joined().where(Completion.chore_id == chore_id).order_by(col(Completion.id).desc()).limit(limit)
        return _rows(uow, query)


def history(uow: UnitOfWork, *, member: str | None = None) -> list[CompletionRow]:
    with uow:
        query = joined().order_by(Completion.id)
        if member:
            who = members_service.resolve(uow, member, include_archived=True)
            query = query.where(Completion.member_id == who.id)
        return _rows(uow, query)
