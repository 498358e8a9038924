"""chorectl chore ...: what there is to do."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from chorectl.cli import render
from chorectl.cli.app import new_app
from chorectl.cli.options import Format, FormatOpt, NoteOpt, RawOpt
from chorectl.cli.state import message, require_parent, state
from chorectl.domain.dates import local_date, now, parse_date
from chorectl.domain.text import split_names

app = new_app("chore", "Add, list, show, edit, assign and remove chores.")

ChoreArg = Annotated[str, typer.Argument(metavar="CHORE", help="A chore id, or its exact title (any case).")]
RewardOpt = Annotated[
    Optional[str],
    typer.Option("--reward", metavar="AMOUNT|MIN-MAX", help="Fixed (2.50) or a range decided at approval (1-3)."),
]
DueOpt = Annotated[
    Optional[str], typer.Option("--due", metavar="DATE", help="Due date, YYYY-MM-DD (or today/tomorrow).")
]


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(metavar="TITLE", help="What to do.")],
    reward: RewardOpt = None,
    assign: Annotated[
        Optional[str],
        typer.Option(
            "--assign",
            metavar="NAME[,NAME...]",
            help="Who does it; several names = each their own copy; none = anyone (first done wins).",
        ),
    ] = None,
    due: DueOpt = None,
    note: NoteOpt = None,
) -> None:
    """Add a chore. Parent command."""
    from chorectl.domain.money import parse_reward_spec
    from chorectl.services import chores

    st = state(ctx)
    today = local_date(now())
    spec = parse_reward_spec(reward or "0", currency=st.currency())
    due_date = parse_date(due, today=today) if due else None
    require_parent(ctx)
    chore = chores.add(
        st.uow(write=True),
        title,
        reward=spec,
        assign=split_names(assign or ""),
        due=due_date,
        note=note,
        now=now(),
    )
    message(f"Added chore {chore.id}: {chore.title}.")


@app.command("list")
def list_(
    ctx: typer.Context,
    member: Annotated[
        Optional[str], typer.Option("--member", metavar="NAME", help="Only this member's chores (and pool chores).")
    ] = None,
    status: Annotated[
        Optional[str],
        typer.Option(
            "--status",
            metavar="open|pending|approved|archived|all",
            help="Only chores in this status (default: all but archived).",
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
    raw: RawOpt = False,
) -> None:
    """List chores: one row per assignee, with status and due date."""
    from chorectl.services import chores

    st = state(ctx)
    rows = chores.listing(st.uow(), today=local_date(now()), member=member, status=status)
    render.emit("chores", rows, fmt, currency=st.currency(), raw=raw)


@app.command("show")
def show(ctx: typer.Context, chore: ChoreArg, fmt: FormatOpt = Format.table, raw: RawOpt = False) -> None:
    """Show one chore: reward, schedule, assignees and their status."""
    from chorectl.services import chores

    st = state(ctx)
    found, rows = chores.show(st.uow(), chore, today=local_date(now()))
    currency = st.currency()
    if fmt is not Format.table:
        render.emit("chores", rows, fmt, currency=currency, raw=raw)
        return
    render.details(found, rows, currency)


@app.command("edit")
def edit(
    ctx: typer.Context,
    chore: ChoreArg,
    title: Annotated[Optional[str], typer.Option("--title", metavar="T", help="A new title.")] = None,
    reward: RewardOpt = None,
    due: DueOpt = None,
    note: Annotated[Optional[str], typer.Option("--note", metavar="TEXT", help='A new note ("" clears it).')] = None,
) -> None:
    """Change a chore's title, reward, due date or note. Parent command."""
    from chorectl.domain.money import parse_reward_spec
    from chorectl.errors import BadInput
    from chorectl.services import chores

    st = state(ctx)
    changes = chores.Changes(
        title=title,
        reward=parse_reward_spec(reward, currency=st.currency()) if reward is not None else None,
        due=parse_date(due, today=local_date(now())) if due else None,
        note=note,
    )
    if changes == chores.Changes():
        raise BadInput("nothing to change", hint="give --title, --reward, --due or --note")
    require_parent(ctx)
    found = chores.edit(st.uow(write=True), chore, changes)
    message(f"Updated chore {found.id}: {found.title}.")


@app.command("assign")
def assign(
    ctx: typer.Context,
    chores_: Annotated[list[str], typer.Argument(metavar="CHORE...", help="One or more chores.")],
    to: Annotated[
        str,
        typer.Option("--to", metavar="NAME[,NAME...]", help='Who does them from now on; "" makes them pool chores.'),
    ],
) -> None:
    """Give chores these assignees (replacing the old ones). Parent command."""
    from chorectl.services import chores

    require_parent(ctx)
    for chore, names in chores.assign(state(ctx).uow(write=True), chores_, split_names(to)):
        who = ", ".join(names) if names else "anyone (a pool chore)"
        message(f"Chore {chore.id} ({chore.title}): {who}.")


@app.command("remove")
def remove(ctx: typer.Context, chore: ChoreArg) -> None:
    """Archive a chore: its history stays. Parent command."""
    from chorectl.services import chores

    require_parent(ctx)
    found = chores.remove(state(ctx).uow(write=True), chore)
    message(f"Archived chore {found.id}: {found.title}.")
