"""Opening the SQLite file: permissions, pragmas, schema version, write locks."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from chorectl.db.migrations import LATEST as SCHEMA_VERSION
from chorectl.errors import InvalidState, NotFound, StorageError

APPLICATION_ID = 0x43484F52  # "CHOR": marks the file as a chorectl database
BUSY_TIMEOUT_MS = 15_000
MISSING_HINT = "run 'chorectl init' to create it, or check --db / CHORECTL_DB"

# The ledger is append-only, and ledger_total is its running sum per member and kind.
# Created with a new file; doctor, restore and upgrades compare them (chorectl.db.schema).
TRIGGERS = (
    """CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
       BEGIN SELECT RAISE(ABORT, 'ledger entries are never edited; add a reversing entry'); END""",
    """CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
       BEGIN SELECT RAISE(ABORT, 'ledger entries are never deleted; add a reversing entry'); END""",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER ledger_total_add AFTER INSERT ON ledger
       BEGIN
         INSERT INTO ledger_total (member_id, kind, total, entries)
         VALUES (NEW.member_id, NEW.kind, NEW.amount, 1)
         ON CONFLICT (member_id, kind)
         DO UPDATE SET total = total + NEW.amount, entries = entries + 1;
       END""",
)


def prepare_file(path: Path) -> None:
    """Create the folder (0700) and the file (0600) if missing; never loosen an existing one."""
    folder = path.parent
    try:
        if not folder.exists():
            folder.mkdir(mode=0o700, parents=True)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
    except FileExistsError:
        pass  # another process created it first
    except OSError as exc:
        raise StorageError(f"cannot create the database at {path}: {exc.strerror}") from None
    if path.is_dir():
        raise StorageError(f"{path} is a folder, not a database file")


def prepare_folder(path: Path) -> list[Path]:
    """Create the folders of the file *path* (0700) that are missing; returns them, outermost first."""
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()][::-1]
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the folder {path.parent}: {exc.strerror}") from None
    return missing


def refuse_missing(path: Path) -> None:
    """Refuse a database file that does not exist, naming it; create nothing."""
    if path.is_dir():
        raise StorageError(f"{path} is a folder, not a database file", hint="check --db / CHORECTL_DB")
    if not path.exists():
        raise NotFound(f"there is no chorectl database at {path.absolute()}", hint=MISSING_HINT)
    try:
        empty = path.stat().st_size == 0
    except OSError:
        return  # opening it says what is wrong
    if empty:  # truncated, or touched: never quietly a new, empty household
        raise StorageError(
            f"the database file {path.absolute()} is empty (0 bytes)",
            hint="restore a backup (chorectl restore FILE), or remove it and run 'chorectl init'",
        )


def _on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (see _on_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: durable at checkpoint, never corrupt
    cur.close()


def _on_begin(conn) -> None:
    mode = conn.get_execution_options().get("chorectl_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(path: Path | str, *, create: bool = True) -> Engine:
    """An engine for the file *path*. Any name is a file name: never a URI, never ``:memory:``.

    With *create* false a missing file is refused (:class:`NotFound`, exit 1)
    and nothing is made: no folder, no file, no ``-wal`` or ``-shm``. Only
    ``init`` creates the database; a typo in ``--db`` or ``CHORECTL_DB`` must
    not quietly start an empty household (a cron job would never notice).
    """
    from chorectl.db.uri import file_uri

    path = Path(path)
    if create:
        prepare_file(path)
    else:
        refuse_missing(path)
    # A creator, not a "sqlite:///path" URL, and an escaped URI of the absolute path, not the
    # name as given: SQLite reads "file:x.db" as a URI (opening x.db) and ":memory:" as no file.
    # mode=rw when not creating: a file removed after the check is not made again by SQLite.
    uri = file_uri(path, mode="rwc" if create else "rw")
    engine = create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000), poolclass=NullPool
    )
    _listen(engine)
    return engine


def memory_engine() -> Engine:
    """An engine on a private in-memory database, for tests and the reference schema; never a file."""
    from sqlalchemy.pool import StaticPool

    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    _listen(engine)
    return engine


def _listen(engine: Engine) -> None:
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)


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
    try:
        return _ensure_schema(engine, path)
    except sa_exc.DBAPIError as exc:
        raise translate_db_error(exc) from None


