"""done, approvals, approve, reject: the daily loop between children and parents."""

from __future__ import annotations

from typing import Annotated

import typer

from chorectl.cli import render
from chorectl.cli.options import AsOpt, ChoreArg, Format, FormatOpt, NoteOpt, RawOpt
from chorectl.cli.state import interactive, message, require_parent, state
from chorectl.domain.dates import now
from chorectl.services.rows import ApprovalRow


def _ref(text: str):
    """An id from ``approvals``: 4 (a completion) or r3 (a reward request); a usage error otherwise."""
    from chorectl.domain.refs import parse_ref
    from chorectl.errors import BadInput

    try:
        return parse_ref(text)
    except BadInput as error:
        raise typer.BadParameter(f"{error.message} ({error.hint})") from None


IdsArg = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="ID",
        parser=_ref,
        help="Ids from 'chorectl approvals': 4, or r3 for a reward request.",
        show_default=False,
    ),
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
    """List completions waiting for approval, then reward requests (ids r1, r2 ...)."""
    from chorectl.services import approvals as approvals_service

    st = state(ctx)
    rows = approvals_service.pending(st.uow())
    render.emit(ApprovalRow, rows, fmt, currency=st.currency(), raw=raw, title="Waiting for approval")


def approve(
    ctx: typer.Context,
    ids: IdsArg = None,
    reward: Annotated[
        str | None,
        typer.Option("--reward", metavar="AMOUNT", help="The reward for range-reward chores (within MIN-MAX)."),
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Approve every chore that is waiting (reward requests: by their ids).")
    ] = False,
    allow_debt: Annotated[
        bool,
        typer.Option(
            "--allow-debt",
            help="Reward requests named here are approved even when they cost more than the balance:"
            " it goes below zero.",
        ),
    ] = False,
) -> None:
    """Approve completions (pays their rewards) and reward requests (spends the cost). Parent command.

    A range-reward chore needs --reward; on a terminal you are asked instead.
    A reward request (r3) takes its cost off the child's balance; one that
    costs more than the balance is refused unless --allow-debt. --all approves
    chores only: reward requests are approved by their ids.
    """
    from chorectl.domain.money import format_cents, format_money, parse_reward
    from chorectl.services import approvals as approvals_service

    st = state(ctx)
    currency = st.currency()
    refs = list(ids or [])
    amount = parse_reward(reward, currency=currency) if reward is not None else None
    require_parent(ctx)
    answers: dict[int, int] = {}
    if amount is None:
        for need in approvals_service.needing_reward(st.uow(), refs, all_):
            if not interactive():
                break  # the service refuses with a clear message (exit 2)
            low, high = format_cents(need.reward_min), format_cents(need.reward_max)
            text = typer.prompt(f"Reward for {need.id} ({need.chore}), {low}-{high}", err=True)
            answers[need.id] = parse_reward(text, currency=currency)
    done = approvals_service.approve(
        st.uow(write=True),
        refs,
        everything=all_,
        reward=amount,
        rewards_given=answers,
        allow_debt=allow_debt,
        now=now(),
    )
    if not done.chores and not done.requests:
        message("Nothing is waiting for approval." if not done.still_waiting else "No chore is waiting for approval.")
    for row in done.chores:
        message(f"Approved {row.id}: {row.member}, {row.chore}, {format_money(row.reward, currency)}.")
    for granted in done.requests:
        request = granted.request
        debt = " (below zero: --allow-debt)" if granted.in_debt else ""
        message(
            f"Approved {request.ref}: {request.member}, {request.reward}, {format_money(request.cost, currency)};"
            f" balance {format_money(granted.balance, currency)}{debt}."
        )
    if done.still_waiting:
        which = " ".join(done.still_waiting)
        many = (
            "1 reward request waits"
            if len(done.still_waiting) == 1
            else f"{len(done.still_waiting)} reward requests wait"
        )
        message(f"{many}: --all leaves them to you; approve by id: chorectl approve {which}")


def reject(
    ctx: typer.Context,
    ids: IdsArg = None,
    reason: Annotated[str | None, typer.Option("--reason", metavar="TEXT", help="Why; kept with it.")] = None,
) -> None:
    """Reject completions (the chore is open again for its period) or reward requests. Parent command."""
    from chorectl.services import approvals as approvals_service

    refs = list(ids or [])
    require_parent(ctx)
    done = approvals_service.reject(state(ctx).uow(write=True), refs, reason=reason, now=now())
    for row, missed in done.chores:
        if missed:
            after = f"its period (due {row.due.isoformat()}) is over, so it counts as missed"
        else:
            after = "it is open again"
        message(f"Rejected {row.id}: {row.member}, {row.chore}; {after}.")
    for request in done.requests:
        message(f"Rejected {request.ref}: {request.member}, {request.reward}; nothing was spent.")
