"""The SQLite backend: everything chorectl does SQLite's own way (see :mod:`chorectl.db.dialect`).

A database is one file (0600, in a 0700 folder), opened by an escaped URI of
its absolute path (:mod:`chorectl.db.uri`), in WAL mode with a busy timeout;
writers take the lock with ``BEGIN IMMEDIATE``. The ledger and the audit log
are append-only by ``RAISE(ABORT)`` triggers, partial indexes are
``sqlite_where``, the stamp is ``PRAGMA application_id`` and ``user_version``,
copies use the online backup API, and errors are told apart by the driver's
message text.

The top level imports the standard library only: shell completion reads
through :func:`quick_query` on every Tab press. SQLAlchemy is imported by the
functions that need it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chorectl.db.dialect import WRITE, Stamp
from chorectl.db.uri import connect, file_uri
from chorectl.errors import InvalidState, NotFound, StorageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from chorectl.db.schema import Schema, Table
    from chorectl.domain.scripts import ScriptForm

NAME = "SQLite"
A_DATABASE = "an SQLite database"
Error = sqlite3.Error
INTEGRITY_READS = "the whole file read"
SHARED = False  # one machine's file: the PIN's hash stays in that machine's keyring only

BUSY_TIMEOUT_MS = 15_000
MISSING_HINT = "run 'chorectl init' to create it, or check --db / CHORECTL_DB"
HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
SIDE_FILES = ("-wal", "-shm", "-journal")  # beside the real file: part of the live database

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


# ---------------------------------------------------------------- the file


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


def side_files(db: Path) -> list[Path]:
    """The journal files SQLite keeps beside *db*."""
    return [db.with_name(db.name + suffix) for suffix in SIDE_FILES]


def is_database_file(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == HEADER


# ---------------------------------------------------------------- engines


def _on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (see _on_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: durable at checkpoint, never corrupt
    cur.close()


def _on_begin(conn) -> None:
    # A writer takes the write lock at BEGIN (see chorectl.db.dialect.writing), a reader when it must.
    write = conn.get_execution_options().get(WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")


def _listen(engine: Engine) -> None:
    from sqlalchemy import event

    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)


def make_engine(path: Path | str, *, create: bool) -> Engine:
    """An engine for the file *path*. Any name is a file name: never a URI, never ``:memory:``."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

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
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    _listen(engine)
    return engine


def tune(engine: Engine) -> None:
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


# ---------------------------------------------------------------- the schema


def rows(conn, sql: str, *params) -> list[tuple]:
    """*sql*'s rows on a SQLAlchemy ``Connection`` or an ``sqlite3.Connection``."""
    if hasattr(conn, "exec_driver_sql"):  # SQLAlchemy
        return [tuple(r) for r in conn.exec_driver_sql(sql, params).fetchall()]
    return conn.execute(sql, params).fetchall()


def install_guards(conn) -> None:
    for trigger in TRIGGERS:
        conn.exec_driver_sql(trigger)


def after_upgrade(conn) -> None:
    return None  # one file, one OS account: nothing to grant


def index_where(condition: str) -> dict[str, Any]:
    from sqlalchemy import text

    return {"sqlite_where": text(condition)}


def read_stamp(conn) -> Stamp:
    ((app_id,),) = rows(conn, "PRAGMA application_id")
    ((version,),) = rows(conn, "PRAGMA user_version")
    ((tables,),) = rows(conn, "SELECT count(*) FROM sqlite_master WHERE type = 'table'")
    return Stamp(int(app_id), int(version), bool(tables))


def write_stamp(conn, *, version: int, app_id: int | None = None) -> None:
    if app_id is not None:
        conn.exec_driver_sql(f"PRAGMA application_id = {int(app_id)}")
    conn.exec_driver_sql(f"PRAGMA user_version = {int(version)}")


def columns(conn, table: str) -> set[str]:
    return {r[1] for r in rows(conn, "SELECT * FROM pragma_table_info(?)", table)}


def reference_schema(conn) -> Schema:
    """Made in a private in-memory database (chorectl.db.schema.expected), once a process."""
    from chorectl.db import schema, sqlite

    return schema.expected(sqlite)


