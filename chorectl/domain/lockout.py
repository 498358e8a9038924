"""How long wrong PINs lock parent commands out, and how long a wait lasts whatever the clocks do.

Pure rules, tested without a clock: the caller passes an :class:`Instant`.

A clock can be moved: the system time by its owner (or a wrong RTC), the
process's view of it by ``faketime``, the time since boot by a time
namespace. So every wait is measured on two clocks, the real time and the
kernel's time since boot (:mod:`chorectl.security.clock` reads both past
``faketime``), and it is over only when *both* say so. A clock that went
back, or a boot that changed, cannot stretch a wait either: no wait is ever
longer than its own length measured from the current moment, and a wait that
drifted is re-anchored there (:meth:`Wait.anchored`), so it ends after at
most its length of real time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FREE_TRIES = 3  # typos happen: the first wrong PINs in a row cost nothing
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(hours=1)


def lock_after(failures: int) -> timedelta | None:
    """The lockout after *failures* wrong PINs in a row: none, then 30 s doubling to an hour."""
    if failures < FREE_TRIES:
        return None
    doublings = failures - FREE_TRIES
    if doublings >= 10:  # 30 s * 2**7 is past the cap already; stop the number growing
        return LONGEST_LOCK
    return min(FIRST_LOCK * 2**doublings, LONGEST_LOCK)


def wait_words(wait: timedelta) -> str:
    """``45 s``, ``2 min 5 s``, ``1 h``: how long until the next try."""
    seconds = max(1, int(-(-wait.total_seconds() // 1)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{seconds} s" if seconds else ""]
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Instant:
    """A moment on both clocks: the wall clock, and the kernel's time since boot.

    *boot* names the boot (Linux's boot id) and *uptime* is seconds since it;
    both are None where the OS does not say (then the wall clock alone decides).
    """

    wall: datetime
    boot: str | None = None
    uptime: float | None = None


@dataclass(frozen=True)
class Wait:
    """A wait that ends *length* after it began: a lockout, or an unlock session.

    *ends* is on the wall clock (for messages); *boot*/*uptime_ends* on the
    kernel's clock, when it could be read.
    """

    length: timedelta
    ends: datetime
    boot: str | None = None
    uptime_ends: float | None = None

    @classmethod
    def starting(cls, now: Instant, length: timedelta) -> Wait:
        seconds = length.total_seconds()
        uptime_ends = None if now.uptime is None else now.uptime + seconds
        return cls(length, now.wall + length, now.boot if uptime_ends is not None else None, uptime_ends)

    def _same_boot(self, now: Instant) -> bool:
        return (
            self.boot is not None and self.boot == now.boot and self.uptime_ends is not None and now.uptime is not None
        )

    def left(self, now: Instant) -> timedelta:
        """How much of the wait is left at *now*: the longer of what the two clocks say,
        each never more than the wait's length (zero once over)."""
        length = self.length.total_seconds()
        seconds = min((self.ends - now.wall).total_seconds(), length)
        if self._same_boot(now):
            seconds = max(seconds, min(self.uptime_ends - now.uptime, length))
        return timedelta(seconds=max(0.0, seconds))

    def anchored(self, now: Instant) -> Wait:
        """The same wait, re-anchored at *now* on both clocks if it had drifted from them.

        A wait whose end lies further off than its length on either clock (the
        clock was ahead when it began, or went back since), or that began in
        another boot, is re-measured from now with what is left, so it ends
        after at most its length of real time. Callers store the result.
        """
        left = self.left(now)
        if left <= timedelta(0):
            return self
        length = self.length.total_seconds()
        drifted = (self.ends - now.wall).total_seconds() > length + 1
        if now.uptime is not None and (not self._same_boot(now) or self.uptime_ends - now.uptime > length + 1):
            drifted = True
        if not drifted:
            return self
        fresh = Wait.starting(now, left)
        return Wait(self.length, fresh.ends, fresh.boot, fresh.uptime_ends)


def lock_for(failures: int, now: Instant) -> Wait | None:
    """The lockout that *failures* wrong PINs in a row start at *now*, if any."""
    length = lock_after(failures)
    return None if length is None else Wait.starting(now, length)


def session_valid(created: Instant, wait: Wait, now: Instant, *, skew: timedelta = timedelta(seconds=5)) -> bool:
    """Whether an unlock session made at *created*, lasting *wait*, still holds at *now*.

    Never before the moment it was made, never past its length on either
    clock, and not across a reboot when the kernel's clock was known.
    """
    if now.wall < created.wall - skew or now.wall >= wait.ends:
        return False
    if wait.ends - created.wall > wait.length + skew:
        return False
    if created.boot is not None and created.uptime is not None:
        if now.boot != created.boot or now.uptime is None:
            return False  # made in another boot: sessions end with the machine, as sudo's do
        elapsed = now.uptime - created.uptime
        if elapsed < -skew.total_seconds() or elapsed >= wait.length.total_seconds():
            return False
    return True
