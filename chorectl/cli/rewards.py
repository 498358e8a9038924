"""chorectl reward ... and chorectl redeem: the rewards catalog, and what children ask for from it."""

from __future__ import annotations

from typing import Annotated

import typer

from chorectl.cli import complete, render
from chorectl.cli.app import new_app
from chorectl.cli.options import Format, FormatOpt, MemberArg, NoteOpt, RawOpt
from chorectl.cli.state import message, require_parent, state
from chorectl.domain.dates import now
from chorectl.services.rows import RewardRow

app = new_app("reward", "The rewards catalog: what children may spend their balance on.")

RewardArg = Annotated[
    str,
    typer.Argument(
        metavar="REWARD", help="A reward's id, or its exact title (any case).", autocompletion=complete.rewards
    ),
]
AllowDebtOpt = Annotated[
    bool,
    typer.Option(
        "--allow-debt",
        help="Approve even when the cost is more than the balance: the balance goes below zero. "
        "For this approval only.",
    ),
]


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(metavar="TITLE", help='What the reward is, e.g. "30 min screen time".')],
    cost: Annotated[str, typer.Argument(metavar="COST", help="What it costs, e.g. 1.50 (more than 0, at most 1000).")],
) -> None:
    """Add a reward to the catalog. Parent command.

    Titles are unique in any case among the rewards in the catalog.
    """
    from chorectl.domain.money import format_money, parse_cost
    from chorectl.services import rewards

    st = state(ctx)
    currency = st.currency()
    cents = parse_cost(cost, currency=currency)
    require_parent(ctx)
    row = rewards.add(st.uow(write=True), title, cents, now=now())
    message(f"Added reward {row.title} (id {row.id}) for {format_money(row.cost, currency)}.")


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: FormatOpt = Format.table,
    raw: RawOpt = False,
    all_: Annotated[bool, typer.Option("--all", help="Removed rewards too (archived: true).")] = False,
) -> None:
    """List the rewards catalog: ids, titles and costs. No PIN needed."""
    from chorectl.services import rewards

    st = state(ctx)
    rows = rewards.listing(st.uow(), include_archived=all_)
    render.emit(RewardRow, rows, fmt, currency=st.currency(), raw=raw)


@app.command("remove")
def remove(ctx: typer.Context, reward: RewardArg) -> None:
    """Take a reward out of the catalog. Parent command.

    Its requests and what was spent on it stay in the history; requests still
    waiting for it may still be approved or rejected.
    """
    from chorectl.services import rewards

    st = state(ctx)
    require_parent(ctx)
    removed = rewards.remove(st.uow(write=True), reward, now=now())
    message(f"Removed reward {removed.reward.title} (id {removed.reward.id}) from the catalog.")
    if removed.waiting:
        many = "1 request for it waits" if removed.waiting == 1 else f"{removed.waiting} requests for it wait"
        message(f"{many} for approval: chorectl approvals")


def redeem(
    ctx: typer.Context,
    name: MemberArg,
    reward: RewardArg,
    note: NoteOpt = None,
    approve: Annotated[
        bool, typer.Option("--approve", help="Ask and approve it in one step (a parent; needs the PIN).")
    ] = False,
    allow_debt: AllowDebtOpt = False,
) -> None:
    """Ask to spend a child's balance on a reward; it waits for a parent's approval. No PIN needed.

    Refused when it costs more than the child's balance less what their other
    requests waiting would spend. A parent approves it with 'chorectl approve rN'
    (N from 'chorectl approvals'), which takes the cost off the balance. With
    --approve a parent asks and approves at once (the PIN is needed then).
    """
    from chorectl.domain.money import format_money
    from chorectl.errors import BadInput
    from chorectl.services import rewards

    st = state(ctx)
    if allow_debt and not approve:
        raise BadInput("--allow-debt is for approving: add --approve (a parent command)")
    if approve:
        require_parent(ctx)
    asked = rewards.redeem(
        st.uow(write=True),
        name,
        reward,
        note=note,
        now=now(),
        approve=approve,
        allow_debt=allow_debt,
        child=not approve,
    )
    currency = st.currency()
    request = asked.request
    cost = format_money(request.cost, currency)
    if asked.approved is None:
        message(f"{request.member}: {request.reward} ({cost}) waits for approval (id {request.ref}).")
    else:
        debt = " (below zero: --allow-debt)" if asked.balance < 0 else ""
        message(
            f"Approved {request.ref}: {request.member}, {request.reward}, {cost};"
            f" balance {format_money(asked.balance, currency)}{debt}."
        )
