"""Shell completion of member names and chore titles.

Completion runs on every Tab press, so it reads the database with the
standard library's sqlite3, read-only, and never imports SQLAlchemy.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import typer

from chorectl.db.uri import connect


def _db(ctx: typer.Context) -> Path | None:
    root = ctx.find_root()
    given = root.params.get("db") if root.params else None
    if given:
        return Path(given)
    if os.environ.get("CHORECTL_DB"):
        return Path(os.environ["CHORECTL_DB"])
    from chorectl.cli.state import default_db_path
    from chorectl.errors import ChorectlError

    try:
        return default_db_path()
    except ChorectlError:  # no HOME: nothing to offer, and no guessing either
        return None


def _query(ctx: typer.Context, sql: str) -> list[str]:
    path = _db(ctx)
    if path is None or not path.is_file():
        return []
    try:
        con = connect(path, mode="ro", timeout=1)
        try:
            return [row[0] for row in con.execute(sql)]
        finally:
            con.close()
    except sqlite3.Error:
        return []  # completion must never break the shell


def _matching(names: list[str], incomplete: str) -> list[str]:
    # Case matters: Typer keeps only what starts with the word as typed.
    return [n for n in names if n.startswith(incomplete)]


def members(ctx: typer.Context, incomplete: str) -> list[str]:
    return _matching(_query(ctx, "SELECT name FROM member WHERE active = 1 ORDER BY name_key"), incomplete)


def archived(ctx: typer.Context, incomplete: str) -> list[str]:
    """For ``member restore``: the archived members."""
    return _matching(_query(ctx, "SELECT name FROM member WHERE active = 0 ORDER BY name_key"), incomplete)


def children(ctx: typer.Context, incomplete: str) -> list[str]:
    sql = "SELECT name FROM member WHERE active = 1 AND role = 'child' ORDER BY name_key"
    return _matching(_query(ctx, sql), incomplete)


def chores(ctx: typer.Context, incomplete: str) -> list[str]:
    titles = _query(ctx, "SELECT DISTINCT title FROM chore WHERE archived = 0 ORDER BY title_key")
    return _matching(titles, incomplete)
