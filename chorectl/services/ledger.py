"""Money: balances, payouts, bonuses and penalties. Every movement is one ledger row."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import col, select

from chorectl.db.models import LedgerEntry, LedgerTotal, Member
from chorectl.domain.dates import day_bounds
from chorectl.domain.money import format_money
from chorectl.domain.text import clean_note
from chorectl.errors import BadInput, InvalidState
from chorectl.services import goals as goals_service
from chorectl.services import household as household_service
from chorectl.services import members as members_service
from chorectl.services.filters import counted, newest, spans
from chorectl.services.members import MemberInfo
from chorectl.services.rows import BalanceRow, LedgerRow
from chorectl.services.streams import RowStream
from chorectl.services.uow import UnitOfWork

# How each ledger kind shows up in the balance breakdown.
BUCKETS = {"reward": "earned", "reversal": "earned", "bonus": "bonuses", "penalty": "penalties", "payout": "paid"}


def balances(uow: UnitOfWork, name: str | None = None) -> list[BalanceRow]:
    """Each member's balance and what it is made of, from the running totals."""
    with uow:
        if name is not None:
            people = [members_service.resolve(uow, name, include_archived=True)]
        else:
            people = list(uow.session.exec(select(Member).order_by(Member.id)))
        totals: dict[int, dict[str, int]] = {}
        for member_id, kind, total in uow.session.exec(
            select(LedgerTotal.member_id, LedgerTotal.kind, LedgerTotal.total)
        ):
            totals.setdefault(member_id, {})[kind] = total
        goals = goals_service.shown(uow, {m.id: sum(totals.get(m.id, {}).values()) for m in people})
        rows = []
        for m in people:
            mine = totals.get(m.id, {})
            if name is None and ((m.role != "child" and not mine) or (not m.active and not sum(mine.values()))):
                continue  # parents without money, and archived members who are settled
            buckets = dict.fromkeys(("earned", "bonuses", "penalties", "paid"), 0)
            for kind, total in mine.items():
                buckets[BUCKETS[kind]] += total
            goal = goals_service.cells(goals.get(m.id))
            rows.append(BalanceRow(m.name, **buckets, balance=sum(mine.values()), **goal, member_id=m.id))
        return rows


def _entry(uow: UnitOfWork, member: Member, kind: str, amount: int, note: str | None, now: datetime) -> LedgerEntry:
    entry = LedgerEntry(at=now, member_id=member.id, kind=kind, amount=amount, note=note)
    uow.session.add(entry)
    return entry


def pay(uow: UnitOfWork, name: str, cents: int, *, note: str | None, now: datetime) -> tuple[MemberInfo, int]:
    """Pay *cents* out to *name*: a debit. Returns the member and the new balance."""
    note = clean_note(note)
    if cents <= 0:
        raise BadInput("a payout must be more than zero")
    with uow:
        member = members_service.resolve(uow, name, include_archived=True)
        balance = members_service.balance_of(uow, member.id)
        if cents > balance:
            symbol = household_service.currency(uow)
            raise InvalidState(
                f"{member.name}'s balance is {format_money(balance, symbol)}; "
                f"cannot pay out {format_money(cents, symbol)}",
                hint="a bonus first? chorectl adjust NAME +AMOUNT --reason ...",
            )
        _entry(uow, member, "payout", -cents, note, now)
        uow.record("pay", f"{member.name}: {note}" if note else member.name, at=now, amount=-cents)
        uow.commit()
        return MemberInfo.of(member), balance - cents


def adjust(uow: UnitOfWork, name: str, cents: int, *, reason: str, now: datetime) -> tuple[MemberInfo, int]:
    """A bonus (+) or penalty (-) with a reason. Returns the member and the new balance."""
    reason = clean_note(reason)
    if cents == 0:
        raise BadInput("an adjustment of zero changes nothing")
    if not reason:
        raise BadInput("an adjustment needs a --reason")
    with uow:
        member = members_service.resolve(uow, name, include_archived=True)
        balance = members_service.balance_of(uow, member.id)
        _entry(uow, member, "bonus" if cents > 0 else "penalty", cents, reason, now)
        uow.record("adjust", f"{member.name}: {reason}", at=now, amount=cents)
        uow.commit()
        return MemberInfo.of(member), balance + cents


def entries(
    uow: UnitOfWork,
    *,
    name: str | None = None,
    since: date | None = None,
    until: date | None = None,
    latest: int | None = None,
    upto: int | None = None,
) -> RowStream[LedgerRow]:
    """Ledger rows, oldest first; with *latest*, only the newest that many (still oldest first).
    *since* and *until* are local calendar days, both included; *upto* the newest id to
    consider (a second look at the rows a first one saw, though others were added since).

    Bad input is refused here, before any row; the rows themselves stream
    (the read transaction stays open while they are consumed).
    """
    clauses = _clauses(uow, name, since, until, upto)
    # Plain columns, not ORM objects: an export of years of history streams
    # at several times the speed, and nothing here is modified. In LedgerRow's order
    # (a RowStream reads them in the order of the first, the id).
    query = (
        select(
            LedgerEntry.id,
            LedgerEntry.at,
            Member.name,  # member
            LedgerEntry.kind,
            LedgerEntry.amount,
            LedgerEntry.chore_id,
            LedgerEntry.completion_id,
            LedgerEntry.note,
            LedgerEntry.member_id,
        )
        .join(Member, col(Member.id) == col(LedgerEntry.member_id))
        .where(*clauses)
    )
    return RowStream(uow, newest(query, LedgerEntry.id, latest), LedgerRow)


def count(
    uow: UnitOfWork,
    *,
    name: str | None = None,
    since: date | None = None,
    until: date | None = None,
    upto: int | None = None,
) -> int:
    """How many ledger rows :func:`entries` has for the same filters (read from the indexes)."""
    clauses = _clauses(uow, name, since, until, upto)
    with uow:
        return uow.session.exec(counted(LedgerEntry, *clauses)).one()


def _clauses(
    uow: UnitOfWork, name: str | None, since: date | None, until: date | None, upto: int | None = None
) -> list:
    start, end = day_bounds(since, until)
    clauses = spans(LedgerEntry.at, start, end)
    if upto is not None:
        clauses.append(col(LedgerEntry.id) <= upto)
    if name is not None:
        with uow:
            clauses.append(col(LedgerEntry.member_id) == members_service.resolve(uow, name, include_archived=True).id)
    return clauses