def read_schema(conn) -> Schema:
    """The schema in the file, from ``sqlite_master`` and the table-valued pragmas.

    SQLite's own ``sqlite_%`` objects (sqlite_sequence, sqlite_stat1 from
    ANALYZE, automatic indexes) are not objects of their own here.
    """
    from chorectl.db.schema import Schema, normalize

    tables, indexes, triggers, views = {}, {}, {}, {}
    objects = rows(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE substr(name, 1, 7) != 'sqlite_' ORDER BY name",
    )
    for kind, name, table, sql in objects:
        key = name.lower()
        if kind == "table":
            tables[key] = _table(conn, name)
        elif kind == "index":
            indexes[key] = _index(conn, name, table, sql)
        elif kind == "trigger":
            triggers[key] = normalize(sql)
        elif kind == "view":
            views[key] = normalize(sql)
    return Schema(tables, indexes, triggers, views)


def _table(conn, name: str) -> Table:
    from chorectl.db.schema import Table

    columns = {
        col.lower(): ((kind or "").upper(), notnull, pk, hidden)
        for _cid, col, kind, notnull, _default, pk, hidden in rows(conn, "SELECT * FROM pragma_table_xinfo(?)", name)
    }
    foreign_keys = frozenset(
        (src.lower(), other.lower(), (dst or "").lower(), on_update.upper(), on_delete.upper())
        for _id, _seq, other, src, dst, on_update, on_delete, _match in rows(
            conn, "SELECT * FROM pragma_foreign_key_list(?)", name
        )
    )
    keys = frozenset(
        (origin, unique, _index_columns(conn, index))
        for _seq, index, unique, origin, _partial in rows(conn, "SELECT * FROM pragma_index_list(?)", name)
        if origin in ("pk", "u")
    )
    return Table(columns, foreign_keys, keys)


def _index_columns(conn, index: str) -> tuple:
    found = rows(conn, "SELECT name, desc, coll FROM pragma_index_xinfo(?) WHERE key ORDER BY seqno", index)
    return tuple(((col or "<expression>").lower(), desc, (coll or "").upper()) for col, desc, coll in found)


def _index(conn, name: str, table: str, sql: str | None) -> tuple:
    from chorectl.db.schema import normalize

    unique = next((u for _s, n, u, *_ in rows(conn, "SELECT * FROM pragma_index_list(?)", table) if n == name), None)
    tokens = normalize(sql or "").split(" ")
    where = " ".join(tokens[tokens.index("where") + 1 :]) if "where" in tokens else ""
    columns = _index_columns(conn, name)
    if any(col == "<expression>" for col, *_ in columns):
        where = normalize(sql or "")  # an expression index: its whole text decides
    return (table.lower(), unique, columns, where)


# ---------------------------------------------------------------- checks


# SQLite calls a progress handler every this many virtual machine steps (~a few ms).
PROGRESS_STEPS = 200_000


def integrity_problems(conn, progress=None) -> list[str]:
    """``PRAGMA integrity_check``'s findings; *progress()* is called every PROGRESS_STEPS steps.

    The handler is the only Python code that runs while the check reads the
    file, so Ctrl-C lands there. sqlite3 turns anything a handler raises into
    "interrupted" and drops it: that would end the command as a database
    error (exit 1). What the handler raised is raised again as itself, and an
    interruption with nothing kept (the KeyboardInterrupt can come as the
    handler is entered, before it can catch anything) is a KeyboardInterrupt.
    """
    if progress is None:
        return _findings(rows(conn, "PRAGMA integrity_check"))
    driver = getattr(getattr(conn, "connection", None), "driver_connection", conn)  # SQLAlchemy's or sqlite3's
    raised: list[BaseException] = []

    def tick() -> int:
        try:
            progress()
        except BaseException as exc:  # handed back below, as itself
            raised.append(exc)
            return 1  # stop the check
        return 0  # go on

    driver.set_progress_handler(tick, PROGRESS_STEPS)
    try:
        found = rows(conn, "PRAGMA integrity_check")
    except Exception as exc:
        if raised:
            raise raised[0] from None
        if "interrupted" in str(getattr(exc, "orig", exc)):
            raise KeyboardInterrupt from None
        raise
    finally:
        driver.set_progress_handler(None, 0)
    return _findings(found)


def _findings(found: list[tuple]) -> list[str]:
    problems = [row[0] for row in found]
    return [] if problems == ["ok"] else problems


def dangling_references(conn) -> list[tuple]:
    return rows(conn, "PRAGMA foreign_key_check")


def describe(conn) -> str:
    ((mode,),) = rows(conn, "PRAGMA journal_mode")
    return f"journal {mode}"


# ---------------------------------------------------------------- errors


def translate_error(exc: BaseException) -> Exception | None:
    """Turn a driver error into one line a person can act on; None if it is not one."""
    from sqlalchemy import exc as sa_exc

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


