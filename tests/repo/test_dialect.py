"""SQLite is spoken in one place (issue 13): the backend behind chorectl.db.dialect.

Every module of chorectl outside the SQLite backend (``db/sqlite.py`` and its
file-name helper ``db/uri.py``) is scanned for SQLite's own words: pragmas,
``BEGIN IMMEDIATE``, ``RAISE(...)`` triggers, ``sqlite_where`` and the other
``sqlite_`` names, the stdlib driver, the version stamp, the backup API, error
matching on SQLite's message text, its journal files. Comments and docstrings
may explain; code may not. A second backend plugs in beside the first, and
this test keeps the rest of chorectl from growing a dependency on either.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "chorectl"

# The SQLite backend, and the one module that may import it.
BACKEND = {"db/sqlite.py", "db/uri.py"}
SEAM = "db/dialect.py"

SQLITE_WORDS = {
    "a pragma": r"\bPRAGMA\b|\bpragma_\w+",
    "a SQLite transaction mode": r"\bBEGIN\s+(IMMEDIATE|EXCLUSIVE|DEFERRED)\b",
    "a RAISE() trigger": r"\bRAISE\s*\(\s*(ABORT|FAIL|ROLLBACK|IGNORE)\b",
    "trigger DDL": r"\bCREATE\s+(TEMP\w*\s+)?TRIGGER\b",
    "a sqlite_ name (sqlite_where, sqlite_master ...)": r"\bsqlite_\w+",
    "the sqlite3 driver": r"\bimport\s+sqlite3\b|\bfrom\s+sqlite3\b|\bsqlite3\s*\.",
    "a sqlite:// URL": r"\bsqlite(\+\w+)?://",
    "the version stamp": r"(?-i:\b(user_version|application_id)\b)",  # APPLICATION_ID is chorectl's own mark
    "a SQLite setting": r"\b(journal_mode|busy_timeout|check_same_thread)\b",
    "SQLite's checks": r"\b(integrity_check|quick_check|foreign_key_check)\b",
    "the online backup API": r"\.backup\(\s*[\w.]+\s*(\)|,\s*(pages|progress|name|sleep)\s*=)",
    "a SQLite journal file": r"""["']-(wal|shm|journal)["']|["']wal["']""",
    "the database file's header": r"SQLite format 3",
    "matching SQLite's error text": r"""["'](database is locked|locked|busy|not a database|malformed|readonly)["']\s+in\b""",
    "SQLite's own SQL functions (script lines)": r"\b(printf|json_quote|unicode|instr)\s*\(",
    "the driver's own cursor or connection": r"\.cursor\b|\b(raw_connection|driver_connection|dbapi_connection)\b",
}
PATTERN = re.compile("|".join(f"(?P<w{i}>{rx})" for i, rx in enumerate(SQLITE_WORDS.values())), re.IGNORECASE)
LABELS = list(SQLITE_WORDS)


def code_lines(source: str) -> list[str]:
    """*source* with its comments and docstrings blanked out, line for line."""
    lines = source.splitlines()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                docstrings.add((first.lineno, first.col_offset))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT or (token.type == tokenize.STRING and token.start in docstrings):
            (row, col), (end_row, end_col) = token.start, token.end
            for n in range(row, end_row + 1):
                line = lines[n - 1]
                start = col if n == row else 0
                stop = end_col if n == end_row else len(line)
                lines[n - 1] = line[:start] + " " * (stop - start) + line[stop:]
    return lines


def sqlite_words(path: Path) -> list[tuple[int, str, str]]:
    """(line, what, the text) for each of SQLite's words in the code of *path*."""
    found = []
    for number, line in enumerate(code_lines(path.read_text()), start=1):
        for match in PATTERN.finditer(line):
            what = LABELS[int(match.lastgroup[1:])]
            found.append((number, what, match.group()))
    return found


def modules(package: Path = PACKAGE):
    for path in sorted(package.rglob("*.py")):
        yield path.relative_to(package).as_posix(), path


# The PostgreSQL backend (issue 15) is a backend too: SQL both engines spell alike
# (trigger DDL, a driver cursor) is its own there; SQLite's own words are not.
OTHER_BACKENDS = {"db/postgres.py": {"trigger DDL", "the driver's own cursor or connection"}}
POSTGRES_WORDS = re.compile(
    r"\bpg_\w+|\bplpgsql\b|(?<!postgresql\+)\bpsycopg\b|\bpostgresql_where\b|\bsqlstate\b|\bSECURITY\s+DEFINER\b",
    re.IGNORECASE,
)


def outside_the_backend(package: Path = PACKAGE) -> list[str]:
    """Every SQLite word outside the backend, as ``chorectl/...py:LINE: what (text)``."""
    return [
        f"chorectl/{name}:{line}: {what} ({text})"
        for name, path in modules(package)
        if name not in BACKEND
        for line, what, text in sqlite_words(path)
        if what not in OTHER_BACKENDS.get(name, ())
    ]


