"""The PostgreSQL backend: one household shared by several machines (see :mod:`chorectl.db.dialect`).

A database is named by a URL, ``postgresql+psycopg://user@host/db`` (psycopg 3,
the ``chorectl[postgres]`` extra). A password never comes in the URL: libpq
reads ``PGPASSWORD``, ``~/.pgpass`` or a service file itself. The household
lives in the connection's current schema (``search_path``, so one database
can hold several). Writers serialize on a transaction-scoped advisory lock,
taken at the start of every write transaction: cron's ``reset``, a child's
``done`` and a parent's ``approve`` queue behind each other as they do on
SQLite, and readers read a consistent snapshot (REPEATABLE READ) without
waiting. The ledger and the audit log are append-only by PL/pgSQL triggers;
``ledger_total`` is kept by a SECURITY DEFINER trigger function, so no login
writes it directly. The stamp is the table ``chorectl_stamp``. Errors are told
apart by SQLSTATE. Times are ``timestamptz`` (:class:`chorectl.db.types.AwareDateTime`).

Roles (:func:`role_sql`): the database owner runs ``chorectl init``; it makes
the household's parent and child group roles, and what each may do is granted
to them, column by column where a table is shared (the household's PIN data is
the parent's only).

The top level imports the standard library only; psycopg and SQLAlchemy are
imported by the functions that need them, so chorectl runs without the extra
for a household on SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chorectl.db.dialect import WRITE, Stamp
from chorectl.errors import BadInput, Denied, InvalidState, NotFound, StorageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from chorectl.db.schema import Schema

NAME = "PostgreSQL"
A_DATABASE = "a PostgreSQL database"
Error = Exception  # psycopg.Error, imported lazily (see _driver_error)

# The advisory lock writers take: ("CHOR", chorectl's application id; the household's schema),
# so two households in one database never wait for each other.
LOCK_KEY = 0x43484F52
LOCK_TIMEOUT_MS = 15_000  # as SQLite's busy timeout: a writer waits this long for the lock
CONNECT_TIMEOUT_S = 10
STAMP = "chorectl_stamp"
INSTALL_HINT = "install the PostgreSQL support: pip install 'chorectl[postgres]' (psycopg 3)"
MISSING_HINT = "run 'chorectl init' with this --db to create the household there, or check --db / CHORECTL_DB"

# The guards. One function refuses, with the message its trigger passes; one keeps the totals.
FUNCTIONS = (
    """CREATE FUNCTION chorectl_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = TG_ARGV[0]; END $$""",
    """CREATE FUNCTION chorectl_ledger_total_add() RETURNS trigger LANGUAGE plpgsql
       SECURITY DEFINER SET search_path FROM CURRENT AS $$
       BEGIN
         INSERT INTO ledger_total (member_id, kind, total, entries)
         VALUES (NEW.member_id, NEW.kind, NEW.amount, 1)
         ON CONFLICT (member_id, kind)
         DO UPDATE SET total = ledger_total.total + EXCLUDED.total, entries = ledger_total.entries + 1;
         RETURN NULL;
       END $$""",
)
TRIGGERS = (
    "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger FOR EACH ROW"
    " EXECUTE FUNCTION chorectl_refuse('ledger entries are never edited; add a reversing entry')",
    "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger FOR EACH ROW"
    " EXECUTE FUNCTION chorectl_refuse('ledger entries are never deleted; add a reversing entry')",
    "CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger FOR EACH STATEMENT"
    " EXECUTE FUNCTION chorectl_refuse('ledger entries are never deleted; add a reversing entry')",
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW"
    " EXECUTE FUNCTION chorectl_refuse('the audit log is append-only')",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW"
    " EXECUTE FUNCTION chorectl_refuse('the audit log is append-only')",
    "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT"
    " EXECUTE FUNCTION chorectl_refuse('the audit log is append-only')",
    "CREATE TRIGGER ledger_total_add AFTER INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION chorectl_ledger_total_add()",
)


# ---------------------------------------------------------------- names


def url_of(location: str):
    """The SQLAlchemy URL for *location*, with psycopg 3 as its driver; a password in it is refused."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(location)
    except (ArgumentError, ValueError) as exc:
        raise BadInput(f"--db is not a PostgreSQL URL chorectl can read ({exc})") from None
    if url.password is not None or "password" in url.query:
        raise BadInput(
            "a password in the database URL would show in 'ps', shell history and crontabs",
            hint="leave it out of the URL: set PGPASSWORD, or put it in ~/.pgpass or a service file (PGSERVICE)",
        )
    if not url.database and "service" not in url.query and "dbname" not in url.query:
        raise BadInput("the database URL names no database", hint="postgresql+psycopg://USER@HOST/DATABASE")
    return url.set(drivername="postgresql+psycopg")


