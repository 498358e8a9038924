"""Shell completion of member names and chore titles (read by :mod:`chorectl.services.candidates`).

Completion runs on every Tab press: nothing here or there imports SQLAlchemy.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer


def _db(ctx: typer.Context) -> Path | str | None:
    from chorectl.cli import location

    root = ctx.find_root()
    given = (root.params.get("db") if root.params else None) or os.environ.get("CHORECTL_DB")
    if given:
        try:
            return location(given)  # a server's URL stays one
        except Exception:
            return None  # completion must never break the shell
    from chorectl.cli.state import default_db_path
    from chorectl.errors import ChorectlError

    try:
        return default_db_path()
    except ChorectlError:  # no HOME: nothing to offer, and no guessing either
        return None


def _names(ctx: typer.Context, what: str) -> list[str]:
    from chorectl.services.candidates import names

    return names(_db(ctx), what)


def _matching(names: list[str], incomplete: str) -> list[str]:
    # Case matters: Typer keeps only what starts with the word as typed.
    return [n for n in names if n.startswith(incomplete)]


def members(ctx: typer.Context, incomplete: str) -> list[str]:
    return _matching(_names(ctx, "members"), incomplete)


def archived(ctx: typer.Context, incomplete: str) -> list[str]:
    """For ``member restore``: the archived members."""
    return _matching(_names(ctx, "archived"), incomplete)


def children(ctx: typer.Context, incomplete: str) -> list[str]:
    return _matching(_names(ctx, "children"), incomplete)


def chores(ctx: typer.Context, incomplete: str) -> list[str]:
    return _matching(_names(ctx, "chores"), incomplete)


def rewards(ctx: typer.Context, incomplete: str) -> list[str]:
    """For ``redeem`` and ``reward remove``: the rewards in the catalog."""
    return _matching(_names(ctx, "rewards"), incomplete)
