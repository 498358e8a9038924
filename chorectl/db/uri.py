"""How the SQLite backend (:mod:`chorectl.db.sqlite`) opens a file: always by an escaped ``file:`` URI of its absolute path.

A name is a file name, never something SQLite interprets: Debian's SQLite is
built with SQLITE_USE_URI=1, so ``sqlite3.connect("file:x.db")`` opens
``x.db`` even without ``uri=True``, and ``":memory:"`` is no file at all. The
absolute path turned into a URI has every ``?``, ``#``, ``%``, ``:`` and space
escaped, so SQLite opens exactly the file named, whatever its name.

Part of the SQLite backend: only :mod:`chorectl.db.sqlite` uses it. Standard
library only: shell completion uses it on every Tab press.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def file_uri(path: Path | str, *, mode: str = "rwc") -> str:
    """The URI that opens exactly *path*: ``mode`` is ``ro``, ``rw`` or ``rwc`` (create if missing)."""
    return Path(path).resolve().as_uri() + f"?mode={mode}"


def connect(path: Path | str, *, mode: str = "rwc", timeout: float = 5.0) -> sqlite3.Connection:
    """``sqlite3.connect`` on exactly the file *path* (see :func:`file_uri`)."""
    return sqlite3.connect(file_uri(path, mode=mode), uri=True, timeout=timeout)
