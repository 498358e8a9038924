"""backup and restore: whole-database copies, checked before anything is replaced."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from chorectl.db import dialect
from chorectl.db.copies import beside
from chorectl.db.engine import APPLICATION_ID, SCHEMA_VERSION, ensure_schema, make_engine
from chorectl.errors import ChorectlError, InvalidState, NotFound, StorageError
from chorectl.services.targets import check_target


def backup(db: Path | str, target: Path, *, force: bool = False) -> None:
    """Copy the database *db* to *target*: a new name, or with *force* an existing regular file
    (never a link, a device, the database, its journals or the PIN keyring: see :mod:`.targets`).
    A server's household is written as a SQLite file, row for row (see :func:`copy`)."""
    target = check_target(target, db=db, what="backup")
    if target.exists() and not force:
        raise InvalidState(f"{target} exists already", hint="choose another name, or add --force to replace it")
    dialect.at(db).backup(db, target)


@dataclass(frozen=True)
class Candidate:
    path: Path
    household_id: str
    schema: int
    keyring: str = "system"


def inspect(path: Path, *, name: Path | None = None) -> Candidate:
    """Make sure *path* is a sound chorectl database before anything is replaced with it.

    Sound: a chorectl database of a schema version this chorectl reads, that
    passes its engine's integrity check and, when it is of this version, has exactly
    the tables, columns, indexes and triggers this chorectl makes (an older one
    is compared after :func:`stage` upgrades it). *name* is how errors call it.
    """
    path = path.expanduser()
    name = name or path
    if not path.is_file():
        raise NotFound(f"no file {name}")
    backend = dialect.at(path)
    if not backend.is_database_file(path):
        raise InvalidState(f"{name} is not a chorectl backup (not {backend.A_DATABASE})")
    with backend.reading(path, name) as con:
        stamp = backend.read_stamp(con)
        if stamp.app_id != APPLICATION_ID:
            raise InvalidState(f"{name} is {backend.A_DATABASE}, but not a chorectl one")
        if not 1 <= stamp.version <= SCHEMA_VERSION:
            raise InvalidState(f"{name} has schema {stamp.version}; this chorectl reads 1 to {SCHEMA_VERSION}")
        problems = backend.integrity_problems(con)
        if problems:
            raise InvalidState(f"{name} fails {backend.NAME}'s integrity check: {'; '.join(problems[:3])}")
        if stamp.version == SCHEMA_VERSION:
            _refuse_other_schema(con, name)
        keyring = "keyring" if "keyring" in backend.columns(con, "household") else "'system'"
        row = next(iter(backend.rows(con, f"SELECT id, {keyring} FROM household")), None)
    if row is None:
        raise InvalidState(f"{name} holds no household")
    return Candidate(path, row[0], stamp.version, row[1] or "system")


def _refuse_other_schema(con, name: Path) -> None:
    from chorectl.db import schema

    found = schema.differences(con)
    if found:
        raise InvalidState(
            f"{name} does not have the tables, indexes and triggers this chorectl makes: {schema.summary(found)}",
            hint="the file was changed outside chorectl; restore another backup (the database was not changed)",
        )


def stage(path: Path, work: Path) -> Candidate:
    """Copy *path* into the private folder *work*, check the copy, and upgrade it if it is older.

    Everything after this reads the copy, never *path* again, so a file swapped
    in while the parent types the PIN cannot slip past the checks. (The caller
    inspects *path* itself first, for a clear error before asking for the PIN.)
    The copy that comes back has this chorectl's schema, compared in full.
    """
    path = path.expanduser()
    if not path.is_file():
        raise NotFound(f"no file {path}")
    staged = work / "restore.db"
    dialect.at(path).backup(path, staged)
    candidate = inspect(staged, name=path)
    if candidate.schema < SCHEMA_VERSION:
        engine = make_engine(staged)
        try:
            ensure_schema(engine)  # an upgrade ends by comparing the schema with a new file's
        except ChorectlError as exc:
            raise InvalidState(
                f"{path} cannot be restored: {exc.message}", hint="the database was not changed"
            ) from None
        finally:
            engine.dispose()
        candidate = replace(candidate, schema=SCHEMA_VERSION)
    return candidate


