"""The unit of work: one database transaction per use case.

Writers take the write lock up front (:func:`chorectl.db.dialect.writing`) so
that cron's ``reset``, a child's ``done`` and a parent's ``approve`` queue
behind each other under the busy timeout instead of failing half-way.

The rules:

- A unit of work is one transaction, opened once: ``with uow:``. Opening it
  again while it is open is a mistake in the code, and raises
  :class:`~chorectl.errors.NestedUnitOfWork` (never an AttributeError later).
- A use case (a public service function that takes ``uow``) is handed an
  unopened unit of work and opens it itself; a writer commits before the
  block ends, or nothing it did is kept.
- The helpers that work *inside* a caller's open unit of work (``resolve``,
  ``require``, ``slots_of``, ``periods.settle`` ...) say so in their docstrings, and
  are called only from within a ``with uow:`` block.
- A use case returns plain values (rows of :mod:`chorectl.services.rows`, frozen
  dataclasses, NamedTuples), never ORM objects. Only a helper marked
  :func:`inside_uow` hands ORM objects back, to the service that called it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from chorectl.db import dialect
from chorectl.db.models import Action, AuditEntry
from chorectl.domain.text import printable
from chorectl.errors import NestedUnitOfWork

Helper = TypeVar("Helper", bound=Callable)


def inside_uow(helper: Helper) -> Helper:
    """Marks a helper that works inside its caller's open unit of work and returns ORM objects.

    The service that called it reads or changes them within its transaction
    (``resolve`` finds the chore that ``edit`` then changes). The command line
    never calls such a helper, and nothing else returns ORM objects:
    tests/repo/test_service_values.py checks both.
    """
    helper.inside_uow = True
    return helper


class UnitOfWork:
    """*actor* is who the audit log names for what this unit of work changes:
    "parent" (a PIN was given), a child's name, or "cron". For "parent" the
    log names the parent member *member* names (``CHORECTL_MEMBER``), or the
    only parent member (:func:`chorectl.services.audit.acting_parent`)."""

    def __init__(
        self, engine: Engine, *, write: bool = False, actor: str = "parent", member: str | None = None
    ) -> None:
        self.engine = engine
        self.write = write
        self.actor = actor
        self.member = member
        self.session: Session | None = None
        self._named: str | None = None

    def __enter__(self) -> UnitOfWork:
        if self.session is not None:
            raise NestedUnitOfWork()
        self.session = Session(dialect.writing(self.engine, self.write), expire_on_commit=False)
        self._named = None
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # close() rolls back whatever was not committed and detaches the objects
        # with their loaded values intact (rollback() would expire them).
        self.session.close()
        self.session = None
        if exc is not None:
            translated = dialect.of(self.engine).translate_error(exc)
            if translated is not None:
                raise translated from None

    def commit(self) -> None:
        if not self.write:
            raise RuntimeError("commit() in a read-only unit of work")
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def record(
        self,
        action: str,
        detail: str | None = None,
        *,
        at: datetime,
        amount: int | None = None,
        actor: str | None = None,
        undo: dict | None = None,
    ) -> AuditEntry:
        """Add a line to the audit log, in this same transaction: it stands or falls with the change.

        *undo* (a parent action that ``chorectl undo`` can reverse): what the action changed, as
        JSON-able values, kept beside the line (an :class:`~chorectl.db.models.Action` of kind
        *action*); :mod:`chorectl.services.undo` reads it back to put the change back.
        Returns the line (its id once flushed: an undo names the line it undid).
        """
        if detail is not None:
            detail = printable(detail)  # a file name with odd bytes must not fail the whole change
        entry = AuditEntry(at=at, actor=actor or self.who(), action=action, detail=detail, amount=amount)
        self.session.add(entry)
        if undo is not None:
            import json

            self.session.flush()  # the line's id, for the action to name it
            self.session.add(Action(audit_id=entry.id, at=at, kind=action, data=json.dumps(undo, sort_keys=True)))
        return entry

    def who(self) -> str:
        """Who the log names for this unit of work's changes (see the class docstring)."""
        if self.actor != "parent":
            return self.actor
        if self._named is None:
            from chorectl.services.audit import acting_parent

            self._named = acting_parent(self.session, self.member)
        return self._named
