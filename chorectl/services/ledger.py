"""Money: balances, payouts, bonuses and penalties. Every movement is one ledger row."""

from __future__ import annotations

import re
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
from chorectl.services.actions import Data, reverses
from chorectl.services.filters import counted, newest, spans
from chorectl.services.members import MemberInfo
from chorectl.services.rows import BalanceRow, LedgerRow
from chorectl.services.streams import RowStream
from chorectl.services.uow import UnitOfWork, inside_uow

# How each ledger kind (chorectl.domain.money.LEDGER_KINDS) shows up in the balance breakdown;
# every kind has one (tests/repo/test_ledger_kinds.py). A reversal shows beside what it
# reverses (:func:`bucket`): an undone payout under paid, an undone redemption under redeemed.
BUCKETS = {
    "reward": "earned",
    "reversal": "earned",
    "bonus": "bonuses",
    "penalty": "penalties",
    "payout": "paid",
    "redeem": "redeemed",
}
# The breakdown's columns, in BalanceRow's order.
BREAKDOWN = ("earned", "bonuses", "penalties", "paid", "redeemed")
# A reversal's note names the entry it reverses: "undo of payout #12: pocket money". Written by
# :func:`reverse` alone; the ledger is append-only, so the note is the link for good.
REVERSAL_NOTE = re.compile(r"undo of ([a-z]+) #([0-9]+)(?::|$)")


def bucket(kind: str, note: str | None) -> str:
    """Where an entry of *kind* shows in the balance breakdown: a reversal under what it reverses."""
    if kind == "reversal" and note and (found := REVERSAL_NOTE.match(note)) and found.group(1) in BUCKETS:
        return BUCKETS[found.group(1)]
    return BUCKETS[kind]


def reversed_id(note: str | None) -> int | None:
    """The id of the entry a reversal's *note* says it reverses."""
    found = REVERSAL_NOTE.match(note) if note else None
    return int(found.group(2)) if found else None


@inside_uow
def reverse(uow: UnitOfWork, entry: LedgerEntry, now: datetime) -> LedgerEntry:
    """A ``reversal`` of *entry*: the opposite amount, on the same member, chore and completion,
    its note naming the entry (``undo of payout #12: pocket money``). Inside the caller's unit of work."""
    note = f"undo of {entry.kind} #{entry.id}" + (f": {entry.note}" if entry.note else "")
    reversal = LedgerEntry(
        at=now,
        member_id=entry.member_id,
        kind="reversal",
        amount=-entry.amount,
        chore_id=entry.chore_id,
        completion_id=entry.completion_id,
        note=note,
    )
    uow.session.add(reversal)
    return reversal


def _reversal_buckets(uow: UnitOfWork, member_ids: list[int]) -> dict[int, dict[str, int]]:
    """The reversals of these members (the few that have any), by the bucket of what each reverses."""
    split: dict[int, dict[str, int]] = {}
    if member_ids:
        for member_id, amount, note in uow.session.exec(
            select(LedgerEntry.member_id, LedgerEntry.amount, LedgerEntry.note).where(
                col(LedgerEntry.member_id).in_(member_ids), LedgerEntry.kind == "reversal"
            )
        ):
            mine = split.setdefault(member_id, {})
            mine[bucket("reversal", note)] = mine.get(bucket("reversal", note), 0) + amount
    return split


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
        reversals = _reversal_buckets(uow, [m.id for m in people if "reversal" in totals.get(m.id, {})])
        for m in people:
            mine = totals.get(m.id, {})
            if name is None and ((m.role != "child" and not mine) or (not m.active and not sum(mine.values()))):
                continue  # parents without money, and archived members who are settled
            buckets = dict.fromkeys(BREAKDOWN, 0)
            for kind, total in mine.items():
                if kind != "reversal":
                    buckets[BUCKETS[kind]] += total
            for kind, total in reversals.get(m.id, {}).items():
                buckets[kind] += total
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
        entry = _entry(uow, member, "payout", -cents, note, now)
        uow.session.flush()  # its id, for undo
        what = f"{member.name}: {note}" if note else member.name
        uow.record("pay", what, at=now, amount=-cents, undo={"ledger_id": entry.id})
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
        entry = _entry(uow, member, "bonus" if cents > 0 else "penalty", cents, reason, now)
        uow.session.flush()  # its id, for undo
        uow.record("adjust", f"{member.name}: {reason}", at=now, amount=cents, undo={"ledger_id": entry.id})
        uow.commit()
        return MemberInfo.of(member), balance + cents


@reverses("pay", "adjust")
def _unmove(uow: UnitOfWork, data: Data, now: datetime) -> str:
    """A payment or an adjustment undone: a reversal of its entry."""
    entry = uow.session.get(LedgerEntry, data["ledger_id"])
    member = uow.session.get(Member, entry.member_id)
    reverse(uow, entry, now)
    uow.session.flush()  # the running total, for the balance
    symbol = household_service.currency(uow)
    to = "to" if entry.kind == "payout" else "for"
    return (
        f"the {entry.kind} of {format_money(abs(entry.amount), symbol)} {to} {member.name} is reversed; "
        + balance_now(uow, member, symbol, f"the {entry.kind} was already paid out" if entry.amount > 0 else None)
    )


def balance_now(uow: UnitOfWork, member: Member, symbol: str, why_negative: str | None) -> str:
    """``Amy's balance is $4.50``, or ``Amy's balance is now -$1.50: <why_negative>`` (the reason
    when they have been paid out at all), inside the caller's unit of work (flushed: the running
    totals are the database's)."""
    balance = members_service.balance_of(uow, member.id)
    if balance < 0:
        paid = uow.session.get(LedgerTotal, (member.id, "payout"))  # the reason only when it is one
        why = f": {why_negative}" if why_negative and paid is not None and paid.total else ""
        return f"{member.name}'s balance is now {format_money(balance, symbol)}{why}"
    return f"{member.name}'s balance is {format_money(balance, symbol)}"


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
