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

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chorectl.db.dialect import WRITE, Stamp
from chorectl.errors import BadInput, Denied, InvalidState, LoginDenied, NotFound, StorageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from chorectl.db.schema import Schema

NAME = "PostgreSQL"
A_DATABASE = "a PostgreSQL database"
Error = Exception  # psycopg.Error, imported lazily
INTEGRITY_READS = "the server's catalog read"  # the server keeps its own files consistent
SHARED = True  # several machines, each with its own keyring: the PIN's verifier lives here (parent role only)

# The advisory lock writers take: ("CHOR", chorectl's application id; the household's schema),
# so two households in one database never wait for each other.
LOCK_KEY = 0x43484F52
LOCK_TIMEOUT_MS = 15_000  # as SQLite's busy timeout: a writer waits this long for the lock
CONNECT_TIMEOUT_S = 10
SCRATCH = "chorectl_scratch"  # an execution option: a transaction that writes and is always rolled back
STAMP = "chorectl_stamp"
INSTALL_HINT = "install the PostgreSQL support: pip install 'chorectl[postgres]' (psycopg 3)"
MISSING_HINT = "run 'chorectl init' with this --db to create the household there, or check --db / CHORECTL_DB"

# The guards. One function refuses, with the message its trigger passes; one keeps the totals.
FUNCTIONS = (
    """CREATE FUNCTION chorectl_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = TG_ARGV[0]; END $$""",
    """CREATE FUNCTION chorectl_ledger_total_add() RETURNS trigger LANGUAGE plpgsql
       SECURITY DEFINER AS $$
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
    """*location* as messages and the log show it: never a password (url_of refuses one; this
    drops one all the same, from the URL and from its query)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(location)
    except (ArgumentError, ValueError):
        return "a PostgreSQL database"
    if url.password is None and "password" not in url.query:
        return location
    return url._replace(password=None).difference_update_query(["password"]).render_as_string(hide_password=False)


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
    options = conn.get_execution_options()
    if options.get(SCRATCH):
        return  # a throw-away transaction that is never committed (reference_schema)
    if options.get(WRITE, False):
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
    from sqlalchemy.exc import ArgumentError
    from sqlalchemy.pool import QueuePool

    # psycopg logs what it ignores (a pipeline it could not end on a connection the server
    # closed) as warnings; with no logging set up they would reach stderr beside the one Error line.
    logging.getLogger("psycopg").addHandler(logging.NullHandler())
    url = url_of(location)
    try:
        engine = create_engine(
            url,
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=2,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "chorectl"},
            use_native_hstore=False,  # chorectl has no hstore column: no lookup of the type on each connect
        )
    except ArgumentError as exc:  # what the driver reads of the query only now: ?port=abc
        raise BadInput(f"--db is not a PostgreSQL URL chorectl can read ({exc})") from None
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
    # It runs with its owner's rights: it finds the household's tables, and nothing a login put
    # in another schema (pg_temp last, as PostgreSQL advises for SECURITY DEFINER functions).
    conn.exec_driver_sql(
        "DO $$ BEGIN EXECUTE format('ALTER FUNCTION chorectl_ledger_total_add() SET search_path = %%I, pg_temp',"
        " current_schema()); END $$"
    )
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
    """The schema a new household gets, made in a throw-away schema and read back, never committed.

    Making it needs CREATE on the database (its owner has it): another login gets
    :class:`DatabaseDenied`, and doctor says the structure was not checked.
    """
    from sqlalchemy import exc as sa_exc
    from sqlmodel import SQLModel

    from chorectl.db import models  # noqa: F401  (registers the tables)

    # Its own connection and transaction, never committed: the caller's may be read-only, or hold
    # the household's write lock (an upgrade checks its result), which this one must not wait for.
    with conn.engine.connect().execution_options(**{SCRATCH: True}) as own:
        try:
            own.exec_driver_sql("CREATE SCHEMA chorectl_reference")
            own.exec_driver_sql("SET LOCAL search_path = chorectl_reference")
            SQLModel.metadata.create_all(own)
            install_guards(own)
            return read_schema(own)
        except sa_exc.DBAPIError as exc:
            raise translate_error(exc) from None
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


# ---------------------------------------------------------------- roles: the real wall