def _reason(exc) -> str:
    return str(getattr(exc, "orig", exc)).strip()


# ---------------------------------------------------------------- reading a file that is not open


@contextmanager
def reading(path: Path, name: Path) -> Iterator[sqlite3.Connection]:
    try:
        con = connect(path, mode="ro")
        try:
            yield con
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidState(f"{name} cannot be read as a database ({exc})") from None


def quick_query(path: Path, sql: str, *, timeout: float) -> list[tuple]:
    if not path.is_file():
        return []  # nothing there, and nothing made
    con = connect(path, mode="ro", timeout=timeout)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- whole copies


def backup(source: Path, target: Path) -> None:
    """Copy the database at *source* to *target* (mode 0600), whole or not at all,
    with SQLite's online backup API: consistent while others write."""
    import tempfile  # not at the top: shell completion imports this module

    folder = target.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        os.close(fd)
    except OSError as exc:
        raise StorageError(f"cannot write in {folder}: {exc.strerror}") from None
    try:
        src = connect(source, mode="ro", timeout=15)
        try:
            dest = connect(tmp)
            try:
                src.backup(dest)  # page by page; restarts if a writer changes the source meanwhile
                dest.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
                same = [
                    c.execute(f"PRAGMA {p}").fetchone()[0]
                    for c in (src, dest)
                    for p in ("application_id", "page_count")
                ]
                if same[:2] != same[2:] or not same[1]:
                    raise sqlite3.DatabaseError(f"the copy does not match its source ({same})")
            finally:
                dest.close()
        finally:
            src.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError(f"the copy failed: {exc}") from None
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError(f"cannot write {target}: {exc.strerror}") from None


def restore(source: Path, db: Path) -> None:
    src = connect(source, mode="ro")
    try:
        dest = connect(db, timeout=15)
        try:
            src.backup(dest)  # under the destination's write lock: readers see old or new, never half
            dest.execute("PRAGMA journal_mode = WAL")  # the copy came without it
        finally:
            dest.close()
    finally:
        src.close()


def refuse_leftovers(db: Path) -> None:
    """Where the database file is gone but its -wal, -shm or -journal is not, a new file there
    would be read together with them, mixing an old database's pages into the restored one."""
    for stale in side_files(db):
        if stale.exists() or stale.is_symlink():
            raise InvalidState(
                f"{stale} is left from an earlier database at {db}; restoring beside it would mix the two",
                hint=f"move {db.name}-wal, -shm and -journal out of {db.parent} (keep them if the old data matters),"
                " then run the restore again",
            )


def restore_new(source: Path, db: Path) -> None:
    """Put *source* (staged, checked, up to date, in a private folder beside *db*) at *db*,
    where no database exists. Never over a file that appeared meanwhile."""
    refuse_leftovers(db)
    try:
        con = connect(source)
        try:
            con.execute("PRAGMA journal_mode = WAL")  # the copy came without it
        finally:
            con.close()
        os.chmod(source, 0o600)
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(f"the restore failed and nothing was created ({exc})") from None
    try:
        os.link(source, db)  # one step, and never replaces what is there
    except FileExistsError:
        raise InvalidState(
            f"{db} appeared while restoring; nothing was replaced", hint="run the restore again"
        ) from None
    except OSError as exc:
        raise StorageError(f"cannot create {db}: {exc.strerror}") from None


# ---------------------------------------------------------------- moving a household (copy)


def display(location: Path | str) -> str:
    return str(Path(location).absolute())


@contextmanager
def building(target: Path | str, *, replace: bool) -> Iterator[Path]:
    """A new file beside *target* (0600) to build the copy in; put at *target* in one step when
    the block ends, or removed. Without *replace* only a new name or an empty file is taken, and
    never one with an earlier database's journal files beside it."""
    import tempfile  # not at the top: shell completion imports this module

    target = Path(target)
    if not replace:
        _refuse_taken(target)
        refuse_leftovers(target)
    folder = target.parent
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        os.close(fd)
    except OSError as exc:
        raise StorageError(f"cannot write in {folder}: {exc.strerror}") from None
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o600)
        if replace or _empty_file(target):
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # one step, and never over a file that appeared meanwhile
    except FileExistsError:
        raise InvalidState(f"{target} appeared while copying; nothing was replaced", hint="name a new file") from None
    except OSError as exc:
        raise StorageError(f"cannot write {target}: {exc.strerror}") from None
    finally:
        for part in (tmp, *side_files(tmp)):
            part.unlink(missing_ok=True)


