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

    Where there is no database yet (a new machine), restore creates it. There
    is no live household whose PIN to check, and nothing is replaced: the
    restored household keeps its own PIN if the keyring holds it, or else
    takes a new one, asked twice on a terminal or from $CHORECTL_PIN.
    """
    import tempfile

    from chorectl.db.engine import make_engine
    from chorectl.security import keystore, session
    from chorectl.services import auth, storage
    from chorectl.services.uow import UnitOfWork

    st = state(ctx)
    storage.inspect(file.expanduser())  # a clear error before the PIN is asked for
    if not st.db_path.exists() and not st.db_path.is_symlink():
        _restore_into_nothing(st.db_path, file)
        return
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


def _restore_into_nothing(db: Path, file: Path) -> None:
    """Restore FILE where no database exists: a new machine, or a database file that was lost.

    Nothing is replaced, so no live household's PIN stands in the way, and none
    is checked: a check with nowhere to count wrong PINs would be a guessing
    oracle without a lockout. The restored household keeps the PIN the keyring
    holds for it (the same machine: the parents' PIN), or, with no entry there
    (a new machine), takes a new PIN given as init takes one. Either way the
    PIN is bound to the keyring it is in, and the restore is in the log.
    """
    import tempfile

    from chorectl.cli.household import ask_new_pin
    from chorectl.db.engine import make_engine, prepare_folder
    from chorectl.security import keystore
    from chorectl.security.pin import hash_pin
    from chorectl.services import auth, storage
    from chorectl.services.uow import UnitOfWork

    candidate = storage.inspect(file.expanduser())
    kind, owner = candidate.keyring, candidate.household_id
    location = keystore.where(kind)  # exit 3 now if that keyring cannot be reached here
    kept_pin = bool(keystore.has_entry(kind, owner))
    hashed = keystore.get_hash(kind, owner) if kept_pin else hash_pin(ask_new_pin("CHORECTL_PIN"))
    here = auth.Binding(location, keystore.fingerprint(owner, hashed))
    created = prepare_folder(db)
    try:
        with tempfile.TemporaryDirectory(prefix="chorectl-restore-", dir=db.parent) as work:
            candidate = storage.stage(file, Path(work))
            staged = make_engine(candidate.path)
            auth.adopt(UnitOfWork(staged, write=True), keyring=kind, here=here, now=now(), detail=f"from {file}")
            staged.dispose()
            if not kept_pin:
                keystore.set_hash(kind, owner, hashed)
            storage.restore_new(db, candidate)
    except BaseException:
        for folder in reversed(created):  # made for it and still empty: a failed command leaves nothing
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    message(f"Restored {db} from {file}; there was no database there before.")
    if kept_pin:
        message("The household keeps its parent PIN: the keyring still holds it.")
    else:
        message(f"The parent PIN is the one you just gave; its hash is kept in: {keystore.describe(kind)}.")
