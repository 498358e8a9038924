"""Unlock sessions, like sudo's timestamp: parent commands need no PIN for a few minutes.

A convenience, not a security boundary: anyone who runs commands as this user
can read or forge these files (and the database, and the keyring).

A record is bound to the household, the user and, when it was made on a
terminal, to that terminal; one made without a terminal serves that user's
scripts. It is honoured only if it is a regular file owned by this user,
readable by nobody else, names the same household, user and terminal,
was not made in the future, and has not expired.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import tempfile
import time
from pathlib import Path

MAX_MINUTES = 24 * 60
CLOCK_SKEW = 5.0  # seconds a record may be "from the future" (clock steps)


def _terminal() -> str | None:
    for stream in (sys.stdin, sys.stderr):
        try:
            if stream is not None and stream.isatty():
                return os.ttyname(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
    return None


def folder() -> Path:
    """A per-user folder that is emptied at logout or reboot where the OS has one."""
    import warnings

    from platformdirs import user_runtime_path

    candidates = []
    with warnings.catch_warnings():  # no XDG_RUNTIME_DIR (cron, su): platformdirs warns, we fall back
        warnings.simplefilter("ignore")
        try:
            candidates.append(user_runtime_path("chorectl"))
        except OSError:
            pass  # an unusable runtime folder: fall back below
    candidates.append(Path(tempfile.gettempdir()) / f"chorectl-{os.getuid()}")
    for candidate in candidates:
        try:
            candidate.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = candidate.stat()
            if info.st_uid == os.getuid() and not info.st_mode & 0o077:
                return candidate
        except OSError:
            continue
    raise OSError("no private folder for unlock sessions")


def _path(household_id: str, terminal: str | None) -> Path:
    key = hashlib.sha256(f"{household_id}\0{os.getuid()}\0{terminal or '-'}".encode()).hexdigest()[:24]
    return folder() / f"unlock-{key}.json"


def start(household_id: str, minutes: int) -> float:
    """Write the record for this household, user and terminal; returns when it expires."""
    now = time.time()
    terminal = _terminal()
    record = {
        "household": household_id,
        "uid": os.getuid(),
        "terminal": terminal,
        "created": now,
        "expires": now + 60 * minutes,
    }
    target = _path(household_id, terminal)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".unlock-")
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(record, out)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return record["expires"]


def active(household_id: str) -> float | None:
    """When this terminal's (or this user's scripts') session expires, or None."""
    terminal = _terminal()
    try:
        path = _path(household_id, terminal)
        info = path.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    try:
        record = json.loads(path.read_text())
        created, expires = float(record["created"]), float(record["expires"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    now = time.time()
    if (
        record.get("household") != household_id
        or record.get("uid") != os.getuid()
        or record.get("terminal") != terminal
        or created > now + CLOCK_SKEW  # dated in the future: not to be trusted
        or expires - created > 60 * MAX_MINUTES
        or expires <= now
    ):
        return None
    return expires


def end(household_id: str) -> int:
    """Remove every unlock record of this household for this user; returns how many."""
    removed = 0
    try:
        place = folder()
    except OSError:
        return 0
    for path in place.glob("unlock-*.json"):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if record.get("household") == household_id and record.get("uid") == os.getuid():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