def restore(db: Path, candidate: Candidate) -> Path:
    """Replace the database at *db* with *candidate* (a staged, checked, up-to-date copy),
    keeping the replaced one beside it; returns that copy."""
    backend = dialect.at(db)
    kept = beside(db, "before-restore")
    backend.backup(db, kept)
    try:
        backend.restore(candidate.path, db)
    except backend.Error as exc:
        raise StorageError(
            f"the restore failed and nothing was replaced ({exc})",
            hint=f"the database is as it was; a copy is at {kept}",
        ) from None
    return kept


# ---------------------------------------------------------------- the use cases


@dataclass(frozen=True)
class Restored:
    """What a restore did: where the replaced database is kept (None: there was none),
    the restored household's id, and whether it kept the PIN its keyring already held."""

    kept: Path | None
    household_id: str
    other_household: bool
    kept_pin: bool
    keyring: str


def _adopt_staged(candidate: Candidate, *, keyring: str, here, now, detail: str) -> None:
    """Bind the staged copy to the PIN it will open with, and log the restore in it."""
    from chorectl.services import auth
    from chorectl.services.uow import UnitOfWork

    staged = make_engine(candidate.path)
    try:
        auth.adopt(UnitOfWork(staged, write=True), keyring=keyring, here=here, now=now, detail=detail)
    finally:
        staged.dispose()


def check_copy_target(db: Path | str, target: Path | str) -> None:
    """Refuse a target ``copy`` would refuse (taken, protected, not empty), before the PIN is asked for."""
    from chorectl.db.transfer import refuse_taken

    if not dialect.is_url(target):
        target = check_target(Path(target), db=db, what="copy")
    refuse_taken(target)


def refuse_restore_onto_server(db: Path | str, file: Path) -> None:
    """restore replaces a file: a server's household is refused, with the way there (``copy``)."""
    if dialect.is_url(db):
        dialect.at(db).restore(file, db)  # a server's backend refuses, and says what to do instead
        raise InvalidState("restore replaces a database file; this household is on a server")


def restore_over(db: Path, file: Path, current, *, now) -> Restored:
    """Replace the household at *db* with the backup *file*; the PIN gate has let a parent through.

    *current* is that household's :class:`~chorectl.services.auth.Gate`. The
    restored household keeps the PIN that was just checked, bound to where it
    lives now; a backup of another household (a new machine, a recreated
    database) gets it too, unless its own is still in the keyring.
    """
    import tempfile

    from chorectl.security import keystore, session
    from chorectl.services import auth

    with tempfile.TemporaryDirectory(prefix="chorectl-restore-", dir=db.parent) as work:
        candidate = stage(file, Path(work))  # checked, upgraded; nothing live is touched yet
        hashed = keystore.get_hash(current.keyring, current.household_id)
        kind, owner = current.keyring, current.household_id
        kept_pin = False
        if candidate.household_id != current.household_id:
            kind, owner = candidate.keyring, candidate.household_id
            if keystore.has_entry(kind, owner):
                kept_pin, hashed = True, keystore.get_hash(kind, owner)
            else:
                keystore.set_hash(kind, owner, hashed)
        here = auth.Binding(keystore.where(kind), keystore.fingerprint(owner, hashed))
        _adopt_staged(candidate, keyring=kind, here=here, now=now, detail=f"from {file}")
        kept = restore(db, candidate)
    session.end(current.household_id)
    return Restored(kept, candidate.household_id, candidate.household_id != current.household_id, kept_pin, kind)


