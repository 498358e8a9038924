"""backup and restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chorectl.cli.state import message, require_parent, state
from chorectl.domain.dates import now

FileArg = Annotated[Path, typer.Argument(metavar="FILE", dir_okay=False, help="The backup file.")]


def backup(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", dir_okay=False, help="The backup file: a new name, or (with --force) a regular file."
        ),
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists and is a regular file.")] = False,
) -> None:
    """Copy the whole database to FILE, safely even while others write. No PIN needed.

    FILE is written whole or not at all. It must be a new name or a regular
    file: a symbolic link is refused (name the file it points to instead), and
    so are devices, pipes, the database itself, its -wal/-shm/-journal files
    and the PIN keyring file, even with --force.

    On a PostgreSQL household FILE is a SQLite copy of it, row for row, read
    in one snapshot: restore reads it, and copy moves it into a server again.
    The server's own backup is pg_dump (pg_dump -n SCHEMA DB, restored into
    an empty database with psql or pg_restore).
    """
    from chorectl.services import storage

    st = state(ctx)
    st.engine()  # the database exists and is ours
    storage.backup(st.db_path, file, force=force)
    message(f"Backed up {st.db_path} to {file}.")


def restore(ctx: typer.Context, file: FileArg) -> None:
    """Replace the database with a backup FILE. Parent command.

    FILE must be a chorectl database that passes SQLite's integrity check and
    has exactly the tables, indexes and triggers this chorectl makes; it is
    copied and checked first, upgraded if it is older, and only then put in
    place in one step. The replaced database is kept as a copy beside it.

    Where there is no database yet (a new machine), restore creates it. There
    is no live household whose PIN to check, and nothing is replaced: the
    restored household keeps its own PIN if the keyring holds it, or else
    takes a new one, asked twice on a terminal or from $CHORECTL_PIN.
    """
    from chorectl.services import auth, pins, storage

    st = state(ctx)
    storage.refuse_restore_onto_server(st.db_path, file)
    storage.inspect(file.expanduser())  # a clear error before the PIN is asked for
    if not st.db_path.exists() and not st.db_path.is_symlink():
        from chorectl.cli.household import ask_new_pin

        done = storage.restore_into_nothing(st.db_path, file, new_pin=lambda: ask_new_pin("CHORECTL_PIN"), now=now())
        message(f"Restored {st.db_path} from {file}; there was no database there before.")
        if done.kept_pin:
            message("The household keeps its parent PIN: the keyring still holds it.")
        else:
            message(f"The parent PIN is the one you just gave; its hash is kept in: {pins.describe(done.keyring)}.")
        return
    require_parent(ctx)
    done = storage.restore_over(st.db_path, file, auth.gate(st.uow()), now=now())
    message(f"Restored {st.db_path} from {file}; the replaced database is kept as {done.kept}.")
    if done.other_household:
        message(
            f"Note: the backup is of another household (id {done.household_id}); "
            "its parent PIN is the one you just gave, unless the keyring already held its own."
        )


def copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="PATH|URL",
            help="Where the copy goes: a new SQLite file, or an empty PostgreSQL database or schema,"
            " postgresql+psycopg://USER@HOST/DB (no password in it: PGPASSWORD, ~/.pgpass).",
        ),
    ],
) -> None:
    """Copy the household to another database: every row, balance and log entry. Parent command.

    Moves a household from its SQLite file into PostgreSQL (one household for
    several machines), or from PostgreSQL back into a SQLite file. The ids are
    kept, so the parent PIN in this machine's keyring opens the copy too; on
    another machine, join it there.

    The copy is one transaction on the target: it holds the whole household
    or nothing. A target that already holds a household, or any tables, is
    refused and left as it was; a SQLite target must be a new file (or an
    empty one). The copy's balances must equal the source's, to the cent, or
    nothing is copied. Its log ends with a line saying where it came from.
    The source is not changed.

    For a server's own backups use pg_dump; 'chorectl backup FILE' writes a
    household on PostgreSQL as a SQLite file.
    """
    from chorectl.cli import location
    from chorectl.services import storage

    st = state(ctx)
    target = location(to)
    st.engine()  # the source exists and is ours, of this schema
    storage.check_copy_target(st.db_path, target)  # a clear error before the PIN is asked for
    require_parent(ctx)
    done = storage.copy(st.uow(write=True), st.db_path, target, now=now())
    rows = done.rows
    message(
        f"Copied household {done.household_id} from {done.source} to {done.target}: {rows.get('member', 0)} members,"
        f" {rows.get('chore', 0)} chores, {rows.get('completion', 0)} completions,"
        f" {rows.get('ledger', 0)} ledger entries, {rows.get('audit', 0)} log lines."
    )
    if done.roles:
        parent, child = done.roles
        message(f"It has the database roles {parent} and {child}: give a login one (GRANT {child} TO ben;).")
    elif done.roles_refused:
        message(
            f"It has no database roles yet ({done.roles_refused}): the database owner can give them with"
            f" chorectl --db URL init --roles-sql | psql"
        )
    message(f"Use it with: --db {to} (or CHORECTL_DB); the source is unchanged.")
