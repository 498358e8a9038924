"""Small helpers shared by the CLI and end-to-end tests."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def db_path() -> Path:
    return Path(os.environ["CHORECTL_DB"])


def snapshot(path: Path | None = None) -> dict[str, list[tuple]]:
    """Every row of every table: to show that a failed command changed nothing."""
    path = path or db_path()
    if not path.exists():
        return {}
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        con.close()


def query(sql: str, *params, path: Path | None = None) -> list[tuple]:
    con = sqlite3.connect(path or db_path())
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()
