"""Small helpers shared by the tiers: the test database as it is on disk, a PIN in some output."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def db_path() -> Path:
    return Path(os.environ["CHORECTL_DB"])


def on_server() -> str | None:
    """The test's PostgreSQL URL when the backend fixture put the household on a server, else None."""
    location = os.environ.get("CHORECTL_DB", "")
    return location if location.startswith("postgresql") else None


def _server_rows(url: str, sql: str, params=()) -> list[tuple]:
    from tests.pg import connect

    with connect(url) as conn:
        cursor = conn.execute(_server_sql(sql), params)
        return [tuple(map(_as_sqlite_has_it, row)) for row in cursor] if cursor.description else []


def _server_sql(sql: str) -> str:
    """*sql* with SQLite's ``?`` placeholders as psycopg's, and a literal ``%`` (``LIKE 'ben%'``) as itself."""
    return sql.replace("%", "%%").replace("?", "%s")


def _as_sqlite_has_it(value):
    """A PostgreSQL value as the SQLite file holds it, so a test compares one thing on both:
    times as fixed-width UTC text, dates as ISO text, booleans as 0/1, sums as integers."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal) and value == int(value):
        return int(value)
    return value


# What a refused command may still write: the audit of PIN attempts and the
# wrong-PIN count and lockout. Everything else must stay exactly as it was.
BOOKKEEPING = {
    "audit": None,
    "household": "id, currency, created_at, pin_set, keyring, keyring_location, pin_fingerprint",
}


def snapshot(path: Path | None = None, *, everything: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table: to show that a failed command changed nothing."""
    if path is None and (url := on_server()):
        return _server_snapshot(url, everything)
    path = path or db_path()
    if not path.exists():
        return {}
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        result = {}
        for t in tables:
            columns = "*" if everything or t not in BOOKKEEPING else BOOKKEEPING[t]
            if columns is None:
                continue
            result[t] = con.execute(f'SELECT {columns} FROM "{t}" ORDER BY rowid').fetchall()
        return result
    finally:
        con.close()


def _server_snapshot(url: str, everything: bool) -> dict[str, list[tuple]]:
    tables = [
        r[0]
        for r in _server_rows(
            url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
    ]
    result = {}
    for t in tables:
        columns = "*" if everything or t not in BOOKKEEPING else BOOKKEEPING[t]
        if columns is None:
            continue
        result[t] = sorted(_server_rows(url, f'SELECT {columns} FROM "{t}"'), key=repr)
    return result


def query(sql: str, *params, path: Path | None = None) -> list[tuple]:
    """*sql*'s rows from the test's database: the SQLite file, or the PostgreSQL household (? placeholders)."""
    if path is None and (url := on_server()):
        return _server_rows(url, sql, params)
    con = sqlite3.connect(path or db_path())
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def rows_at(location: str | Path, sql: str, *params) -> list[tuple]:
    """*sql*'s rows from the database at *location*: a SQLite file's path, or a PostgreSQL URL."""
    if str(location).startswith("postgresql"):
        return _server_rows(str(location), sql, params)
    return query(sql, *params, path=Path(location))


def execute(sql: str, *params, at: str | Path | None = None) -> None:
    """Run one statement on the test's database (or the one *at*: a file or a URL) in a transaction
    of its own, behind chorectl's back (as someone with the file, or a database login, could). The
    driver's error is raised as it is: :func:`integrity_errors` names a constraint's, on both backends."""
    url = on_server() if at is None else (str(at) if str(at).startswith("postgresql") else None)
    if url:
        _server_rows(url, sql, params)
        return
    con = sqlite3.connect(at or db_path())
    try:
        with con:
            con.execute(sql, params)
    finally:
        con.close()


def integrity_errors() -> tuple[type[Exception], ...]:
    """The errors a refused constraint (UNIQUE, NOT NULL, a foreign key) raises in :func:`execute`."""
    if on_server():
        import psycopg

        return (psycopg.IntegrityError,)
    return (sqlite3.IntegrityError,)


def database_errors() -> tuple[type[Exception], ...]:
    """Any error the database raises in :func:`execute`: a trigger's refusal among them."""
    if on_server():
        import psycopg

        return (psycopg.Error,)
    return (sqlite3.Error,)


def shows(secret: str, text: str) -> bool:
    """Whether ``secret`` (a PIN) appears in ``text`` as a token of its own.

    A bare substring test fails at random: "4321" turns up inside hex ids,
    microseconds and bcrypt salts."""
    import re

    return re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text) is not None


# What schema 7 (issue 17) added, taken away again: a file or schema made by this chorectl,
# turned back into one from before that step (tests of the earlier steps' upgrades).
BEFORE_SCHEMA_7 = (
    *(f"DROP TABLE {table}" for table in ("action", "redemption", "reward", "goal", "rotation")),
    *(f"ALTER TABLE chore DROP COLUMN {column}" for column in ("rotate_by", "streak_n", "streak_bonus")),
)