def _refuse_taken(target: Path) -> None:
    if target.exists() and not _empty_file(target):
        raise InvalidState(
            f"{target} exists already; a copy goes into a new file (or an empty one), never over another",
            hint="name a new file",
        )


def _empty_file(path: Path) -> bool:
    import stat

    try:
        found = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(found.st_mode) and found.st_size == 0


def advance_keys(conn, tables) -> None:
    return None  # a new row's rowid is the highest one's plus one already


# ---------------------------------------------------------------- script formats written in SQL

BATCH = 2000  # rows a fetch: long enough to make a line cost nothing more, short enough to stream


def script_lines(conn, query, form: ScriptForm) -> Iterator[list[str]] | None:
    """*query*'s rows as lines of *form* (see :meth:`chorectl.db.dialect.Dialect.script_lines`).

    SQLite writes all but the moments: each run of cells between two moments is one
    ``printf()`` (amounts by integer arithmetic, text behind the formula escape, JSON text
    by ``json_quote()``), and Python puts the key, the moments in local time
    (:class:`~chorectl.domain.dates.LocalIsoText`, from the stored UTC text) and those runs
    together, in one list comprehension per batch (:func:`_joiner`). Text cells are as
    they are: the caller checks them against ``form.special``. None (the caller writes the
    rows itself) if a column is not a plain column, or ``json_quote()`` does not write
    what :func:`json.dumps` does.

    Text holds no NUL: ``printf('%s')`` would end a cell there. chorectl stores none (names,
    titles and notes refuse control characters; the log's details come from them, from
    commands and from paths, which cannot hold one).
    """
    from sqlalchemy import Column, literal_column

    from chorectl.domain.dates import LocalIsoText

    selected = list(query.selected_columns)
    if len(selected) != len(form.kinds) or (form.json and not _json_quote_is_json_dumps(conn)):
        return None
    if not all(isinstance(column, Column) for column in selected):  # an expression, a label, a value
        return None
    names = [str(column.compile(dialect=conn.dialect)) for column in selected]
    pieces: list[tuple] = [("text", form.labels[0]), ("key",)] if form.labels[0] else [("key",)]
    output = [names[0]]
    run: list[tuple[str, str, str]] = []  # (label, kind, column) since the last moment

    def end_run(close: str) -> None:
        expression, constant = _printf(run, close, form)
        if expression is None:
            if constant:
                pieces.append(("text", constant))
        else:
            pieces.append(("sql",))
            output.append(expression)
        run.clear()

    for label, kind, name in zip(form.labels[1:], form.kinds[1:], names[1:], strict=True):
        if kind == "datetime":
            end_run(label)
            pieces.append(("moment", LocalIsoText(quote='"' if form.json else "")))
            output.append(name)
        else:
            run.append((label, kind, name))
    end_run(form.close)
    join = _joiner(pieces, form.null)
    result = conn.execute(query.with_only_columns(*map(literal_column, output), maintain_column_froms=True))
    return _batches(result, join)


def _batches(result, join) -> Iterator[list[str]]:
    cursor = result.cursor  # the driver's own rows: every cell is already text or an integer
    try:
        while rows := cursor.fetchmany(BATCH):
            yield join(rows)
    finally:
        result.close()


def _printf(run: list[tuple[str, str, str]], close: str, form: ScriptForm) -> tuple[str | None, str]:
    """One ``printf()`` writing the labels and cells of *run*, then *close*; (None, text) when it is only text.

    Each cell is an argument (``%s``: NULL is empty), but amounts, as often as they can, are
    written by the format itself (``%d.%02d``: a call of printf() less each): where every amount
    of the row is positive or zero, or only the first is negative.
    """
    text = "".join(label for label, _, _ in run) + close
    if not run:
        return None, text
    amounts = [name for _, kind, name in run if kind == "money"]

    def call(inline: dict[str, str]) -> str:
        fmt, args = [], []
        for label, kind, name in run:
            fmt.append(_pct(label))
            sign = inline.get(name) if kind == "money" else None
            if sign is None:
                fmt.append("%s")
                args.append(_cell(kind, name, form))
            elif sign == "-":  # never -x: -(-2**63) is no integer
                fmt.append("-%d.%02d")
                args += [f"-({name} / 100)", f"-({name} % 100)"]
            else:
                fmt.append("%d.%02d")
                args += [f"{name} / 100", f"{name} % 100"]
        fmt.append(_pct(close))
        return f"printf({', '.join([_quote(''.join(fmt)), *args])})"

    if not amounts:
        return call({}), text
    first, *rest = amounts
    positive = " AND ".join(f"{name} >= 0" for name in amounts)
    negative = " AND ".join([f"{first} < 0", *[f"{name} >= 0" for name in rest]])
    return (
        f"CASE WHEN {positive} THEN {call(dict.fromkeys(amounts, '+'))}"
        f" WHEN {negative} THEN {call({**dict.fromkeys(rest, '+'), first: '-'})}"
        f" ELSE {call({})} END",  # NULL, or another amount below zero: each amount by _cell()
        text,
    )


