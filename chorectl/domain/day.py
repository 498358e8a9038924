"""A child's day (``chorectl today``) and the morning's news (``chorectl digest``): pure rules on local dates."""

from __future__ import annotations

from datetime import date

from chorectl.domain.schedule import ONE_DAY

# What a row of ``today`` says about its chore, in the order a child reads them:
# what is late first, then today's, then what has no date, then what is due later
# in its current period, then what waits for a parent. ``none``: nothing at all.
OVERDUE, TODAY, UNDATED, LATER, PENDING, NONE = "overdue", "today", "undated", "later", "pending", "none"
SECTIONS = (OVERDUE, TODAY, UNDATED, LATER, PENDING, NONE)


def section(due: date | None, today: date) -> str:
    """Where an open chore whose current period is due on *due* stands on *today*.

    A scheduled chore's current period never ends before today (``reset``
    records an ended one as missed), so it is due ``today`` or ``later``. A
    one-off chore (and a cooldown chore before its first approval) has one
    period that never ends: past its due date it is ``overdue``; without one,
    ``undated``.
    """
    if due is None:
        return UNDATED
    if due < today:
        return OVERDUE
    if due == today:
        return TODAY
    return LATER


def order(status: str, due: date | None) -> tuple[int, date]:
    """The sort key of a child's rows: by section, then the earliest due date first."""
    return SECTIONS.index(status), due or date.min


def digest_day(today: date) -> date:
    """The day whose missed periods ``digest`` reports on *today*: yesterday.

    ``reset`` runs after midnight (cron's 00:05) and records each period that
    ended the evening before; a miss belongs to its period's due date, not to
    the night it was recorded (README "Output for scripts"). So ``reset &&
    digest`` at 00:05, or a digest at 07:00, both tell of the periods due
    yesterday, and a second digest the same day says the same.
    """
    return today - ONE_DAY