PARENT_ROLE = "chorectl_parent"
CHILD_ROLE = "chorectl_child"
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# What a child's login may read of the household: never the PIN's bookkeeping
# (keyring, binding, wrong-PIN count, lockout), which only the gate reads.
CHILD_HOUSEHOLD_COLUMNS = ("id", "currency")
# The tables a parent's commands change; rows are deleted only from assignment (a chore re-assigned)
# and, by undo, from completion (the missed row a rejection recorded) and rotation.
PARENT_TABLES = ("member", "chore", "assignment", "completion")
# Schema 7 (issue 17): what a parent changes and a child reads (rotation's rows are deleted when a
# chore's turn order changes); a child adds a pending redemption (row-level security holds it to that).
FAMILY_TABLES = ("rotation", "goal", "reward", "redemption")
UNDO_TABLES = ("action",)  # the parent role's alone: what undo may reverse
# The append-only tables: a parent adds to them, never changes them (the triggers say so too).
APPEND_ONLY = ("ledger", "audit")
PIN_TABLES = ("pin_verifier", "pin_keyring")  # no grant at all to the child role
# The columns a child's login may give a new completion and done's audit line: every one but the id.
CHILD_COMPLETION_COLUMNS = (
    *("chore_id", "member_id", "status", "period_due"),
    *("completed_at", "reviewed_at", "reward", "note"),
)
CHILD_AUDIT_COLUMNS = ("at", "actor", "action", "detail", "amount")
CHILD_REDEMPTION_COLUMNS = ("reward_id", "member_id", "status", "cost", "requested_at", "reviewed_at", "note")
# The log lines a child's commands write: done's, and a reward asked for (redeem, schema 7).
CHILD_ACTIONS = ("done", "redeem")


