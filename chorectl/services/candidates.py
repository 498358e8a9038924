"""What shell completion offers: member names and chore titles.

Completion runs on every Tab press, so this reads the database with the
standard library's sqlite3, read-only, and never imports SQLAlchemy; any
trouble means nothing to offer, never an error in the shell.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from chorectl.db.uri import connect

QUERIES = {
    "members": "SELECT name FROM member WHERE active = 1 ORDER BY name_key",
    "archived": "SELECT name FROM member WHERE active = 0 ORDER BY name_key",
    "children": "SELECT name FROM member WHERE active = 1 AND role = 'child' ORDER BY name_key",
    "chores": "SELECT DISTINCT title FROM chore WHERE archived = 0 ORDER BY title_key",
}


def names(path: Path | None, what: str) -> list[str]:
    """The names of *what* (a key of :data:`QUERIES`) in the database at *path*; [] on any trouble."""
    if path is None or not path.is_file():
        return []
    try:
        con = connect(path, mode="ro", timeout=1)
        try:
            return [row[0] for row in con.execute(QUERIES[what])]
        finally:
            con.close()
    except sqlite3.Error:
        return []  # completion must never break the shell
