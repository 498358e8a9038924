"""Savings goals: how a child's balance fills their goals. Pure arithmetic on cents.

A goal is a view on the balance, never money moved: nothing here writes to the
ledger, and a goal's progress changes only because the balance does.

- **One balance, several goals: filled in order, oldest first.** The balance
  fills the child's oldest goal up to its target; what is left over fills the
  next one, and so on. So the first goal is reached first, and a payout or a
  penalty empties the newest goals first.
- **A negative balance fills nothing**: every goal is at 0%.
- **Progress** is the saved part in whole percent, rounded down: 100% only
  when the goal is reached (its saved part is its whole target).
- **The goal shown** beside a balance (``balance``, ``today``, ``report``) is
  the child's first goal not reached yet, the one they are saving for; when
  every goal is reached, the newest of them (reached).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """One goal and how much of the balance it holds (cents)."""

    id: int
    title: str
    target: int  # more than zero
    saved: int  # 0 .. target

    @property
    def percent(self) -> int:
        return percent(self.saved, self.target)

    @property
    def reached(self) -> bool:
        return self.saved >= self.target


def percent(saved: int, target: int) -> int:
    """``saved`` of ``target`` in whole percent, rounded down (99.9% is 99%); 0 for no target."""
    if target <= 0:
        return 0
    return max(0, min(saved, target)) * 100 // target


def fill(balance: int, goals: Iterable[tuple[int, str, int]]) -> list[Progress]:
    """The progress of each of *goals* ((id, title, target) in the order they fill: oldest
    first) on a balance of *balance* cents."""
    left = max(balance, 0)
    found = []
    for goal_id, title, target in goals:
        saved = min(left, target)
        left -= saved
        found.append(Progress(goal_id, title, target, saved))
    return found


def current(progress: Iterable[Progress]) -> Progress | None:
    """The goal shown beside the balance: the first not reached, else the last (reached); None for no goals."""
    last = None
    for goal in progress:
        if not goal.reached:
            return goal
        last = goal
    return last