def role_name(name: str) -> str:
    """*name*, checked as a role chorectl makes: lower-case letters, digits and _, not pg_..."""
    if not ROLE_NAME.fullmatch(name) or name.startswith("pg_"):
        raise BadInput(
            f"{name!r} is not a role name chorectl makes",
            hint="lower-case letters, digits and _ (up to 63), starting with a letter or _, not pg_",
        )
    return name


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def role_sql(schema: str, parent: str = PARENT_ROLE, child: str = CHILD_ROLE) -> list[str]:
    """The statements that give the household in *schema* its parent and child group roles.

    Each role is made (NOLOGIN: a person's login is given one with ``GRANT``) unless it
    exists, and is then granted exactly what its commands need, after everything it
    had on this schema's tables is revoked: running them again is harmless, and a
    second household reuses the roles. Run by the tables' owner (or a superuser);
    making a missing role needs CREATEROLE.

    The parent role: every parent command, but only INSERT on the ledger and the
    audit log (never UPDATE, DELETE or TRUNCATE) and only SELECT on ledger_total
    (kept by its SECURITY DEFINER trigger). The child role: reads members, chores,
    assignments, completions, balances (ledger_total) and the household's id and
    currency, not its PIN columns, and (schema 7) rotations, goals, rewards and
    redemptions; adds a pending completion, a pending redemption and the audit lines
    ``done`` and ``redeem`` write (row-level security holds them to that); nothing
    else: no ledger, no approvals, no log, no undo.
    """
    parent, child = role_name(parent), role_name(child)
    if parent == child:
        raise BadInput("the parent role and the child role must differ")
    s, p, c = _quoted(schema), _quoted(parent), _quoted(child)

    def table(name: str) -> str:
        return f"{s}.{name}"

    def tables(names) -> str:
        return ", ".join(table(n) for n in names)

    statements = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}')"
        f" THEN CREATE ROLE {_quoted(name)} NOLOGIN; END IF; END $$"
        for name in (parent, child)
    ]
    statements += [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {p}, {c}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {p}, {c}",
        f"GRANT USAGE ON SCHEMA {s} TO {p}, {c}",
        # The parent role.
        f"GRANT SELECT, UPDATE ON {table('household')} TO {p}",
        f"GRANT SELECT, INSERT, UPDATE ON {tables(PARENT_TABLES)} TO {p}",
        f"GRANT DELETE ON {table('assignment')}, {table('rotation')} TO {p}",
        # undo of a rejection takes away the missed row it recorded (the period was over then)
        f"GRANT DELETE ON {table('completion')} TO {p}",
        f"GRANT SELECT, INSERT, UPDATE ON {tables(FAMILY_TABLES + UNDO_TABLES)} TO {p}",
        # The PIN's verifier and each machine's keyring (schema 6): the parent role's alone.
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables(PIN_TABLES)} TO {p}",
        f"GRANT SELECT, INSERT ON {tables(APPEND_ONLY)} TO {p}",
        f"GRANT SELECT ON {table('ledger_total')} TO {p}, {c}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {p}",
        # The child role.
        f"GRANT SELECT ({', '.join(CHILD_HOUSEHOLD_COLUMNS)}) ON {table('household')} TO {c}",
        f"GRANT SELECT ON {tables(PARENT_TABLES + FAMILY_TABLES)} TO {c}",
        # Never a row's id: the sequence picks it. A child's login that chose ids ahead of the
        # sequence would make every later line's insert collide, and lock the parents out.
        f"GRANT INSERT ({', '.join(CHILD_COMPLETION_COLUMNS)}) ON {table('completion')} TO {c}",
        # done's audit line: INSERT, and its id back (INSERT ... RETURNING id); never the log itself.
        f"GRANT INSERT ({', '.join(CHILD_AUDIT_COLUMNS)}), SELECT (id) ON {table('audit')} TO {c}",
        f"GRANT INSERT ({', '.join(CHILD_REDEMPTION_COLUMNS)}) ON {table('redemption')} TO {c}",
        f"GRANT USAGE ON SEQUENCE {table('completion_id_seq')}, {table('audit_id_seq')},"
        f" {table('redemption_id_seq')} TO {c}",
    ]
    # Row-level security: what a grant cannot say. A child adds only a pending completion with
    # no reward and no review, a pending redemption with no debit, and only the log lines of
    # done and redeem. The owner is not held by it.
    child_actions = ", ".join(f"'{action}'" for action in CHILD_ACTIONS)
    policies = {
        "completion": [
            ("parent_all", f"FOR ALL TO {p} USING (true) WITH CHECK (true)"),
            ("child_reads", f"FOR SELECT TO {c} USING (true)"),
            (
                "child_adds_pending",
                f"FOR INSERT TO {c} WITH CHECK (status = 'pending' AND reward IS NULL AND reviewed_at IS NULL)",
            ),
        ],
        "audit": [
            ("parent_all", f"FOR ALL TO {p} USING (true) WITH CHECK (true)"),
            ("child_reads_done", f"FOR SELECT TO {c} USING (action IN ({child_actions}))"),
            ("child_adds_done", f"FOR INSERT TO {c} WITH CHECK (action IN ({child_actions}) AND amount IS NULL)"),
        ],
        "redemption": [
            ("parent_all", f"FOR ALL TO {p} USING (true) WITH CHECK (true)"),
            ("child_reads", f"FOR SELECT TO {c} USING (true)"),
            (
                "child_asks",
                # what redeem asks: a live reward at its catalog cost (more than zero), for an active
                # child; never a cost of its own (a negative one approved would pay the child)
                f"FOR INSERT TO {c} WITH CHECK (status = 'pending' AND reviewed_at IS NULL AND ledger_id IS NULL"
                f" AND cost > 0 AND cost = (SELECT r.cost FROM {table('reward')} r"
                f" WHERE r.id = reward_id AND NOT r.archived)"
                f" AND member_id IN (SELECT m.id FROM {table('member')} m WHERE m.role = 'child' AND m.active))",
            ),
        ],
    }
    for name, rules in policies.items():
        statements.append(f"ALTER TABLE {table(name)} ENABLE ROW LEVEL SECURITY")
        for policy, rule in rules:
            statements.append(f"DROP POLICY IF EXISTS chorectl_{policy} ON {table(name)}")
            statements.append(f"CREATE POLICY chorectl_{policy} ON {table(name)} {rule}")
    return statements


def current_schema(conn) -> str:
    """The schema the household of *conn* lives in."""
    ((schema,),) = rows(conn, "SELECT current_schema()")
    if schema is None:
        raise InvalidState("the database URL's search_path names no schema that exists")
    return schema


