"""backup and restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chorectl.cli.state import State, message, require_parent, state
from chorectl.domain.dates import now

FileArg = Annotated[Path, typer.Argument(metavar="FILE", dir_okay=False, help="The backup file.")]


def backup(
    ctx: typer.Context,
    file: FileArg,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Copy the whole database to FILE, safely even while others write. No PIN needed."""
    from chorectl.services import storage

    st = state(ctx)
    st.engine()  # the database exists and is ours
    storage.backup(st.db_path, file, force=force)
    message(f"Backed up {st.db_path} to {file}.")


def restore(ctx: typer.Context, file: FileArg) -> None:
    """Replace the database with a backup FILE. Parent command.

    FILE must be a chorectl database that passes SQLite's integrity check; the
    replaced database is kept as a copy beside it.
    """
    from chorectl.services import auth, storage

    st = state(ctx)
    candidate = storage.inspect(file)
    require_parent(ctx)
    before = auth.gate(st.uow()).household_id
    kept = storage.restore(st.db_path, candidate)
    fresh = State(db=st.db_path)  # reopen: upgrade the restored file if it is older
    auth.record(fresh.uow(write=True), "restore", f"from {file}; the replaced database is kept as {kept}", now=now())
    message(f"Restored {st.db_path} from {file}; the replaced database is kept as {kept}.")
    if candidate.household_id != before:
        message(
            "Note: the backup is of another household; its parent PIN is the one kept for "
            f"household {candidate.household_id}."
        )
