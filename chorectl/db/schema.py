"""Is a database's schema the one this chorectl makes? The one place that says.

``restore`` asks it of a backup (after upgrading an older one), ``doctor`` of
the live database, and an upgrade of its own result: a database that passes
its engine's integrity check can still lack a table or carry an append-only
trigger that was dropped or rewritten to do nothing.

The reference is built the way a new database gets its schema: ``ensure_schema``
on an in-memory database of the same backend (the same code path, not a copy
of it). The backend reads what is there (:meth:`chorectl.db.dialect.Dialect.read_schema`:
for SQLite, ``sqlite_master`` and the table-valued pragmas); compared here:

- tables: each column's name, declared type, NOT NULL, primary-key position
  and hidden flag, foreign keys, and the PRIMARY KEY and UNIQUE constraints'
  columns. Default values are not compared (an ``ALTER TABLE ADD COLUMN`` in
  an upgrade writes them differently from ``CREATE TABLE``), nor is column
  order (``ADD COLUMN`` can only append, and chorectl never reads a column by
  position);
- indexes: table, columns (with order and collation), unique, and the
  partial-index ``WHERE`` clause, normalized;
- triggers and views: their SQL, normalized (whitespace and comments,
  keyword and identifier case, identifier quoting);
- missing and extra objects of each kind. The engine's own internal objects
  are not objects of their own here.

Imported only by doctor, restore and an upgrade; never on the everyday path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from chorectl.db import dialect


@dataclass(frozen=True)
class Table:
    columns: dict[str, tuple]  # name -> (declared type, notnull, pk position, hidden)
    foreign_keys: frozenset[tuple]  # (column, other table, other column, on update, on delete)
    keys: frozenset[tuple]  # PRIMARY KEY / UNIQUE constraints: (origin, columns)


@dataclass(frozen=True)
class Schema:
    tables: dict[str, Table]
    indexes: dict[str, tuple]  # name -> (table, unique, columns, where)
    triggers: dict[str, str]  # name -> normalized SQL
    views: dict[str, str]  # name -> normalized SQL


def differences(conn) -> list[str]:
    """What differs between the database on *conn* and the schema this chorectl makes, one phrase each.

    *conn* is a SQLAlchemy ``Connection`` or the driver's own. Empty: the same.
    """
    backend = dialect.of(conn)
    return compare(backend.read_schema(conn), backend.reference_schema(conn))


def expected(backend: dialect.Dialect | None = None) -> Schema:
    """The schema this version makes for a new database of *backend* (by default the file one's)."""
    return _expected(backend or dialect.at())


@cache
def _expected(backend: dialect.Dialect) -> Schema:
    """Read back from an in-memory database of that backend."""
    from chorectl.db.engine import ensure_schema

    engine = backend.memory_engine()
    try:
        ensure_schema(engine)
        with engine.connect() as conn:
            return backend.read_schema(conn)
    finally:
        engine.dispose()


def summary(found: list[str], most: int = 3) -> str:
    """The first few differences on one line."""
    more = f" (and {len(found) - most} more)" if len(found) > most else ""
    return "; ".join(found[:most]) + more


# ---------------------------------------------------------------- normalizing SQL

_TOKEN = re.compile(
    r"""
      (?P<space>\s+|--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
    | (?P<word>[^\W\d]\w*|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\$\w+)
    | (?P<op><>|!=|==|<=|>=|\|\||<<|>>|\S)
    """,
    re.X | re.S,
)
_SAME_OP = {"==": "=", "<>": "!="}


def normalize(sql: str) -> str:
    """SQL text as tokens one space apart: comments gone, keywords and identifiers lower case and
    unquoted, string literals exactly as written; ``IF NOT EXISTS`` dropped (SQLite does too)."""
    out = []
    for match in _TOKEN.finditer(sql):
        kind, text = match.lastgroup, match.group()
        if kind == "space":
            continue
        if kind == "quoted":
            text = text[1:-1].replace(text[0] * 2, text[0]) if text[0] != "[" else text[1:-1]
            text = text.lower()
        elif kind == "word":
            text = text.lower()
        elif kind == "op":
            text = _SAME_OP.get(text, text)
        out.append(text)
    if out[:1] == ["create"]:
        at = 3 if out[1:2] == ["unique"] else 2
        if out[at : at + 3] == ["if", "not", "exists"]:
            del out[at : at + 3]
    return " ".join(out)


# ---------------------------------------------------------------- comparing


def compare(actual: Schema, reference: Schema) -> list[str]:
    found: list[str] = []
    for name in sorted(reference.tables.keys() | actual.tables.keys()):
        if name not in actual.tables:
            found.append(f"table {name} is missing")
        elif name not in reference.tables:
            found.append(f"extra table {name}")
        else:
            found.extend(_compare_table(name, actual.tables[name], reference.tables[name]))
    for kind, have, want in (
        ("index", actual.indexes, reference.indexes),
        ("trigger", actual.triggers, reference.triggers),
        ("view", actual.views, reference.views),
    ):
        for name in sorted(want.keys() | have.keys()):
            if name not in have:
                found.append(f"{kind} {name} is missing")
            elif name not in want:
                found.append(f"extra {kind} {name}")
            elif have[name] != want[name]:
                found.append(f"{kind} {name} is altered")
    return found


def _compare_table(name: str, have: Table, want: Table) -> list[str]:
    found = []
    for column in sorted(want.columns.keys() | have.columns.keys()):
        if column not in have.columns:
            found.append(f"column {name}.{column} is missing")
        elif column not in want.columns:
            found.append(f"extra column {name}.{column}")
        elif have.columns[column] != want.columns[column]:
            found.append(
                f"column {name}.{column} is {_column(have.columns[column])}, not {_column(want.columns[column])}"
            )
    if have.foreign_keys != want.foreign_keys:
        found.append(f"the foreign keys of table {name} differ")
    if have.keys != want.keys:
        found.append(f"the primary key or unique constraints of table {name} differ")
    return found


def _column(spec: tuple) -> str:
    kind, notnull, pk, hidden = spec
    words = [kind or "untyped", "NOT NULL" if notnull else "nullable"]
    if pk:
        words.append("PRIMARY KEY")
    if hidden:
        words.append("generated" if hidden > 1 else "hidden")
    return " ".join(words)
