"""How long wrong PINs lock parent commands out: a pure rule, tested without a clock."""

from __future__ import annotations

from datetime import timedelta

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
