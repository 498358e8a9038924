"""What shell completion offers: member names and chore titles.

Completion runs on every Tab press, so this reads the database through the
backend's quick read-only query (for SQLite, the standard library's sqlite3)
and never imports SQLAlchemy; any trouble means nothing to offer, never an
error in the shell.
"""

from __future__ import annotations

from pathlib import Path

from chorectl.db import dialect

QUERIES = {
    "members": "SELECT name FROM member WHERE active = 1 ORDER BY name_key",
    "archived": "SELECT name FROM member WHERE active = 0 ORDER BY name_key",
    "children": "SELECT name FROM member WHERE active = 1 AND role = 'child' ORDER BY name_key",
    "chores": "SELECT DISTINCT title FROM chore WHERE archived = 0 ORDER BY title_key",
}


def names(path: Path | None, what: str) -> list[str]:
    """The names of *what* (a key of :data:`QUERIES`) in the database at *path*; [] on any trouble."""
    if path is None:
        return []
    backend = dialect.at(path)
    try:
        return [row[0] for row in backend.quick_query(path, QUERIES[what], timeout=1)]
    except backend.Error:
        return []  # completion must never break the shell
