"""``chorectl digest``: the morning's news for cron mail, from what is current only.

What waits comes from the pending queue (its partial index); the misses are
those of one day, looked up chore by chore on the slot index (chore, period
due); balances come from the running totals. Nothing reads the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from chorectl.db.models import Chore, Completion, LedgerTotal, Member
from chorectl.domain import day
from chorectl.services.completions import joined
from chorectl.services.filters import total_of
from chorectl.services.rows import ApprovalRow, CompletionRow
from chorectl.services.uow import UnitOfWork


@dataclass(frozen=True)
class Balance:
    member: str
    balance: int  # cents
    member_id: int


@dataclass(frozen=True)
class Digest:
    """*waiting*: every completion waiting for approval, oldest first; *requests*: every reward
    request waiting (``r<N>``), oldest first; *missed*: the periods due on *day* (yesterday)
    recorded as missed, by chore; *balances*: each active child's."""

    day: date
    waiting: tuple[CompletionRow, ...]
    requests: tuple[ApprovalRow, ...]
    missed: tuple[CompletionRow, ...]
    balances: tuple[Balance, ...]

    @property
    def news(self) -> bool:
        """Worth a mail: something waits for a parent, or a period was missed. Balances alone are not news."""
        return bool(self.waiting or self.requests or self.missed)


def digest(uow: UnitOfWork, *, today: date) -> Digest:
    """What a parent wants to know in the morning; see :func:`chorectl.domain.day.digest_day` for which day."""
    from chorectl.services import rewards
    from chorectl.services.completions import completion_row

    when = day.digest_day(today)
    with uow:
        waiting = tuple(
            completion_row(c, ch, m)
            for c, ch, m in uow.session.exec(joined().where(Completion.status == "pending").order_by(Completion.id))
        )
        requests = tuple(rewards.waiting_rows(uow))  # the pending requests' partial index
        chore_ids = list(uow.session.exec(select(Chore.id).order_by(Chore.id)))  # archived ones too: their misses
        missed = ()
        if chore_ids:  # both columns as IN lists: an index seek per chore on (chore_id, period_due)
            query = joined().where(
                col(Completion.chore_id).in_(chore_ids),
                col(Completion.period_due).in_([when]),
                Completion.status == "missed",
            )
            found = [completion_row(c, ch, m) for c, ch, m in uow.session.exec(query)]
            missed = tuple(sorted(found, key=lambda r: (r.chore_id, r.member or "", r.id)))
        children = list(
            uow.session.exec(
                select(Member).where(Member.role == "child", Member.active == True).order_by(Member.id)  # noqa: E712
            )
        )
        totals = dict(
            uow.session.exec(
                select(LedgerTotal.member_id, total_of(LedgerTotal.total))
                .where(col(LedgerTotal.member_id).in_([c.id for c in children]))
                .group_by(LedgerTotal.member_id)
            ).all()
        )
        balances = tuple(Balance(c.name, totals.get(c.id, 0), c.id) for c in children)
        return Digest(when, waiting, requests, missed, balances)
