"""Where ``backup`` and ``export --output`` may write: a regular file or a new name, nothing else.

Both write a temporary file and rename it over the target, and a rename
replaces whatever the name points at: the live database (or a journal file
next to it, corrupting it), the PIN keyring file (locking the parents out),
or, as root, a device node such as /dev/null. So the target must be

- a new name, or an existing regular file (checked with ``lstat``: a
  symbolic link is refused too, with the real file named in the hint; the
  user names that instead, so the link is never replaced by a file), and
- none of the protected files: the database, its journals (SQLite's ``-wal``,
  ``-shm`` and ``-journal``: the backend's ``side_files``), and the file keyring. Compared both by resolved path (``..``,
  a symlinked folder) and by device and inode (a hard link).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from chorectl.db import dialect
from chorectl.errors import InvalidState, StorageError


def check_target(path: Path, *, db: Path, what: str) -> Path:
    """*path* (``~`` expanded) if the *what* (``"backup"``, ``"export"``) may be written there.

    Raises :class:`InvalidState` (exit 1) otherwise, before anything is written.
    """
    path = path.expanduser()
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise StorageError(f"cannot write the {what} to {path}: {exc.strerror}") from None
    if found is not None and stat.S_ISLNK(found.st_mode):
        raise InvalidState(
            f"will not write the {what} to {path}: it is a symbolic link, and chorectl writes only to a "
            "regular file or a new name",
            hint=f"name the real file instead: {os.path.realpath(path)}",
        )
    if found is not None and not stat.S_ISREG(found.st_mode):
        raise InvalidState(
            f"will not write the {what} to {path}: it is not a regular file ({_kind(found.st_mode)})",
            hint="name a regular file, or a new one",
        )
    where = Path(os.path.realpath(path.parent)) / path.name  # path itself is no link (checked above)
    for label, protected in _protected(db):
        same_name = where == Path(os.path.realpath(protected))
        try:
            mark = os.stat(protected)
            same_file = found is not None and (found.st_dev, found.st_ino) == (mark.st_dev, mark.st_ino)
        except OSError:
            same_file = False  # it does not exist (yet): the name alone decides
        if same_name or same_file:
            raise InvalidState(
                f"will not write the {what} to {path}: it is {label}", hint=f"choose another name for the {what}"
            )
    return path


def _protected(db: Path | str) -> list[tuple[str, Path]]:
    from chorectl.security.keystore import file_keyring_path

    found = []
    if not dialect.is_url(db):  # a server's database has no file here to protect
        db = Path(db).expanduser()
        backend = dialect.at(db)
        for base in dict.fromkeys((db, Path(os.path.realpath(db)))):  # journals live beside the real file
            found.append(("the live database", base))
            found.extend(("one of the live database's journal files", side) for side in backend.side_files(base))
    found.append(("the PIN keyring file", file_keyring_path()))
    return found


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a file"
