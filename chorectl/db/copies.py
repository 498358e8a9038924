"""Whole-database copies with SQLite's online backup API: consistent while others write."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path

from chorectl.db.uri import connect
from chorectl.errors import StorageError


def copy_database(source: Path, target: Path) -> None:
    """Copy the database at *source* to *target* (mode 0600), whole or not at all."""
    folder = target.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        os.close(fd)
    except OSError as exc:
        raise StorageError(f"cannot write in {folder}: {exc.strerror}") from None
    try:
        src = connect(source, mode="ro", timeout=15)
        try:
            dest = connect(tmp)
            try:
                src.backup(dest)  # page by page; restarts if a writer changes the source meanwhile
                dest.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
                same = [
                    c.execute(f"PRAGMA {p}").fetchone()[0]
                    for c in (src, dest)
                    for p in ("application_id", "page_count")
                ]
                if same[:2] != same[2:] or not same[1]:
                    raise sqlite3.DatabaseError(f"the copy does not match its source ({same})")
            finally:
                dest.close()
        finally:
            src.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError(f"the copy failed: {exc}") from None
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StorageError(f"cannot write {target}: {exc.strerror}") from None


def beside(db: Path, label: str) -> Path:
    """Reserve a free name next to *db* for a safety copy: chorectl.db.<label>-20261121T213000.db.

    The name is created (empty, 0600) with O_EXCL, so two processes never pick the same one.
    """
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    n = 1
    while True:
        suffix = "" if n == 1 else f"-{n}"
        candidate = db.with_name(f"{db.name}.{label}-{stamp}{suffix}.db")
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return candidate
        except FileExistsError:
            n += 1
        except OSError as exc:
            raise StorageError(f"cannot write a safety copy beside {db}: {exc.strerror}") from None
