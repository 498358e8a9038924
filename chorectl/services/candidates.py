"""What shell completion offers: member names and chore titles.

Completion runs on every Tab press, so this reads the database through the
backend's quick read-only query (for SQLite, the standard library's sqlite3)
and never imports SQLAlchemy; any trouble means nothing to offer, never an
error in the shell.
"""

from __future__ import annotations

from pathlib import Path

from chorectl.db import dialect

# SQL both backends read (booleans as TRUE/FALSE, DISTINCT with its ORDER BY in the select list).
QUERIES = {
    "members": "SELECT name FROM member WHERE active = TRUE ORDER BY name_key",
    "archived": "SELECT name FROM member WHERE active = FALSE ORDER BY name_key",
    "children": "SELECT name FROM member WHERE active = TRUE AND role = 'child' ORDER BY name_key",
    "chores": "SELECT title FROM (SELECT DISTINCT title, title_key FROM chore WHERE archived = FALSE) AS live"
    " ORDER BY title_key",
    "rewards": "SELECT title FROM reward WHERE archived = FALSE ORDER BY title_key",
}


def names(path: Path | str | None, what: str) -> list[str]:
    """The names of *what* (a key of :data:`QUERIES`) in the database at *path*; [] on any trouble."""
    if path is None:
        return []
    backend = dialect.at(path)
    try:
        return [row[0] for row in backend.quick_query(path, QUERIES[what], timeout=1)]
    except backend.Error:
        return []  # completion must never break the shell