def display(location: str) -> str:
    """*location* as messages show it (never with a password: url_of refuses one)."""
    return location


# ---------------------------------------------------------------- engines


def _on_connect(dbapi_conn, _record) -> None:
    # The session's settings in one round trip, outside a transaction (no BEGIN, no COMMIT):
    # every command opens a connection of its own, so its round trips are part of its time.
    dbapi_conn.autocommit = True
    try:
        dbapi_conn.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}; SET TimeZone = 'UTC'")
    finally:
        dbapi_conn.autocommit = False


def _on_begin(conn) -> None:
    # A writer takes the household's lock as its transaction begins (chorectl.db.dialect.writing);
    # READ COMMITTED, so that everything committed before it got the lock is what it reads.
    # A reader reads one snapshot, as a SQLite read transaction does.
    if conn.get_execution_options().get(WRITE, False):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY}, hashtext(current_schema()))")
    else:
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def _listen(engine: Engine) -> None:
    from sqlalchemy import event

    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)


def make_engine(location: str, *, create: bool) -> Engine:
    """An engine on the database *location* names; with *create* false, one without a household is refused."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StorageError(f"{_where(location)} is a PostgreSQL database", hint=INSTALL_HINT) from None
    from sqlalchemy import create_engine
    from sqlalchemy.pool import QueuePool

    url = url_of(location)
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=1,
        max_overflow=2,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "chorectl"},
        use_native_hstore=False,  # chorectl has no hstore column: no lookup of the type on each connect
    )
    _listen(engine)
    if not create:
        _refuse_missing(engine, location)
    return engine


def _refuse_missing(engine: Engine, location: str) -> None:
    from sqlalchemy import exc as sa_exc

    try:
        with engine.connect() as conn:
            stamp = read_stamp(conn)
            conn.rollback()
    except sa_exc.DBAPIError as exc:
        raise translate_error(exc) from None
    if not stamp.has_tables and not stamp.app_id:
        raise NotFound(f"there is no chorectl household in {_where(location)}", hint=MISSING_HINT)


def _where(location: str) -> str:
    try:
        url = url_of(location)
    except BadInput:
        return "the database"
    return f"the PostgreSQL database {url.database or url.query.get('service') or ''}".rstrip()


def memory_engine() -> Engine:
    raise StorageError("PostgreSQL has no private in-memory database")


def prepare_folder(path: Path) -> list[Path]:
    return []  # the server keeps its own files


def tune(engine: Engine) -> None:
    return None  # nothing kept in the database: settings are made per connection


# ---------------------------------------------------------------- the schema


def rows(conn, sql: str, *params) -> list[tuple]:
    if hasattr(conn, "exec_driver_sql"):
        return [tuple(r) for r in conn.exec_driver_sql(sql.replace("?", "%s"), params).fetchall()]
    with conn.cursor() as cur:
        cur.execute(sql.replace("?", "%s"), params)
        return cur.fetchall()


def install_guards(conn) -> None:
    for statement in (*FUNCTIONS, *TRIGGERS):
        conn.exec_driver_sql(statement)
    # Only the trigger function writes the totals: no login may change them directly.
    conn.exec_driver_sql("REVOKE ALL ON ledger_total FROM PUBLIC")


def index_where(condition: str) -> dict[str, Any]:
    from sqlalchemy import text

    # The models spell a partial index's condition in SQL both engines read but for
    # booleans: SQLite keeps its text as written (and doctor compares it), so it stays as is there.
    return {"postgresql_where": text(re.sub(r"\b(\w+) = 0\b", r"NOT \1", condition))}


def read_stamp(conn) -> Stamp:
    ((tables, stamped),) = rows(
        conn,
        "SELECT count(*), count(*) FILTER (WHERE tablename = ?) FROM pg_tables WHERE schemaname = current_schema()",
        STAMP,
    )
    if not stamped:
        return Stamp(0, 0, bool(tables))
    found = rows(conn, f"SELECT app_id, version FROM {STAMP}")
    app_id, version = found[0] if found else (0, 0)
    return Stamp(int(app_id), int(version), tables > 1)


def write_stamp(conn, *, version: int, app_id: int | None = None) -> None:
    if app_id is not None:
        conn.exec_driver_sql(f"CREATE TABLE {STAMP} (app_id integer NOT NULL, version integer NOT NULL)")
        conn.exec_driver_sql(f"INSERT INTO {STAMP} VALUES ({int(app_id)}, {int(version)})")
        conn.exec_driver_sql(f"GRANT SELECT ON {STAMP} TO PUBLIC")
    else:
        conn.exec_driver_sql(f"UPDATE {STAMP} SET version = {int(version)}")


def columns(conn, table: str) -> set[str]:
    return {
        r[0]
        for r in rows(
            conn,
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ?",
            table,
        )
    }


def reference_schema(conn) -> Schema:
    """The schema a new household gets, made in a throw-away schema inside a savepoint and read back."""
    from sqlmodel import SQLModel

    from chorectl.db import models  # noqa: F401  (registers the tables)
    from chorectl.db.dialect import writing

    # Its own connection and transaction (the caller's may be read-only), never committed.
    with writing(conn.engine.connect()) as own:
        try:
            own.exec_driver_sql("CREATE SCHEMA chorectl_reference")
            own.exec_driver_sql("SET LOCAL search_path = chorectl_reference")
            SQLModel.metadata.create_all(own)
            install_guards(own)
            return read_schema(own)
        finally:
            own.rollback()  # the schema, and SET LOCAL with it


def read_schema(conn) -> Schema:
    """Tables, indexes, triggers (with their functions' source) and views of the current schema."""
    from chorectl.db.schema import Schema, Table, normalize

    tables: dict[str, Table] = {}
    cols: dict[str, dict] = {}
    for table, column, kind, nullable in rows(
        conn,
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name != ? ORDER BY table_name, column_name",
        STAMP,
    ):
        cols.setdefault(table, {})[column] = [kind.upper(), int(nullable == "NO"), 0, 0]
    keys: dict[str, set] = {}
    fks: dict[str, set] = {}
    for table, kind, _name, definition in rows(
        conn,
        "SELECT c.conrelid::regclass::text, c.contype, c.conname, pg_get_constraintdef(c.oid)"
        " FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE n.nspname = current_schema() ORDER BY 1, 3",
    ):
        table = table.rpartition(".")[2].strip('"')
        if kind == "f":
            fks.setdefault(table, set()).add(normalize(definition))
        elif kind in ("p", "u"):
            keys.setdefault(table, set()).add((kind, normalize(definition)))
            if kind == "p":
                names = [c.strip().strip('"') for c in definition.partition("(")[2].rstrip(")").split(",")]
                for position, column in enumerate(names, 1):
                    if column in cols.get(table, {}):
                        cols[table][column][2] = position
    for table, found in cols.items():
        tables[table] = Table(
            {c: tuple(v) for c, v in found.items()}, frozenset(fks.get(table, ())), frozenset(keys.get(table, ()))
        )
    indexes = {
        name: (table, normalize(re.sub(r"\bON (ONLY )?\S+\.", "ON ", definition)))
        for name, table, definition in rows(
            conn,
            "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint c JOIN pg_namespace n"
            " ON n.oid = c.connamespace WHERE n.nspname = current_schema())",
        )
    }
    triggers = {
        name: normalize(re.sub(r"\bON \S+\.", "ON ", definition) + " " + source)
        for name, definition, source in rows(
            conn,
            "SELECT t.tgname, pg_get_triggerdef(t.oid), p.prosrc FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal AND n.nspname = current_schema()",
        )
    }
    views = {
        name: normalize(definition)
        for name, definition in rows(
            conn, "SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema()"
        )
    }
    return Schema(tables, indexes, triggers, views)


# ---------------------------------------------------------------- long exports


def script_lines(conn, query, form) -> None:
    return None  # render writes the typed rows (see Dialect.script_lines)


# ---------------------------------------------------------------- checks


def integrity_problems(conn, progress=None) -> list[str]:
    """PostgreSQL keeps its own files consistent (WAL, checksums where enabled); what chorectl
    can check is that the server answers and the catalog is readable."""
    rows(conn, "SELECT count(*) FROM pg_class")
    return []


def dangling_references(conn) -> list[tuple]:
    return []  # PostgreSQL enforces every foreign key, always


def describe(conn) -> str:
    ((version,),) = rows(conn, "SHOW server_version")
    ((schema,),) = rows(conn, "SELECT current_schema()")
    return f"PostgreSQL {version.split()[0]}, schema {schema}"


# ---------------------------------------------------------------- errors

# What a login is refused, by the command's words (the CLI fills in its command).
DENIED = "this database login cannot {action}; connect as a parent"


def translate_error(exc: BaseException) -> Exception | None:
    """A psycopg error (as SQLAlchemy raises it, or bare) as one chorectl error, by its SQLSTATE."""
    from sqlalchemy import exc as sa_exc

    orig = getattr(exc, "orig", exc)
    state = getattr(orig, "sqlstate", None) or ""
    if not state and not isinstance(exc, sa_exc.DBAPIError):
        return None
    reason = _reason(orig)
    if state == "42501":  # insufficient_privilege: the roles are the wall
        return DatabaseDenied(reason)
    if state in ("28000", "28P01"):
        return Denied(
            f"the database refused the login ({reason})",
            hint="check the user in the URL, PGPASSWORD, ~/.pgpass or the service file",
        )
    if state == "3D000":
        return NotFound(f"the database does not exist ({reason})", hint=MISSING_HINT)
    if state == "P0001":  # raised by chorectl's own triggers
        return InvalidState(f"the change conflicts with the data: {reason}")
    if state.startswith("23"):
        return InvalidState(f"the change conflicts with the data: {reason}")
    if state in ("55P03", "40001", "40P01", "57014"):  # lock timeout, serialization, deadlock, cancelled
        return StorageError("the database stayed busy; try again", hint=reason)
    if state == "25006" or state.startswith("53"):
        return StorageError(f"the database cannot be written ({reason})")
    if state.startswith("08") or not state:
        return StorageError(
            f"cannot reach the PostgreSQL server ({reason})", hint="is the server running, and is --db right?"
        )
    return StorageError(f"database error: {reason}")


class DatabaseDenied(Denied):
    """The database's roles refused the login (exit 3): a child's login cannot approve."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            DENIED.format(action="do that"), hint=f"the database said: {reason}; parents connect as a parent role"
        )
        self.reason = reason


def _reason(orig) -> str:
    diag = getattr(orig, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = primary or str(orig)
    return " ".join(text.split())


# ---------------------------------------------------------------- whole copies: not files


def is_database_file(path: Path) -> bool:
    return False


@contextmanager
def reading(path, name) -> Iterator[Any]:
    raise InvalidState(f"{name} is a PostgreSQL database, not a file")
    yield  # pragma: no cover


def quick_query(location: str, sql: str, *, timeout: float) -> list[tuple]:
    """*sql*'s rows for shell completion: psycopg alone, read-only, a short timeout."""
    import psycopg

    url = url_of(location)
    params = {k: v for k, v in url.translate_connect_args(username="user", database="dbname").items() if v}
    params.update(url.query)
    with psycopg.connect(connect_timeout=max(1, int(timeout)), **params) as con:
        con.read_only = True
        return con.execute(sql).fetchall()


def backup(source, target: Path) -> None:
    from chorectl.db.transfer import copy_household

    copy_household(source, target, into_file=True)


def restore(source: Path, db) -> None:
    raise InvalidState(
        "restore replaces a SQLite file; a PostgreSQL household is restored with 'chorectl copy'",
        hint="copy a backup file into an empty database: chorectl --db FILE copy --to URL (or pg_restore)",
    )


def restore_new(source: Path, db) -> None:
    restore(source, db)


def refuse_leftovers(db) -> None:
    return None


def side_files(db) -> list[Path]:
    return []
