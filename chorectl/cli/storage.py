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
    """
    import tempfile

    from chorectl.db.engine import make_engine
    from chorectl.security import keystore, session
    from chorectl.services import auth, storage
    from chorectl.services.uow import UnitOfWork

    st = state(ctx)
    storage.inspect(file.expanduser())  # a clear error before the PIN is asked for
    require_parent(ctx)
    current = auth.gate(st.uow())
    with tempfile.TemporaryDirectory(prefix="chorectl-restore-", dir=st.db_path.parent) as work:
        candidate = storage.stage(file, Path(work))  # checked, upgraded; nothing live is touched yet
        staged = make_engine(candidate.path)
        # The restored household keeps the PIN that was just checked, bound to where it lives now.
        # A backup of another household (a new machine, a recreated database) gets it too,
        # unless its own is still in the keyring.
        hashed = keystore.get_hash(current.keyring, current.household_id)
        kind, owner = current.keyring, current.household_id
        if candidate.household_id != current.household_id:
            if keystore.has_entry(candidate.keyring, candidate.household_id):
                kind, owner = candidate.keyring, candidate.household_id
                hashed = keystore.get_hash(kind, owner)
            else:
                keystore.set_hash(candidate.keyring, candidate.household_id, hashed)
                kind, owner = candidate.keyring, candidate.household_id
        here = auth.Binding(keystore.where(kind), keystore.fingerprint(owner, hashed))
        auth.adopt(UnitOfWork(staged, write=True), keyring=kind, here=here, now=now(), detail=f"from {file}")
        staged.dispose()
        kept = storage.restore(st.db_path, candidate)
    session.end(current.household_id)
    message(f"Restored {st.db_path} from {file}; the replaced database is kept as {kept}.")
    if candidate.household_id != current.household_id:
        message(
            f"Note: the backup is of another household (id {candidate.household_id}); "
            "its parent PIN is the one you just gave, unless the keyring already held its own."
        )