def postgres_outside_its_backend(package: Path = PACKAGE) -> list[str]:
    return [
        f"chorectl/{name}:{number}: {match.group()}"
        for name, path in modules(package)
        if name not in OTHER_BACKENDS and name != SEAM
        for number, line in enumerate(code_lines(path.read_text()), start=1)
        for match in POSTGRES_WORDS.finditer(line)
    ]


def test_postgresql_is_spoken_only_by_its_backend():
    assert postgres_outside_its_backend() == []


def backend_imports(package: Path = PACKAGE) -> list[str]:
    """Imports of the backend from outside it and the seam: the rest reaches it through the seam."""
    wrong = []
    for name, path in modules(package):
        if name in BACKEND or name == SEAM:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module in (
                "chorectl.db",
                "chorectl.db.sqlite",
                "chorectl.db.uri",
            ):
                names = {alias.name for alias in node.names}
                if node.module != "chorectl.db" or names & {"sqlite", "uri"}:
                    wrong.append(f"chorectl/{name}:{node.lineno} imports the SQLite backend")
            elif isinstance(node, ast.Import) and any(
                alias.name in ("chorectl.db.sqlite", "chorectl.db.uri") for alias in node.names
            ):
                wrong.append(f"chorectl/{name}:{node.lineno} imports the SQLite backend")
    return wrong


def test_sqlite_is_spoken_only_by_its_backend():
    assert outside_the_backend() == []


def test_the_backend_is_reached_only_through_the_seam():
    assert backend_imports() == []


def test_the_scan_sees_sqlite_in_code_and_not_in_prose(tmp_path):
    """The check itself works: what a service might write is caught; a docstring or comment is not."""
    package = tmp_path / "chorectl"
    (package / "services").mkdir(parents=True)
    (package / "db").mkdir()
    (package / "db" / "sqlite.py").write_text('import sqlite3\nsql = "PRAGMA user_version"\n')
    (package / "services" / "bad.py").write_text(
        '"""Takes the write lock (BEGIN IMMEDIATE) and reads PRAGMA user_version."""\n'
        "import sqlite3  # the driver\n"
        "from chorectl.db.sqlite import backup\n"
        "\n"
        "def run(conn, src, dest):\n"
        '    """sqlite3.connect is not called here."""\n'
        '    conn.exec_driver_sql("BEGIN IMMEDIATE")  # PRAGMA in a comment is fine\n'
        '    version = conn.execute("pragma user_version").fetchone()\n'
        "    src.backup(dest)\n"
        "    storage.backup(db, target, force=True)\n"
        '    index = dict(sqlite_where="archived = 0")\n'
        '    if "locked" in str(version):\n'
        '        return (db + "-wal", "-wal")\n'
        "    line = literal_column(\"printf('%s,%s', id, json_quote(note))\")\n"
        "    rows = conn.execute(query).cursor.fetchmany(2000)\n"
    )
    found = outside_the_backend(package)
    assert [line.split(": ", 1)[0] for line in found] == [
        "chorectl/services/bad.py:2",
        "chorectl/services/bad.py:7",
        "chorectl/services/bad.py:8",
        "chorectl/services/bad.py:8",
        "chorectl/services/bad.py:9",
        "chorectl/services/bad.py:11",
        "chorectl/services/bad.py:12",
        "chorectl/services/bad.py:13",
        "chorectl/services/bad.py:13",
        "chorectl/services/bad.py:14",
        "chorectl/services/bad.py:14",
        "chorectl/services/bad.py:15",
    ]
    assert "the sqlite3 driver (import sqlite3)" in found[0]
    assert backend_imports(package) == ["chorectl/services/bad.py:3 imports the SQLite backend"]


def test_the_sqlite_backend_implements_the_whole_interface():
    """Every name the Dialect protocol lists is in chorectl.db.sqlite, taking the same parameters."""
    from chorectl.db import dialect, sqlite

    members = {name for name in vars(dialect.Dialect) if not name.startswith("_")} | set(
        dialect.Dialect.__annotations__
    )
    assert members, "the protocol lists nothing"
    missing = sorted(name for name in members if not hasattr(sqlite, name))
    assert missing == []
    for name in members:
        wanted = getattr(dialect.Dialect, name, None)
        if callable(wanted) and not isinstance(wanted, type):
            params = list(inspect.signature(wanted).parameters)[1:]  # without self: a module's functions
            assert list(inspect.signature(getattr(sqlite, name)).parameters) == params, name
    assert dialect.at(PACKAGE / "x.db") is sqlite
    assert dialect.of(sqlite.memory_engine()) is sqlite
