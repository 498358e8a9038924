"""undo: the household's last parent action put back (undo --list: what can be)."""

from __future__ import annotations

from typing import Annotated

import typer

from chorectl.cli import render
from chorectl.cli.options import Format, FormatOpt, RawOpt, whole
from chorectl.cli.state import message, require_parent, state
from chorectl.domain.dates import now
from chorectl.services.rows import UndoRow


def undo(
    ctx: typer.Context,
    line: Annotated[
        int | None,
        typer.Argument(
            metavar="ID",
            parser=whole(1, count=False),
            show_default=False,
            help="The action's id in 'undo --list' (its line in 'chorectl log'). Default: the newest not undone yet.",
        ),
    ] = None,
    listing: Annotated[
        bool, typer.Option("--list", help="Show the recent actions that can be undone, newest first. No PIN needed.")
    ] = False,
    fmt: FormatOpt = Format.table,
    raw: RawOpt = False,
) -> None:
    """Undo the household's last parent action, or action ID. Parent command.

    Approvals, rejections, payments, adjustments and member and chore changes
    can be undone, one at a time, newest first; money goes back by a reversal
    entry on the ledger. An undo is a line in the log; it cannot be undone itself.
    """
    from chorectl.errors import BadInput
    from chorectl.services import undo as undo_service

    st = state(ctx)
    if listing:
        if line is not None:
            raise BadInput("--list shows the actions; it takes no ID", hint="undo one: chorectl undo ID")
        title = "Can be undone, newest first"
        render.emit(UndoRow, undo_service.undoable(st.uow()), fmt, currency=st.currency(), raw=raw, title=title)
        return
    for name, opt in (("fmt", "--format"), ("raw", "--raw")):
        if ctx.get_parameter_source(name).name != "DEFAULT":
            raise BadInput(f"{opt} goes with --list", hint="chorectl undo --list -f csv")
    require_parent(ctx)
    done = undo_service.undo(st.uow(write=True), line, now=now())
    message(f"Undid line {done.line} ({done.action}): {done.what}.")
