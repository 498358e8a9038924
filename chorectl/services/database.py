"""Opening the household's database: the one way in for every command."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from chorectl.db.engine import Upgrade, ensure_schema, make_engine


def open_database(path: Path, *, create: bool) -> tuple[Engine, Upgrade | None]:
    """An engine on the database at *path*, its schema made or upgraded; and the upgrade, if one ran.

    Only ``init`` (and ``restore`` onto nothing) passes *create*: any other
    command refuses a missing or empty file (exit 1) and makes nothing.
    """
    engine = make_engine(path, create=create)
    return engine, ensure_schema(engine, path)