def _ensure_schema(engine: Engine, path: Path | None) -> Upgrade | None:
    from chorectl.db import models  # noqa: F401  (registers the tables)

    with engine.connect() as conn:
        app_id, version, has_tables = _identity(conn)
        if app_id == APPLICATION_ID and version == SCHEMA_VERSION:
            conn.rollback()
            return None
    _check_identity(app_id, version, has_tables)
    backup = None
    if has_tables and path is not None:  # an upgrade is due: keep the file as it is first
        from chorectl.db.copies import beside, copy_database

        backup = beside(path, f"schema{version}")  # a name of our own, even when others race us
        copy_database(path, backup)
    try:
        upgraded = _create_or_upgrade(engine, backup)
    except BaseException:
        if backup is not None:
            backup.unlink(missing_ok=True)  # nothing was changed: the copy would only pile up
        raise
    if upgraded is None and backup is not None:
        backup.unlink(missing_ok=True)  # another process upgraded it first; its copy stays
    _use_wal(engine)
    return upgraded


def _create_or_upgrade(engine: Engine, backup: Path | None) -> Upgrade | None:
    upgraded = None
    with engine.connect().execution_options(chorectl_begin="IMMEDIATE") as conn:
        with conn.begin():
            app_id, version, has_tables = _identity(conn)  # again, under the write lock
            _check_identity(app_id, version, has_tables)
            if not has_tables:
                from sqlmodel import SQLModel

                SQLModel.metadata.create_all(conn)
                for trigger in TRIGGERS:
                    conn.exec_driver_sql(trigger)
                conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            elif version < SCHEMA_VERSION:
                from chorectl.db.migrations import upgrade

                upgrade(conn, version)
                # Every version had the triggers: an old file without them, or with altered
                # ones, was changed outside chorectl and is refused, not repaired.
                _refuse_other_schema(conn)  # in the transaction: a damaged file stays as it was
                upgraded = Upgrade(version, SCHEMA_VERSION, backup)
            conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return upgraded


def _refuse_other_schema(conn) -> None:
    """After an upgrade, the file must have exactly the schema a new one gets (see chorectl.db.schema)."""
    from chorectl.db import schema

    found = schema.differences(conn)
    if found:
        raise StorageError(
            f"this database's tables, indexes or triggers are not the ones chorectl makes: {schema.summary(found)}",
            hint="the file was not changed; it was altered outside chorectl: put a backup in its place",
        )


def _use_wal(engine: Engine) -> None:
    """WAL lets readers go on while one process writes; it is a property of the file."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() not in ("wal", "memory"):
            cur.execute("PRAGMA journal_mode = WAL")
        cur.close()
    finally:
        raw.close()


def _identity(conn) -> tuple[int, int, bool]:
    app_id = conn.exec_driver_sql("PRAGMA application_id").scalar()
    version = conn.exec_driver_sql("PRAGMA user_version").scalar()
    has_tables = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'table'")).scalar()
    return int(app_id), int(version), bool(has_tables)


def _check_identity(app_id: int, version: int, has_tables: bool) -> None:
    if not has_tables and app_id == 0:
        return  # a new, empty file
    if app_id != APPLICATION_ID:
        raise StorageError("this file is not a chorectl database", hint="check --db / CHORECTL_DB")
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"this database was written by a newer chorectl (schema {version}; this one knows {SCHEMA_VERSION})",
            hint="upgrade chorectl; the file was not touched",
        )
    if version < 1:
        raise StorageError(f"this chorectl database has no schema version ({version}); it cannot be upgraded")


def translate_db_error(exc: BaseException) -> Exception | None:
    """Turn a driver error into one line a person can act on; None if it is not one."""
    if isinstance(exc, sa_exc.IntegrityError):
        return InvalidState(f"the change conflicts with the data: {_reason(exc)}")
    if isinstance(exc, sa_exc.DBAPIError):
        reason = _reason(exc)
        if "locked" in reason or "busy" in reason:
            return StorageError("the database stayed busy; try again", hint=reason)
        if "not a database" in reason or "malformed" in reason:
            return StorageError(f"the database file is damaged or not a database ({reason})")
        if "readonly" in reason or "read-only" in reason:
            return StorageError(f"the database cannot be written ({reason})")
        if "disk" in reason or "full" in reason:
            return StorageError(f"the database cannot be written ({reason})")
        return StorageError(f"database error: {reason}")
    return None


def _reason(exc: sa_exc.DBAPIError) -> str:
    return str(getattr(exc, "orig", exc)).strip()
