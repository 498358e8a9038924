"""Names for safety copies beside the database. The copying itself is the backend's
(:meth:`chorectl.db.dialect.Dialect.backup`)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from chorectl.errors import StorageError


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
