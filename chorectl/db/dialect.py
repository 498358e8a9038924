"""The seam between chorectl and its database engine (issue 13): one interface, one module per backend.

Everything a database engine does its own way is behind :class:`Dialect`: how
a database is opened and its connections set up, how a writer takes the write
lock, the guards that keep the ledger and the audit log append-only, the
partial indexes, the stamp that says "a chorectl database, schema N", whole
copies (backup and restore), the integrity checks doctor and restore run, and
turning a driver's errors into :mod:`chorectl.errors`. The rest of chorectl
(the other ``db`` modules, the models, the services) asks this module for a
backend and calls that, and writes SQL any backend understands.

The one backend today is SQLite, in :mod:`chorectl.db.sqlite`. A second one
(PostgreSQL, for a household shared between machines) is a module that
implements :class:`Dialect` and a line in :func:`_load` and :data:`BACKENDS`; nothing else
changes. ``tests/repo/test_dialect.py`` keeps SQLite's words out of every other module.

Standard library only, and so is each backend module's top level: shell
completion reads the database through here on every Tab press, without
SQLAlchemy (a backend imports it inside the functions that need it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from chorectl.errors import StorageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from chorectl.db.schema import Schema
    from chorectl.domain.scripts import ScriptForm

# The execution option that says a transaction will write: each backend's engine
# takes the write lock when such a transaction begins (see :func:`writing`).
WRITE = "chorectl_write"

# Every backend, by the names it goes by: SQLAlchemy's dialect name and its
# driver's module (what :func:`of` finds on an engine, or on a driver's own connection).
BACKENDS = {
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "postgres": "postgres",
    "postgresql": "postgres",
    "psycopg": "postgres",
}


@dataclass(frozen=True)
class Stamp:
    """What a database says it is: whose (:data:`chorectl.db.engine.APPLICATION_ID`, 0 when
    unmarked), which schema version (0 when unmarked), and whether it has any tables yet."""

    app_id: int
    version: int
    has_tables: bool


class Dialect(Protocol):
    """What a backend provides. A backend is a module; these are its module-level names.

    *conn* below is a SQLAlchemy ``Connection`` or the driver's own connection
    (restore and doctor read a file without SQLAlchemy's pooling); *path* is
    where the database is (today always a file).
    """

    NAME: str  # in messages: "fails SQLite's integrity check"
    A_DATABASE: str  # in messages: "is an SQLite database, but not a chorectl one"
    INTEGRITY_READS: str  # what integrity_problems() reads, for doctor: "the whole file read"
    Error: type[Exception]  # the driver's DB-API ``Error``: what the functions without SQLAlchemy raise
    # Is the database shared by several machines (each with its own keyring)? Then the PIN's
    # verifier is kept in it (parent-only), so that a second machine can join the household
    # (``chorectl join``). A file one child can copy must never hold it: a 4-digit PIN's hash
    # is an offline guess away from the PIN.
    SHARED: bool

    # ---- opening: engines whose transactions take the write lock when WRITE is set
    def make_engine(self, path: Path | str, *, create: bool) -> Engine:
        """An engine on the database at *path* (as given); with *create* false a missing one is refused
        (:class:`~chorectl.errors.NotFound`) and nothing is made."""
        ...

    def memory_engine(self) -> Engine:
        """A private, empty, throw-away database: the reference schema and tests."""
        ...

    def prepare_folder(self, path: Path) -> list[Path]:
        """Make the place a new database at *path* will live; returns what was made, outermost first."""
        ...

    def tune(self, engine: Engine) -> None:
        """Settings kept in the database itself, applied once its schema is in place."""
        ...

    # ---- the schema: guards, partial indexes, the version stamp, what is there
    def install_guards(self, conn: Any) -> None:
        """The triggers a new database gets: the ledger and audit log refuse UPDATE and DELETE,
        and ``ledger_total`` follows every ledger insert."""
        ...

    def after_upgrade(self, conn: Any) -> None:
        """What an upgrade does last, in its transaction (PostgreSQL: the roles' grants on new tables)."""
        ...

    def index_where(self, condition: str) -> dict[str, Any]:
        """The keyword arguments that make a SQLAlchemy ``Index`` (or Alembic's
        ``create_index``) partial on this backend: only rows where *condition* holds."""
        ...

    def read_stamp(self, conn: Any) -> Stamp: ...

    def write_stamp(self, conn: Any, *, version: int, app_id: int | None = None) -> None:
        """Record the schema *version* (and, for a new database, whose it is), in the caller's transaction."""
        ...

    def reference_schema(self, conn: Any) -> Schema:
        """The schema this chorectl makes for a new database of this backend, for the one on *conn*."""
        ...

    def read_schema(self, conn: Any) -> Schema:
        """The tables, indexes, triggers and views of the database, for :mod:`chorectl.db.schema` to compare."""
        ...

    def columns(self, conn: Any, table: str) -> set[str]: ...

    def rows(self, conn: Any, sql: str, *params: Any) -> list[tuple]:
        """Run *sql* on *conn* (either kind) and return every row."""
        ...

    # ---- long exports: script formats written by the database
    def script_lines(self, conn: Any, query: Any, form: ScriptForm) -> Iterator[list[str]] | None:
        """The rows of *query* (a SQLAlchemy ``Select`` of plain columns, one per column of
        *form*, its first the row's integer key) as lines of *form*, in order, in batches, read
        on *conn* as they are consumed; or None when this backend does not write them, and the
        caller writes its typed rows itself (:mod:`chorectl.cli.render`, the definition).

        Text cells are written as they are, behind the formula escape (no CSV quoting, no TSV
        escapes): once a batch holds one of ``form.special`` in a cell, the caller asks for the
        rest with ``form.cells()`` and quotes those cells itself. Everything else must be exactly
        what render writes: tests/cli/test_script_formats.py holds a backend to that byte for
        byte, and tests/service/test_script_lines.py spells some of it out.

        A new backend may start with ``return None`` (every export still works, at Python's
        speed). PostgreSQL can write the same lines with ``format()``, ``to_json()`` and
        ``to_char(at AT TIME ZONE current_setting('TimeZone'), ...)``, having set its session's
        TimeZone to the local zone's name (a POSIX TZ rule there is no name for: None).
        """
        ...

    # ---- checks (doctor, restore)
    def integrity_problems(self, conn: Any, progress: Callable[[], None] | None = None) -> list[str]:
        """What the engine's own consistency check finds wrong; empty when sound.

        *progress()* is called now and then while the check runs (it reads the
        whole file: seconds on a large one), so a terminal can show it is alive."""
        ...

    def dangling_references(self, conn: Any) -> list[tuple]:
        """Rows whose foreign key points at nothing."""
        ...

    def describe(self, conn: Any) -> str:
        """How the database is kept, in a few words for doctor's schema line."""
        ...

    # ---- errors
    def translate_error(self, exc: BaseException) -> Exception | None:
        """A driver error (as SQLAlchemy raises it) as one :mod:`chorectl.errors` line; None if it is not one."""
        ...

    # ---- whole copies: backup, restore, and reading a file that is not open
    def is_database_file(self, path: Path) -> bool:
        """Does the file at *path* say it is a database of this backend (before it is opened)?"""
        ...

    def reading(self, path: Path, name: Path) -> AbstractContextManager[Any]:
        """A read-only driver connection on *path*; a driver error inside the block becomes
        :class:`~chorectl.errors.InvalidState` naming *name*."""
        ...

    def quick_query(self, path: Path, sql: str, *, timeout: float) -> list[tuple]:
        """*sql*'s rows, read-only and without SQLAlchemy (shell completion); raises :attr:`Error`."""
        ...

    def backup(self, source: Path, target: Path) -> None:
        """Copy the database at *source* to the file *target* (mode 0600), consistent while
        others write, whole or not at all (:class:`~chorectl.errors.StorageError`)."""
        ...

    def restore(self, source: Path, db: Path) -> None:
        """Replace the database at *db* with the copy *source*, under *db*'s write lock:
        readers see the old one or the new one, never half. Raises :attr:`Error`."""
        ...

    def restore_new(self, source: Path, db: Path) -> None:
        """Put the copy *source* (in a private folder beside *db*) at *db*, where no database exists."""
        ...

    def refuse_leftovers(self, db: Path) -> None:
        """Refuse (:class:`~chorectl.errors.InvalidState`) to put a database at *db* where an
        earlier one left files that would be read together with it."""
        ...

    def side_files(self, db: Path) -> list[Path]:
        """The files beside *db* that are part of the live database (never a backup's target)."""
        ...

    # ---- moving a household between databases (copy, and backup of a server's household)
    def display(self, location: Path | str) -> str:
        """*location* as a message or the log names it: never with a password."""
        ...

    def building(self, target: Path | str, *, replace: bool) -> AbstractContextManager[Path | str]:
        """Where to build a new database for *target*, put at *target* when the block ends without
        an error and never otherwise. With *replace* false an existing database or non-empty file at
        *target* is refused (:class:`~chorectl.errors.InvalidState`); with *replace* (a backup file,
        checked by the caller) a file there is replaced whole."""
        ...

    def advance_keys(self, conn: Any, tables: list[Any]) -> None:
        """After rows were copied with their ids, make each of *tables*' (SQLAlchemy ``Table``)
        generated keys continue past the highest one, in the caller's transaction."""
        ...


def writing(bind: Any, write: bool = True) -> Any:
    """*bind* (an engine or connection) whose transactions take the write lock when they begin, if *write*.

    Writers lock up front, so that cron's reset, a child's ``done`` and a
    parent's ``approve`` queue behind each other under the busy timeout
    instead of failing half-way.
    """
    return bind.execution_options(**{WRITE: write})


def of(bind: Any) -> Dialect:
    """The backend of a SQLAlchemy engine, connection or session, or of a driver's own connection."""
    if hasattr(bind, "get_bind"):  # a Session
        bind = bind.get_bind()
    dialect = getattr(bind, "dialect", None)
    name = dialect.name if dialect is not None else type(bind).__module__.partition(".")[0]
    return _load(name)


def at(location: Path | str | None = None) -> Dialect:
    """The backend of the database at *location*: a ``postgresql://`` URL is PostgreSQL, anything else a file."""
    return _load("postgres" if is_url(location) else "sqlite")


def is_url(location: Any) -> bool:
    """Is *location* a database server's URL (``postgresql+psycopg://...``), not a file name?"""
    return isinstance(location, str) and location.lower().startswith(URL_SCHEMES)


URL_SCHEMES = ("postgresql+psycopg://", "postgresql://", "postgres://")


def index_where(condition: str) -> dict[str, Any]:
    """Keyword arguments for ``Index`` / ``op.create_index`` that make an index partial on every backend.

    The models are built with every backend's arguments, so each backend module
    must import without its driver installed (import the driver inside functions).
    """
    kwargs: dict[str, Any] = {}
    for name in sorted(set(BACKENDS.values())):
        kwargs.update(_load(name).index_where(condition))
    return kwargs


def _load(name: str) -> Dialect:
    backend = BACKENDS.get(name)
    if backend == "sqlite":
        from chorectl.db import sqlite

        return sqlite
    if backend == "postgres":
        from chorectl.db import postgres

        return postgres
    raise StorageError(f"chorectl cannot use a {name} database")
