"""``chorectl undo``: the household's parent actions put back, newest first, one at a time.

Each undoable action is a log line with an :class:`~chorectl.db.models.Action` beside it (what it
changed, recorded by ``uow.record(..., undo=data)``), and a reverser registered for its name in
the module that owns it (:mod:`chorectl.services.actions`). An undo picks its action inside its
write transaction, under the write lock: two undos at once, in two terminals, take two actions.
An undo is a line in the log (``undo``) and marks its action ``undone_by`` that line; it is not
undoable itself (no redo).

An action is named by its line in the log: the id ``chorectl log`` and ``undo --list`` show.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select

from chorectl.db.models import Action, AuditEntry, LedgerEntry
from chorectl.errors import InvalidState, NotFound
from chorectl.services.actions import REVERSERS
from chorectl.services.members import MAX_ID
from chorectl.services.rows import UndoRow
from chorectl.services.uow import UnitOfWork

# Every module that registers reversers (@reverses): imported before an undo looks one up.
# A module that adds an undoable action adds itself here (tests/repo/test_undo_registry.py checks).
REVERSING = (
    "chorectl.services.completions",  # approve, reject
    "chorectl.services.ledger",  # pay, adjust
    "chorectl.services.members",  # member add, rename, remove, restore
    "chorectl.services.chores",  # chore add, edit, assign, remove
    "chorectl.services.rewards",  # reward add, remove, approve, reject
    "chorectl.services.goals",  # goal add, remove
)
LISTED = 20  # how many actions `undo --list` shows, newest first


def reversers() -> frozenset[str]:
    """The names of the actions this chorectl can undo (every module in :data:`REVERSING` loaded)."""
    for module in REVERSING:
        importlib.import_module(module)
    return frozenset(REVERSERS)


def undoable(uow: UnitOfWork, *, limit: int = LISTED) -> list[UndoRow]:
    """The newest actions not undone yet, newest first: their log lines."""
    kinds = sorted(reversers())
    with uow:
        query = (
            select(
                AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.detail, AuditEntry.amount
            )
            .join(Action, col(Action.audit_id) == col(AuditEntry.id))
            .where(col(Action.undone_by).is_(None), col(Action.kind).in_(kinds))
            .order_by(col(Action.id).desc())
            .limit(limit)
        )
        return [UndoRow(*row) for row in uow.session.exec(query)]


@dataclass(frozen=True)
class Undone:
    """What an undo did: the log line of the action it undid (*line*, *action*), what it put back
    (*what*), the money that moved (*amount*, None when none did) and the undo's own log line."""

    line: int
    action: str
    what: str
    amount: int | None
    undo_line: int


def undo(uow: UnitOfWork, line: int | None, *, now: datetime) -> Undone:
    """Undo the action of log line *line*, or (None) the newest one not undone yet. All or nothing."""
    kinds = sorted(reversers())
    with uow:
        if line is None:
            action = uow.session.exec(
                select(Action)
                .where(col(Action.undone_by).is_(None), col(Action.kind).in_(kinds))
                .order_by(col(Action.id).desc())
                .limit(1)
            ).first()
            if action is None:
                raise InvalidState("nothing to undo")
        else:
            action = _named(uow, line)
        last = uow.session.exec(select(func.max(LedgerEntry.id))).one() or 0
        what = REVERSERS[action.kind](uow, json.loads(action.data), now)
        uow.session.flush()
        moved = list(uow.session.exec(select(LedgerEntry.amount).where(col(LedgerEntry.id) > last)))
        amount = sum(moved) if moved else None  # the money the undo moved back, as the log says of any
        entry = uow.record("undo", f"line {action.audit_id} ({action.kind}): {what}", at=now, amount=amount)
        uow.session.flush()  # the undo's line id
        action.undone_by = entry.id
        uow.session.add(action)
        uow.commit()
        return Undone(action.audit_id, action.kind, what, amount, entry.id)


def _named(uow: UnitOfWork, line: int) -> Action:
    action = uow.session.exec(select(Action).where(Action.audit_id == line)).first() if 0 < line <= MAX_ID else None
    if action is None:
        logged = uow.session.get(AuditEntry, line) if 0 < line <= MAX_ID else None
        if logged is None:
            raise NotFound(f"no log line {line}")
        if logged.action == "undo":
            raise InvalidState(f"line {line} is an undo; an undo cannot be undone (there is no redo)")
        raise InvalidState(f"line {line} ({logged.action}) cannot be undone: see chorectl undo --list")
    if action.undone_by is not None:
        raise InvalidState(f"line {line} ({action.kind}) was undone already, by line {action.undone_by}")
    if action.kind not in REVERSERS:
        raise InvalidState(f"line {line} ({action.kind}) cannot be undone by this chorectl")
    return action
