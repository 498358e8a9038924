"""Small helpers shared by the tiers: the test database as it is on disk, a PIN in some output."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def db_path() -> Path:
    return Path(os.environ["CHORECTL_DB"])


# What a refused command may still write: the audit of PIN attempts and the
# wrong-PIN count and lockout. Everything else must stay exactly as it was.
BOOKKEEPING = {
    "audit": None,
    "household": "id, currency, created_at, pin_set, keyring, keyring_location, pin_fingerprint",
}


def snapshot(path: Path | None = None, *, everything: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table: to show that a failed command changed nothing."""
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


def query(sql: str, *params, path: Path | None = None) -> list[tuple]:
    con = sqlite3.connect(path or db_path())
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def shows(secret: str, text: str) -> bool:
    """Whether ``secret`` (a PIN) appears in ``text`` as a token of its own.

    A bare substring test fails at random: "4321" turns up inside hex ids,
    microseconds and bcrypt salts."""
    import re

    return re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text) is not None
