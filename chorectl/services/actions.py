"""What ``chorectl undo`` can reverse: each undoable parent action's reverser, by the action's name.

A service that makes an undoable change records it with ``uow.record(action, ..., undo=data)``
(*data*: JSON-able values saying what changed, enough to put it back) and registers, in its
own module, the function that puts it back::

    @reverses("pay")
    def _unpay(uow: UnitOfWork, data: Data, now: datetime) -> str:
        ...

A reverser runs inside the undo's open write unit of work, holding the write lock. It puts the
change back within the append-only rules (money moves back by a new ``reversal`` entry, never by
editing the ledger), returns one line saying what it did (for the command's output and the log),
and raises :class:`~chorectl.errors.InvalidState` with the reason when the action cannot be undone
safely any more (the chore was done again since, the name is taken now ...).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chorectl.services.uow import UnitOfWork

# What an action recorded: JSON's plain values (a chore's fields, ids, lists of ids).
Data = dict[str, int | str | bool | list[int] | None]
Reverser = Callable[[UnitOfWork, Data, datetime], str]
REVERSERS: dict[str, Reverser] = {}


def reverses(*actions: str) -> Callable[[Reverser], Reverser]:
    """Register the decorated function as the reverser of each of *actions* (their log names)."""

    def register(reverser: Reverser) -> Reverser:
        for action in actions:
            if action in REVERSERS:
                raise RuntimeError(f"two reversers for {action!r}")  # a mistake in the code
            REVERSERS[action] = reverser
        return reverser

    return register
