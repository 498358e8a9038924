"""Where a household's database is: a file, or a server (standard library only: read on every command)."""

from __future__ import annotations

from pathlib import Path


def is_server(location: Path | str | None) -> bool:
    """Does *location* (what --db / CHORECTL_DB says) name a database server's URL, not a file?"""
    from chorectl.db.dialect import is_url

    return is_url(location)
