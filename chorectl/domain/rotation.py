"""Rotating chores: whose turn each period is. Pure rules, no database.

A rotating chore (``chore add --every ... --rotate Amy,Ben``) belongs to one
child each period, and the turn moves at each period start:

- ``turns`` (round robin, the default): the next child in the list after the
  one who had the period before, back to the first after the last.
- ``least-done``: whoever did it least over the last *n* periods (*n* the
  number of children in the list); a tie goes to whoever of them did it
  longest ago (never, in those periods, first), then to list order. Done means a
  completion approved or waiting for approval when the period starts (a
  child who did it last night and is approved this morning did it);
  a rejected one is not done.

The turn of a period is decided once, at its start: ``reset`` keeps it (the
chore's one assignment row: the child, and the period it was rolled to), and
reads of periods ``reset`` has not rolled yet walk forward from there with
:func:`holders`, so ``chore list`` before a ``reset`` names the child the
``reset`` then gives the period to.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date

TURNS, LEAST_DONE = "turns", "least-done"
ROTATE_BY = (TURNS, LEAST_DONE)


def next_turn(order: Sequence[int], by: str, holder: int | None, recent: Sequence[Collection[int]]) -> int:
    """Who takes the period after the one *holder* had.

    *order*: the children, in the rotation's order (never empty). *recent*: for
    each of the last ``len(order)`` periods up to the one that just ended,
    oldest first, who did it (``least-done`` only).
    """
    if by == LEAST_DONE:
        counts = dict.fromkeys(order, 0)
        last = dict.fromkeys(order, -1)  # the newest of the recent periods each did it in
        for i, did in enumerate(recent[-len(order) :]):
            for member in did:
                if member in counts:
                    counts[member] += 1
                    last[member] = i
        # Ties go to whoever did it longest ago, then list order: with list order alone, two
        # children who each do every turn they get split it 2:1, as the first wins every tie.
        return min(order, key=lambda member: (counts[member], last[member], order.index(member)))
    if holder in order:
        return order[(order.index(holder) + 1) % len(order)]
    return order[0]


def holders(
    order: Sequence[int],
    by: str,
    holder: int,
    dues: Sequence[date],
    done: Mapping[date, Collection[int]],
    previous: Callable[[date], date | None],
) -> list[int]:
    """Whose turn each of *dues* is, in order: *holder* has ``dues[0]`` (the period the turn
    was last decided for), each later period the next turn after the one before.

    *done*: who did each period (by its due date); *previous*: the schedule's due
    date before a due date (None before the first).
    """
    result = [holder]
    for before in dues[:-1]:
        window: list[date] = []
        due: date | None = before
        while due is not None and len(window) < len(order):
            window.append(due)
            due = previous(due)
        recent = [done.get(d, ()) for d in reversed(window)]
        result.append(next_turn(order, by, result[-1], recent))
    return result


def after(order: Sequence[int], member: int, position: Mapping[int, int]) -> int | None:
    """Who follows *member* (who is leaving the rotation, or has left it) in *order*.

    *position*: each child's place, *member*'s too. None: nobody is left.
    """
    if not order:
        return None
    mine = position[member]
    later = [m for m in order if position[m] > mine]
    return later[0] if later else order[0]