def _cell(kind: str, name: str, form: ScriptForm) -> str:
    """The SQL for one cell of *kind* from the column *name*, as text (NULL where *form.null* is empty)."""
    null = "NULL" if not form.null else _quote(form.null)
    if kind == "text":
        if form.json:
            return f"json_quote({name})"
        if not form.escape:
            return name
        above = _quote(chr(max(map(ord, form.escape)) + 1))  # every escaped first character sorts below it
        first = ", ".join(str(ord(c)) for c in form.escape)
        return (
            f"CASE WHEN {name} >= {above} COLLATE BINARY THEN {name}"
            f" WHEN unicode({name}) IN ({first}) THEN '''' || {name} ELSE {name} END"
        )
    if kind == "int":
        return name if not form.json else f"ifnull({name}, {null})"
    if kind == "money":
        return (
            f"CASE WHEN {name} >= 0 THEN printf('%d.%02d', {name} / 100, {name} % 100)"
            f" WHEN {name} < 0 THEN printf('-%d.%02d', -({name} / 100), -({name} % 100)) ELSE {null} END"
        )
    if kind == "bool":
        return f"CASE WHEN {name} IS NULL THEN {null} WHEN {name} THEN 'true' ELSE 'false' END"
    if kind == "date":
        return f"json_quote({name})" if form.json else name
    raise ValueError(f"no cell kind {kind!r}")


def _pct(text: str) -> str:
    return text.replace("%", "%%")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _joiner(pieces: list[tuple], null: str):
    """A function from a batch of rows to their lines, written for *pieces*: ``("key",)``
    (the first cell), ``("sql",)`` (a run of cells SQLite wrote), ``("text", s)`` (labels
    between two moments) and ``("moment", LocalIsoText)`` (stored UTC text; None is *null*).

    One f-string in one list comprehension, with the moments' lookups inline: a function
    call per cell would cost as much again as everything else Python does for a row.
    """
    from chorectl.domain.dates import STORED_SECONDS

    env: dict = {"null": null}
    setup, fields, names = [], [], []
    for i, piece in enumerate(pieces):
        if piece[0] == "text":
            env[f"t{i}"] = piece[1]
            fields.append(f"{{t{i}}}")
            continue
        cell = f"c{len(names)}"
        names.append(cell)
        if piece[0] == "moment":
            env[f"m{i}"] = piece[1]
            setup.append(f"    w{i}, g{i}, x{i} = m{i}.width, m{i}.cache.get, m{i}.miss\n")
            fields.append(
                f"{{{cell}[w{i}:{STORED_SECONDS}].join(g{i}({cell}[:w{i}]) or x{i}({cell}))"
                f" if {cell} is not None else null}}"
            )
        else:
            fields.append(f"{{{cell}}}")
    source = (
        "def join(rows):\n" + "".join(setup) + f'    return [f"{"".join(fields)}" for {", ".join(names)}, in rows]\n'
    )
    exec(compile(source, "<chorectl.db.sqlite script line>", "exec"), env)
    return env["join"]


_JSON_QUOTE: dict[str, bool] = {}  # by SQLite's version: does json_quote() write what json.dumps() does?


def _json_quote_is_json_dumps(conn) -> bool:
    """Does this SQLite's ``json_quote()`` write text as ``json.dumps(text, ensure_ascii=False)``?"""
    import json

    from sqlalchemy.exc import DBAPIError

    if sqlite3.sqlite_version not in _JSON_QUOTE:
        sample = "".join(map(chr, range(1, 0x20))) + '"\\/\x7f\u00e9\u2028\u2029\ufeff\uffff\U0001f9f9\U0010ffff'
        try:
            ((written,),) = rows(conn, "SELECT json_quote(?)", sample)
        except (Error, DBAPIError):  # no JSON functions in this build
            written = None
        _JSON_QUOTE[sqlite3.sqlite_version] = written == json.dumps(sample, ensure_ascii=False)
    return _JSON_QUOTE[sqlite3.sqlite_version]
