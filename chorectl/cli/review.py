"""done, approvals, approve, reject: the daily loop between children and parents."""

from __future__ import annotations

from typing import Annotated

import typer

from chorectl.cli import render
from chorectl.cli.options import AsOpt, ChoreArg, Format, FormatOpt, NoteOpt, RawOpt
from chorectl.cli.state import interactive, message, require_parent, state
from chorectl.domain.dates import now
from chorectl.services.rows import CompletionRow

IdsArg = Annotated[
    list[int] | None, typer.Argument(metavar="ID", help="Ids from 'chorectl approvals'.", show_default=False)
]


def done(
    ctx: typer.Context,
    chore: ChoreArg,
    as_: AsOpt = None,
    note: NoteOpt = None,
) -> None:
    """Mark a chore done; it then waits for a parent's approval. No PIN needed."""
    from chorectl.services import completions

    completion, found, who = completions.done(state(ctx).uow(write=True), chore, member=as_, now=now(), note=note)
    message(f"{who.name}: {found.title} is done and waits for approval (id {completion.id}).")


def approvals(ctx: typer.Context, fmt: FormatOpt = Format.table, raw: RawOpt = False) -> None:
    """List completions waiting for approval."""
    from chorectl.services import completions

    st = state(ctx)
    rows = completions.pending(st.uow())
    render.emit(CompletionRow, rows, fmt, currency=st.currency(), raw=raw, title="Waiting for approval")


def approve(
    ctx: typer.Context,
    ids: IdsArg = None,
    reward: Annotated[
        str | None,
        typer.Option("--reward", metavar="AMOUNT", help="The reward for range-reward chores (within MIN-MAX)."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Approve everything that is waiting.")] = False,
) -> None:
    """Approve completions and pay their rewards. Parent command.

    A range-reward chore needs --reward; on a terminal you are asked instead.
    """
    from chorectl.domain.money import format_cents, format_money, parse_reward
    from chorectl.services import completions

    st = state(ctx)
    currency = st.currency()
    amount = parse_reward(reward, currency=currency) if reward is not None else None
    require_parent(ctx)
    answers: dict[int, int] = {}
    if amount is None:
        for need in completions.needing_reward(st.uow(), ids or [], all_):
            if not interactive():
                break  # the service refuses with a clear message (exit 2)
            low, high = format_cents(need.reward_min), format_cents(need.reward_max)
            text = typer.prompt(f"Reward for {need.id} ({need.chore}), {low}-{high}", err=True)
            answers[need.id] = parse_reward(text, currency=currency)
    rows = completions.approve(
        st.uow(write=True), ids or [], everything=all_, reward=amount, rewards=answers, now=now()
    )
    if not rows:
        message("Nothing is waiting for approval.")
    for row in rows:
        message(f"Approved {row.id}: {row.member}, {row.chore}, {format_money(row.reward, currency)}.")


def reject(
    ctx: typer.Context,
    ids: IdsArg = None,
    reason: Annotated[str | None, typer.Option("--reason", metavar="TEXT", help="Why; kept with it.")] = None,
) -> None:
    """Reject completions; the chore is open again for its period. Parent command."""
    from chorectl.services import completions

    require_parent(ctx)
    for row, missed in completions.reject(state(ctx).uow(write=True), ids or [], reason=reason, now=now()):
        if missed:
            after = f"its period (due {row.due.isoformat()}) is over, so it counts as missed"
        else:
            after = "it is open again"
        message(f"Rejected {row.id}: {row.member}, {row.chore}; {after}.")
