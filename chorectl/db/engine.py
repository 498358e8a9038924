"""Opening a database: its backend's engine, and a schema that is chorectl's, of this version.

What a backend does its own way (the file, the connection's settings, the
write lock, the guards, the version stamp) is behind :mod:`chorectl.db.dialect`;
this module decides: create the schema on a new database, upgrade an older
one (a safety copy first), refuse one that is not ours or too new.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from chorectl.db import dialect
from chorectl.db.migrations import LATEST as SCHEMA_VERSION
from chorectl.errors import StorageError

APPLICATION_ID = 0x43484F52  # "CHOR": marks the database as chorectl's (see Dialect.write_stamp)


def make_engine(path: Path | str, *, create: bool = True) -> Engine:
    """An engine for the database at *path*. Any name is a file name: never a URI, never ``:memory:``.

    With *create* false a missing database is refused (:class:`NotFound`, exit 1)
    and nothing is made: no folder, no file, no journal. Only ``init``
    creates the database; a typo in ``--db`` or ``CHORECTL_DB`` must not
    quietly start an empty household (a cron job would never notice).
    """
    return dialect.at(path).make_engine(path, create=create)


def memory_engine() -> Engine:
    """An engine on a private in-memory database, for tests and the reference schema; never a file."""
    return dialect.at().memory_engine()


@dataclass(frozen=True)
class Upgrade:
    """An older database was upgraded on opening: from which version, and where its copy is."""

    from_version: int
    to_version: int
    backup: Path | None


def ensure_schema(engine: Engine, path: Path | None = None) -> Upgrade | None:
    """Create the schema on a new file, upgrade an older one, refuse one that is not ours or too new.

    *path* is the file, for the safety copy taken before an upgrade. Raises
    :class:`StorageError` (exit 1) for anything the file or folder does wrong.
    """
    backend = dialect.of(engine)
    try:
        return _ensure_schema(engine, backend, path)
    except sa_exc.DBAPIError as exc:
        raise backend.translate_error(exc) from None


def _ensure_schema(engine: Engine, backend: dialect.Dialect, path: Path | None) -> Upgrade | None:
    from chorectl.db import models  # noqa: F401  (registers the tables)

    with engine.connect() as conn:
        stamp = backend.read_stamp(conn)
        if stamp.app_id == APPLICATION_ID and stamp.version == SCHEMA_VERSION:
            conn.rollback()
            return None
    _check_identity(stamp)
    backup = None
    # An upgrade is due: keep the file as it is first. A server's upgrade is one transaction,
    # DDL included, so a failed one changes nothing there, and there is no file to copy.
    if stamp.has_tables and path is not None and not backend.SHARED:
        from chorectl.db.copies import beside

        backup = beside(path, f"schema{stamp.version}")  # a name of our own, even when others race us
        backend.backup(path, backup)
    try:
        upgraded = _create_or_upgrade(engine, backend, backup)
    except BaseException as exc:
        if backup is not None:
            backup.unlink(missing_ok=True)  # nothing was changed: the copy would only pile up
        translated = backend.translate_error(exc) if isinstance(exc, sa_exc.DBAPIError) else None
        if stamp.has_tables and translated is not None:
            raise _not_upgraded(translated, stamp.version) from None
        raise
    if upgraded is None and backup is not None:
        backup.unlink(missing_ok=True)  # another process upgraded it first; its copy stays
    backend.tune(engine)
    return upgraded


def _create_or_upgrade(engine: Engine, backend: dialect.Dialect, backup: Path | None) -> Upgrade | None:
    upgraded = None
    with dialect.writing(engine.connect()) as conn:
        with conn.begin():
            stamp = backend.read_stamp(conn)  # again, under the write lock
            _check_identity(stamp)
            if not stamp.has_tables:
                create_schema(conn)
            elif stamp.version < SCHEMA_VERSION:
                from chorectl.db.migrations import upgrade

                upgrade(conn, stamp.version)
                # Every version had the guards: an old file without them, or with altered
                # ones, was changed outside chorectl and is refused, not repaired.
                _refuse_other_schema(conn)  # in the transaction: a damaged file stays as it was
                backend.after_upgrade(conn)
                upgraded = Upgrade(stamp.version, SCHEMA_VERSION, backup)
                backend.write_stamp(conn, version=SCHEMA_VERSION)
            else:
                backend.write_stamp(conn, version=SCHEMA_VERSION)
    return upgraded


def create_schema(conn) -> None:
    """A new household's schema on *conn*, an empty database, in the caller's write transaction:
    the tables, the backend's guards, and the stamp "a chorectl database, schema N".

    ``copy`` (:mod:`chorectl.db.transfer`) makes it in the same transaction as the rows it copies.
    """
    from sqlmodel import SQLModel

    from chorectl.db import models  # noqa: F401  (registers the tables)

    backend = dialect.of(conn)
    SQLModel.metadata.create_all(conn)
    backend.install_guards(conn)
    backend.write_stamp(conn, version=SCHEMA_VERSION, app_id=APPLICATION_ID)


def _not_upgraded(error: Exception, version: int) -> Exception:
    """Why an upgrade failed in the database, saying it was one: any command, a read like
    ``ledger`` too, upgrades an older file first, and "the database cannot be written"
    alone would not say why a read had to write."""
    from chorectl.errors import LoginDenied

    if isinstance(error, LoginDenied):  # only the database's owner may change its tables
        return StorageError(
            f"the database (schema {version}) must be upgraded to schema {SCHEMA_VERSION} by its owner"
            f" before this login can use it ({error.reason})",
            hint="run any chorectl command once as the database's owner (the login that ran init); nothing was changed",
        )
    if not isinstance(error, StorageError):
        return error
    return StorageError(
        f"the database (schema {version}) must be upgraded to schema {SCHEMA_VERSION} before use,"
        f" and that failed: {error.message}",
        hint=error.hint
        or "chorectl upgrades an older database once, on first use: it must be able to write the file and its"
        " folder then (the file was not changed)",
    )


def _refuse_other_schema(conn) -> None:
    """After an upgrade, the file must have exactly the schema a new one gets (see chorectl.db.schema)."""
    from chorectl.db import schema

    found = schema.differences(conn)
    if found:
        raise StorageError(
            f"this database's tables, indexes or triggers are not the ones chorectl makes: {schema.summary(found)}",
            hint="the file was not changed; it was altered outside chorectl: put a backup in its place",
        )


def _check_identity(stamp: dialect.Stamp) -> None:
    if not stamp.has_tables and stamp.app_id == 0:
        return  # a new, empty file
    if stamp.app_id != APPLICATION_ID:
        raise StorageError("this file is not a chorectl database", hint="check --db / CHORECTL_DB")
    if stamp.version > SCHEMA_VERSION:
        raise StorageError(
            f"this database was written by a newer chorectl (schema {stamp.version}; this one knows {SCHEMA_VERSION})",
            hint="upgrade chorectl; the file was not touched",
        )
    if stamp.version < 1:
        raise StorageError(f"this chorectl database has no schema version ({stamp.version}); it cannot be upgraded")
