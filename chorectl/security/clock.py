"""The moment, as the kernel tells it: for lockouts and unlock sessions.

``datetime.now()`` is anyone's to move: ``faketime`` (``LD_PRELOAD``) fakes
every libc clock call in the process. Lockouts and unlock sessions are
measured instead on two clocks read past it (see :mod:`chorectl.domain.lockout`):

- the real time, ``CLOCK_REALTIME`` read by a direct system call, which a
  preloaded library does not see and a time namespace does not move (only
  root can set it);
- the time since boot, ``/proc/uptime`` with ``/proc``'s boot id, which a
  time namespace can offset, but which ``date`` and ``faketime`` cannot.

A wait is over only when both say so. Where the system call is not known
(not Linux on x86-64 or arm64) the real time falls back to ``time.time()``.
"""

from __future__ import annotations

import platform
import time
from datetime import datetime
from pathlib import Path

from chorectl.domain.lockout import Instant

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
UPTIME = Path("/proc/uptime")
_CLOCK_GETTIME = {"x86_64": 228, "amd64": 228, "aarch64": 113, "arm64": 113}  # syscall numbers on Linux
_CLOCK_REALTIME = 0


def _raw_realtime() -> float | None:
    """CLOCK_REALTIME by syscall(2), not through libc's clock_gettime that faketime replaces."""
    number = _CLOCK_GETTIME.get(platform.machine().lower())
    if number is None or not Path("/proc/self").exists():
        return None
    import ctypes

    class Timespec(ctypes.Structure):
        _fields_ = [("seconds", ctypes.c_long), ("nanoseconds", ctypes.c_long)]

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        moment = Timespec()
        if libc.syscall(number, _CLOCK_REALTIME, ctypes.byref(moment)) != 0:
            return None
    except (OSError, AttributeError):
        return None
    return moment.seconds + moment.nanoseconds / 1e9


def realtime() -> float:
    """Seconds since the epoch, as the kernel keeps them."""
    raw = _raw_realtime()
    return time.time() if raw is None else raw


def kernel() -> tuple[str | None, float | None]:
    """This boot's id and the seconds since it; (None, None) where the OS does not say."""
    try:
        boot = BOOT_ID.read_text().strip()
        uptime = float(UPTIME.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None, None
    return (boot, uptime) if boot else (None, None)


def instant() -> Instant:
    boot, uptime = kernel()
    return Instant(datetime.fromtimestamp(realtime()).astimezone(), boot, uptime)
