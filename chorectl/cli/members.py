"""chorectl member ...: the people in the household."""

from __future__ import annotations

from typing import Annotated

import typer

from chorectl.cli import complete, render
from chorectl.cli.app import new_app
from chorectl.cli.options import Format, FormatOpt, MemberArg, RawOpt
from chorectl.cli.state import message, require_parent, state
from chorectl.domain.dates import now
from chorectl.services.rows import MemberRow

app = new_app("member", "Add, list, rename, remove and restore members (parents and children).")


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The new member's name.")],
    parent: Annotated[bool, typer.Option("--parent/--child", help="A parent or a child (default: child).")] = False,
) -> None:
    """Add a member. Parent command.

    Names are unique in any case among all members, archived ones included
    (restore or rename an archived member to reuse theirs), and never only
    digits: digits name a member by id.
    """
    from chorectl.services import members

    require_parent(ctx)
    member = members.add(state(ctx).uow(write=True), name, "parent" if parent else "child", now=now())
    message(f"Added {member.role} {member.name} (id {member.id}).")


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: FormatOpt = Format.table,
    raw: RawOpt = False,
    all_: Annotated[bool, typer.Option("--all", help="Archived members too (active: false).")] = False,
) -> None:
    """List members with their ids and balances; archived ones with --all."""
    from chorectl.services import members

    st = state(ctx)
    everyone = members.listing(st.uow(), include_archived=True)
    rows = everyone if all_ else [row for row in everyone if row.active]
    render.emit(MemberRow, rows, fmt, currency=st.currency(), raw=raw)
    hidden = len(everyone) - len(rows)
    if hidden and fmt is Format.table:
        who = "1 archived member is" if hidden == 1 else f"{hidden} archived members are"
        message(f"{who} not shown: chorectl member list --all")


@app.command("rename")
def rename(
    ctx: typer.Context,
    name: MemberArg,
    new_name: Annotated[str, typer.Argument(metavar="NEW_NAME", help="The new name.")],
) -> None:
    """Rename a member; their history follows them. Parent command.

    Works on an archived member too, to free their name for someone new.
    """
    from chorectl.services import members

    require_parent(ctx)
    old, member = members.rename(state(ctx).uow(write=True), name, new_name, now=now())
    message(f"Renamed {old} to {member.name}.")


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: MemberArg,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Archive even with a balance, completions or reward requests waiting for approval."
        ),
    ] = False,
) -> None:
    """Archive a member: their history and ledger stay. Parent command.

    Refused while they are owed money (or owe it) or have completions or
    reward requests waiting for approval: pay or review those first, or use
    --force (which turns their reward requests down). Their chores lose them
    as assignee; a chore left with nobody becomes a pool chore.
    """
    from chorectl.services import members

    require_parent(ctx)
    st = state(ctx)
    removed = members.remove(st.uow(write=True), name, now=now(), force=force)
    message(f"Archived {removed.member.name}; their history and ledger stay.")
    for title in removed.orphaned:
        message(f"Note: {title!r} has no assignee now, so any child may do it.")
    if removed.balance:
        from chorectl.domain.money import format_money

        owed = format_money(removed.balance, st.currency())
        settle = "chorectl pay" if removed.balance > 0 else "chorectl adjust"
        message(f"Note: {removed.member.name}'s balance is {owed}; settle it with: {settle} {removed.member.id} ...")
    if removed.pending:
        waits = "waits" if removed.pending == 1 else "wait"
        message(f"Note: {removed.pending} of their completions still {waits} in 'chorectl approvals'.")


@app.command("restore")
def restore(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="An archived member's name (any case) or id.", autocompletion=complete.archived
        ),
    ],
) -> None:
    """Bring an archived member back, with their history and balance. Parent command.

    Their old chores are not given back: assign them again with chorectl chore assign.
    """
    from chorectl.domain.money import format_money
    from chorectl.services import members

    require_parent(ctx)
    st = state(ctx)
    back = members.restore(st.uow(write=True), name, now=now())
    member = back.member
    message(
        f"Restored {member.role} {member.name} (id {member.id}); balance {format_money(back.balance, st.currency())}."
    )
    if member.role == "child":
        message(
            f"Note: their chores were not given back; assign them with: chorectl chore assign CHORE... --to {member.id}"
        )
    if back.pending:
        waits = "waits" if back.pending == 1 else "wait"
        message(f"Note: {back.pending} of their completions {waits} in 'chorectl approvals'.")