def setup_roles(conn, parent: str = PARENT_ROLE, child: str = CHILD_ROLE) -> list[str]:
    """Run :func:`role_sql` for the household on *conn*, in the caller's transaction; the statements run.

    A login that may not (not the tables' owner, or without CREATEROLE for a role that is
    missing) is refused with :class:`RolesRefused` (exit 3), and nothing is changed.
    """
    from sqlalchemy import exc as sa_exc

    statements = role_sql(current_schema(conn), parent, child)
    try:
        for statement in statements:
            conn.exec_driver_sql(statement)
    except sa_exc.DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42501":
            raise RolesRefused(_reason(exc.orig), parent, child) from None
        raise
    return statements


def household_roles(conn) -> tuple[str, str] | None:
    """The parent and child roles the household on *conn* was given (by their grants), or None."""
    found = rows(
        conn,
        # column_privileges: the child role's INSERT is granted column by column (never the id).
        "SELECT DISTINCT grantee, table_name FROM information_schema.column_privileges"
        " WHERE table_schema = current_schema() AND privilege_type = 'INSERT'"
        " AND table_name IN ('ledger', 'completion') AND grantee <> current_user",
    )
    parents = {who for who, table in found if table == "ledger"}
    children = {who for who, table in found if table == "completion"} - parents
    if len(parents) != 1 or len(children) != 1:
        return None
    return parents.pop(), children.pop()


def after_upgrade(conn) -> None:
    """An upgrade may add tables: the household's roles get what they may do on them, in the
    upgrade's transaction (run by the owner, who alone may upgrade)."""
    given = household_roles(conn)
    if given is not None:
        setup_roles(conn, *given)


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
    if state in ("57P01", "57P02", "57P03"):  # admin or crash shutdown, pg_terminate_backend; starting up
        return StorageError(
            f"the PostgreSQL server ended the connection ({reason})",
            hint="its transaction was rolled back; try again once the server is up",
        )
    if state == "25006" or state.startswith("53"):
        return StorageError(f"the database cannot be written ({reason})")
    if (state.startswith("08") or not state) and re.search(
        r"server closed the connection unexpectedly|the connection is lost|connection is closed", reason
    ):  # it was connected: the server went away mid-command
        return StorageError(
            f"the PostgreSQL server ended the connection ({reason})",
            hint="its transaction was rolled back; try again once the server is up",
        )
    if state.startswith("08") or not state:
        # A refused connection carries no SQLSTATE: libpq's words are all there is.
        if re.search(r'database "[^"]*" does not exist', reason):
            hint = "its owner creates it first (createdb NAME), then runs 'chorectl init' with this --db"
        elif re.search(r'role "[^"]*" does not exist|authentication failed|no pg_hba.conf entry', reason):
            hint = "check the user in the URL, PGPASSWORD, ~/.pgpass or the service file"
        else:
            hint = "is the server running, and is --db right?"
        return StorageError(f"cannot connect to the PostgreSQL server ({reason})", hint=hint)
    return StorageError(f"database error: {reason}")


class RolesRefused(Denied):
    """This login may not set up the household's roles (exit 3)."""

    def __init__(self, reason: str, parent: str, child: str) -> None:
        super().__init__(
            f"this database login cannot set up the roles {parent} and {child} ({reason})",
            hint="run init as the database owner; a missing role needs CREATEROLE: have a superuser run"
            " 'chorectl init --roles-sql' with psql, or make the roles (CREATE ROLE ... NOLOGIN) and init again",
        )


class DatabaseDenied(LoginDenied):
    """The database's roles refused the login (SQLSTATE 42501, exit 3): a child's login cannot approve.

    Carries the server's *reason*; the command line names the command (:meth:`LoginDenied.for_command`).
    """


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
    """The household as a SQLite file, row for row (:mod:`chorectl.db.transfer`): ``chorectl
    restore`` reads it, and ``chorectl copy`` moves it into a server again. The server's
    own backup of the schema is ``pg_dump``."""
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


@contextmanager
def building(target, *, replace: bool) -> Iterator[str]:
    """The database itself: the copy is one transaction there, committed whole or not at all."""
    yield target


def advance_keys(conn, tables) -> None:
    """Each serial key's sequence set past the highest id copied (the next insert takes the one after)."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max({quote(column.name)}), 0) + 1, false)"
            f" FROM {quote(table.name)}",
            (quote(table.name), column.name),
        )


def side_files(db) -> list[Path]:
    return []
