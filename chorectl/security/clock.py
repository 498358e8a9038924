"""The moment, on the wall clock and on the kernel's clock since boot.

The wall clock is anyone's to move (``date``, ``faketime``, a wrong RTC). The
kernel's time since boot, read from ``/proc`` rather than through a libc
call that ``LD_PRELOAD`` can fake, is not: lockouts and unlock sessions are
measured on both (see :mod:`chorectl.domain.lockout`).
"""

from __future__ import annotations

from pathlib import Path

from chorectl.domain.dates import now as wall_now
from chorectl.domain.lockout import Instant

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
UPTIME = Path("/proc/uptime")


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
    return Instant(wall_now(), boot, uptime)