def restore_into_nothing(db: Path, file: Path, *, new_pin, now) -> Restored:
    """Restore *file* where no database exists: a new machine, or a database file that was lost.

    Nothing is replaced, so no live household's PIN stands in the way, and none
    is checked: a check with nowhere to count wrong PINs would be a guessing
    oracle without a lockout. The restored household keeps the PIN the keyring
    holds for it (the same machine: the parents' PIN), or, with no entry there
    (a new machine), takes the PIN *new_pin()* gives. Either way the PIN is
    bound to the keyring it is in, and the restore is in the log.
    """
    import tempfile

    from chorectl.security import keystore
    from chorectl.security.pin import hash_pin
    from chorectl.services import auth

    backend = dialect.at(db)
    backend.refuse_leftovers(db)
    candidate = inspect(file.expanduser())
    kind, owner = candidate.keyring, candidate.household_id
    location = keystore.where(kind)  # exit 3 now if that keyring cannot be reached here
    kept_pin = bool(keystore.has_entry(kind, owner))
    hashed = keystore.get_hash(kind, owner) if kept_pin else hash_pin(new_pin())
    here = auth.Binding(location, keystore.fingerprint(owner, hashed))
    created = backend.prepare_folder(db)
    try:
        with tempfile.TemporaryDirectory(prefix="chorectl-restore-", dir=db.parent) as work:
            candidate = stage(file, Path(work))
            _adopt_staged(candidate, keyring=kind, here=here, now=now, detail=f"from {file}")
            if not kept_pin:
                keystore.set_hash(kind, owner, hashed)
            backend.restore_new(candidate.path, db)  # never over a file that appeared meanwhile
    except BaseException:
        for folder in reversed(created):  # made for it and still empty: a failed command leaves nothing
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    return Restored(None, owner, False, kept_pin, kind)


# ---------------------------------------------------------------- moving a household


@dataclass(frozen=True)
class CopyDone:
    """What ``copy`` did: the household, where it came from and went (as the log names them), rows per table."""

    household_id: str
    source: str
    target: str
    rows: dict[str, int]
    roles: tuple[str, str] | None = None  # on a server: the parent and child roles it was given
    roles_refused: str | None = None  # ... or why this login could not give them (the copy stands)


def copy(uow, db: Path | str, target: Path | str, *, now) -> CopyDone:
    """Copy the household at *db* (its unit of work *uow*, for who is acting) to *target*: a new or
    empty SQLite file, or an empty PostgreSQL database or schema. The PIN gate has let a parent through.

    Every row of every table, ids kept, in one transaction on the target, which holds the whole
    household or nothing (:mod:`chorectl.db.transfer`); its log ends with a line saying where it
    came from. The PIN's hash stays where it is, in this machine's keyring under the household's
    id, so the same PIN opens the copy here.
    """
    from chorectl.db.transfer import Note, copy_household
    from chorectl.domain.text import printable
    from chorectl.services.audit import acting_parent

    if not dialect.is_url(target):
        target = check_target(Path(target), db=db, what="copy")
    with uow:
        actor = acting_parent(uow.session, uow.member)
    source = dialect.at(db).display(db)
    where = dialect.at(target).display(target)
    note = Note(at=now, actor=actor, action="copy", detail=printable(f"from {source}"))
    copied = copy_household(db, target, note=note)
    done = CopyDone(copied.household_id, source, where, dict(copied.rows))
    from chorectl.services import roles

    if not roles.has_roles(target):
        return done
    # On a server the copy gets its parent and child roles, as init gives a new household.
    from chorectl.errors import Denied
    from chorectl.services.uow import UnitOfWork

    engine = make_engine(target, create=False)
    try:
        given = roles.setup(UnitOfWork(engine, write=True, actor=actor), now=now)
    except Denied as exc:
        return replace(done, roles_refused=exc.message)
    finally:
        engine.dispose()
    return replace(done, roles=(given.parent, given.child))
