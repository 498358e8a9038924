"""chorectl goal ...: what a child saves their balance toward."""

from __future__ import annotations

from typing import Annotated

import typer

from chorectl.cli import complete, render
from chorectl.cli.app import new_app
from chorectl.cli.options import Format, FormatOpt, RawOpt
from chorectl.cli.state import message, require_parent, state
from chorectl.domain.dates import now
from chorectl.services.rows import GoalRow

app = new_app(
    "goal",
    "Savings goals: what a child saves their balance toward. A view on the balance, never money moved.",
)


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The child's name (any case) or id.", autocompletion=complete.children)
    ],
    title: Annotated[str, typer.Argument(metavar="TITLE", help='What they save for, e.g. "Lego set".')],
    target: Annotated[str, typer.Argument(metavar="AMOUNT", help="How much it costs, e.g. 25 or 25.00.")],
) -> None:
    """Give a child a savings goal. Parent command.

    A goal is a view on the balance: nothing is paid or set aside. A child's
    goals share their balance, filled in order, oldest first: the first goal
    fills up to its target, what is left over goes to the next. Titles are
    unique among a child's goals, in any case.
    """
    from chorectl.domain.money import format_money, parse_positive_amount
    from chorectl.services import goals

    st = state(ctx)
    currency = st.currency()
    cents = parse_positive_amount(target, currency=currency)
    require_parent(ctx)
    goal = goals.add(st.uow(write=True), name, title, cents, now=now())
    message(
        f"Added goal {goal.id} for {goal.member}: {goal.title}, {format_money(goal.target, currency)};"
        f" {_progress(goal.saved, goal.target, currency)}."
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME",
            help="One child, by name or id (default: every child).",
            show_default=False,
            autocompletion=complete.children,
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
    raw: RawOpt = False,
) -> None:
    """List the children's goals and how far each one's balance fills them.

    Each child's goals are filled from their balance in order, oldest first;
    a negative balance fills none. Progress is in whole percent, rounded down:
    100% is a reached goal. Archived children's goals are not shown.
    """
    from chorectl.services import goals

    st = state(ctx)
    render.emit(GoalRow, goals.listing(st.uow(), name), fmt, currency=st.currency(), raw=raw)


@app.command("remove")
def remove(
    ctx: typer.Context,
    goal_id: Annotated[str, typer.Argument(metavar="GOAL", help="The goal's id (the ID column of goal list).")],
) -> None:
    """Remove a goal. Parent command.

    No money moves: the balance stays as it is, and the child's other goals
    fill from it as before. The goal is kept, archived, for the log and undo.
    """
    from chorectl.domain.money import format_money
    from chorectl.services import goals

    require_parent(ctx)
    st = state(ctx)
    goal = goals.remove(st.uow(write=True), goal_id, now=now())
    currency = st.currency()
    message(
        f"Removed goal {goal.id} of {goal.member}: {goal.title}, {format_money(goal.target, currency)};"
        f" their balance stays {format_money(goal.balance, currency)}."
    )


def _progress(saved: int, target: int, currency: str) -> str:
    """``$4.50 saved (18%)``, or ``reached``."""
    from chorectl.domain.goals import percent
    from chorectl.domain.money import format_money

    if saved >= target:
        return "reached already"
    return f"{format_money(saved, currency)} saved so far ({percent(saved, target)}%)"
