"""balance, pay, adjust, ledger: the money side."""

from __future__ import annotations

from typing import Annotated

import typer

from chorectl.cli import render
from chorectl.cli.options import (
    AllOpt,
    Format,
    FormatOpt,
    LimitOpt,
    MemberArg,
    NoteOpt,
    OptionalMemberArg,
    RawOpt,
    SinceOpt,
    UntilOpt,
)
from chorectl.cli.state import message, require_parent, state
from chorectl.domain.dates import local_date, now, parse_days
from chorectl.services.rows import BalanceRow, LedgerRow


def balance(
    ctx: typer.Context, name: OptionalMemberArg = None, fmt: FormatOpt = Format.table, raw: RawOpt = False
) -> None:
    """Show balances: earned, bonuses, penalties, paid and what is owed."""
    from chorectl.services import ledger

    st = state(ctx)
    render.emit(BalanceRow, ledger.balances(st.uow(), name), fmt, currency=st.currency(), raw=raw)


def pay(
    ctx: typer.Context,
    name: MemberArg,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="How much is paid out, e.g. 5 or 2.50.")],
    note: NoteOpt = None,
) -> None:
    """Pay out: a debit on the member's ledger. Parent command."""
    from chorectl.domain.money import format_money, parse_positive_amount
    from chorectl.services import ledger

    st = state(ctx)
    currency = st.currency()
    cents = parse_positive_amount(amount, currency=currency)
    require_parent(ctx)
    member, left = ledger.pay(st.uow(write=True), name, cents, note=note, now=now())
    message(f"Paid {member.name} {format_money(cents, currency)}; balance {format_money(left, currency)}.")


def adjust(
    ctx: typer.Context,
    name: MemberArg,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="Signed: +2 is a bonus, -1.50 a penalty.")],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why (kept in the ledger).")],
) -> None:
    """Give a bonus (+AMOUNT) or a penalty (-AMOUNT). Parent command."""
    from chorectl.domain.money import format_money, parse_signed_amount
    from chorectl.services import ledger

    st = state(ctx)
    currency = st.currency()
    cents = parse_signed_amount(amount, currency=currency)
    require_parent(ctx)
    member, left = ledger.adjust(st.uow(write=True), name, cents, reason=reason, now=now())
    what = "Bonus" if cents > 0 else "Penalty"
    message(
        f"{what} of {format_money(abs(cents), currency)} for {member.name}; balance {format_money(left, currency)}."
    )


def ledger(
    ctx: typer.Context,
    name: OptionalMemberArg = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: LimitOpt = None,
    everything: AllOpt = False,
    fmt: FormatOpt = Format.table,
    raw: RawOpt = False,
) -> None:
    """Show ledger entries: every reward, bonus, penalty and payout.

    The table shows the latest 50 (--limit N, --all, or --since for others)
    and says on stderr how many it left out; csv, tsv, json and jsonl have
    every entry.
    """
    from chorectl.services import ledger as ledger_service

    st = state(ctx)
    first, last = parse_days(since, until, today=local_date(now()))
    render.emit_window(
        LedgerRow,
        lambda n, upto: ledger_service.entries(st.uow(), name=name, since=first, until=last, latest=n, upto=upto),
        lambda upto: ledger_service.count(st.uow(), name=name, since=first, until=last, upto=upto),
        fmt,
        limit=limit,
        everything=everything,
        noun="ledger entries",
        currency=st.currency(),
        raw=raw,
    )
