"""Unlock sessions, like sudo's timestamp: parent commands need no PIN for a few minutes.

A convenience, not a security boundary: anyone who runs commands as this user
can read or forge these files (and the database, and the keyring).

A record is bound, as sudo binds its tty tickets, to the terminal's name
*and* the login session: the session id and the session leader's start time.
Linux hands a closed tab's ``/dev/pts/N`` to the next tab that opens, but
that tab is a new session, so it does not inherit the unlock. A record made
without a terminal (a script that ran ``unlock`` with ``CHORECTL_PIN``)
serves the commands of that same session without a terminal: the rest of the
script, not a command in another tab with its input redirected.

A record is honoured only if it is a regular file owned by this user, readable
by nobody else, names the same household, PIN (by its fingerprint), user,
terminal and login session, and holds on both clocks (see
:func:`chorectl.domain.lockout.session_valid`): never before the moment it was
made, never past its length, never across a reboot. Expired records are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from chorectl.domain.lockout import Instant, Wait, session_valid

MAX_MINUTES = 24 * 60


def _terminal() -> str | None:
    for stream in (sys.stdin, sys.stderr):
        try:
            if stream is not None and stream.isatty():
                return os.ttyname(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
    return None


def _start_time(pid: int) -> str | None:
    """When process *pid* started, in clock ticks since boot (``/proc/PID/stat`` field 22)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        return text.rsplit(")", 1)[1].split()[19]  # fields after the command name start at field 3
    except (OSError, IndexError):
        return None


def _login_session() -> str | None:
    """This terminal's login session: its id and its leader's start time, like sudo's tty tickets."""
    try:
        sid = os.getsid(0)
    except OSError:
        return None
    return f"{sid}@{_start_time(sid) or '?'}"


def _bound_to() -> dict:
    return {"terminal": _terminal(), "login": _login_session()}


def folder() -> Path:
    """A per-user folder that is emptied at logout or reboot where the OS has one."""
    import warnings

    from platformdirs import user_runtime_path

    candidates = []
    with warnings.catch_warnings():  # no XDG_RUNTIME_DIR (cron, su): platformdirs warns, we fall back
        warnings.simplefilter("ignore")
        with contextlib.suppress(OSError):  # an unusable runtime folder: fall back below
            candidates.append(user_runtime_path("chorectl"))
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


def _path(household_id: str, bound: dict) -> Path:
    key = f"{household_id}\0{os.getuid()}\0{bound['terminal'] or '-'}\0{bound['login'] or '-'}"
    return folder() / f"unlock-{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"


def start(household_id: str, pin: str, minutes: int, now: Instant) -> datetime:
    """Write the record for this household, PIN fingerprint, user and terminal; returns when it expires."""
    minutes = max(1, min(minutes, MAX_MINUTES))
    wait = Wait.starting(now, timedelta(minutes=minutes))
    bound = _bound_to()
    record = {
        "household": household_id,
        "pin": pin,
        "uid": os.getuid(),
        **bound,
        "created": now.wall.timestamp(),
        "expires": wait.ends.timestamp(),
        "boot": now.boot,
        "uptime": now.uptime,
    }
    target = _path(household_id, bound)
    sweep(now)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".unlock-")
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(record, out)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return wait.ends


def _read(path: Path) -> dict | None:
    """A record, if *path* is a private regular file of this user holding one."""
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            return None
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _holds(record: dict, now: Instant) -> bool:
    """Whether a record's time is still good on both clocks."""
    try:
        created_wall = datetime.fromtimestamp(float(record["created"])).astimezone()
        ends = datetime.fromtimestamp(float(record["expires"])).astimezone()
        boot, uptime = record.get("boot"), record.get("uptime")
        uptime = None if uptime is None else float(uptime)
        length = ends - created_wall
        if length > timedelta(minutes=MAX_MINUTES) or length <= timedelta(0):
            return False
        created = Instant(created_wall, boot if isinstance(boot, str) else None, uptime)
        wait = Wait(length, ends, created.boot, None if uptime is None else uptime + length.total_seconds())
        return session_valid(created, wait, now)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return False


def active(household_id: str, pin: str | None, now: Instant) -> datetime | None:
    """When this terminal's (or this user's scripts') session expires, or None."""
    if not pin:
        return None
    bound = _bound_to()
    try:
        path = _path(household_id, bound)
    except OSError:
        return None
    record = _read(path)
    if record is None:
        return None
    if not _holds(record, now):
        path.unlink(missing_ok=True)  # expired, or never to be trusted: gone
        return None
    if (
        record.get("household") != household_id
        or record.get("pin") != pin
        or record.get("uid") != os.getuid()
        or record.get("terminal") != bound["terminal"]
        or record.get("login") != bound["login"]
    ):
        return None
    return datetime.fromtimestamp(float(record["expires"])).astimezone()


def _remove(doomed) -> int:
    """Remove this user's records for which ``doomed(record)`` is true (record None: unreadable)."""
    removed = 0
    try:
        place = folder()
    except OSError:
        return 0
    for path in place.glob("unlock-*.json"):
        if not doomed(_read(path)):
            continue
        try:
            if path.lstat().st_uid == os.getuid():
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def sweep(now: Instant) -> int:
    """Remove this user's records that no longer hold (expired, from another boot, damaged)."""
    return _remove(lambda record: record is None or record.get("uid") != os.getuid() or not _holds(record, now))


def end(household_id: str) -> int:
    """Remove every unlock record of this household for this user; returns how many."""
    return _remove(
        lambda record: (
            record is not None and record.get("household") == household_id and record.get("uid") == os.getuid()
        )
    )
