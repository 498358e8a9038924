"""The parent PIN's bookkeeping in the database: lockout and the audit of attempts.

The hash itself is never here; it lives in the keyring (:mod:`chorectl.security`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chorectl.db.models import Household
from chorectl.domain.dates import iso
from chorectl.domain.lockout import lock_after, wait_words
from chorectl.errors import Denied, InvalidState
from chorectl.services import household as household_service
from chorectl.services.uow import UnitOfWork


@dataclass(frozen=True)
class Gate:
    """What the PIN gate needs to know about the household, read in one go."""

    household_id: str
    keyring: str
    pin_set: bool
    failed_pins: int
    locked_until: datetime | None


def gate(uow: UnitOfWork) -> Gate:
    with uow:
        home = household_service.require(uow)
        return Gate(home.id, home.keyring, home.pin_set, home.failed_pins, home.locked_until)


def refuse_if_locked(state: Gate, now: datetime) -> None:
    if state.locked_until is not None and state.locked_until > now:
        wait = wait_words(state.locked_until - now)
        raise Denied(
            f"parent commands are locked after {state.failed_pins} wrong PINs; try again in {wait}"
            f" (at {iso(state.locked_until)})",
        )


def begin_attempt(uow: UnitOfWork, *, now: datetime) -> Gate:
    """Count a PIN attempt as wrong *before* the PIN is checked, under the write lock.

    Parallel guesses queue here: once the count reaches the lockout they are
    refused without being checked. A process that dies mid-check leaves a
    wrong attempt counted: the safe side. :func:`end_attempt` settles it.
    """
    with uow:
        home = uow.session.get(Household, household_service.require(uow).id)
        state = Gate(home.id, home.keyring, home.pin_set, home.failed_pins, home.locked_until)
        refuse_if_locked(state, now)
        home.failed_pins += 1
        lock = lock_after(home.failed_pins)
        home.locked_until = now + lock if lock else None
        uow.session.add(home)
        uow.commit()
        return Gate(home.id, home.keyring, home.pin_set, home.failed_pins, home.locked_until)


def end_attempt(uow: UnitOfWork, *, ok: bool, now: datetime, how: str) -> Gate:
    """A right PIN clears the count (and any lock it started); a wrong one stays counted."""
    with uow:
        home = uow.session.get(Household, household_service.require(uow).id)
        if ok:
            home.failed_pins, home.locked_until = 0, None
            uow.record("pin ok", how, at=now)
        else:
            detail = f"{how}; {home.failed_pins} wrong in a row"
            if home.locked_until is not None and home.locked_until > now:
                detail += f"; locked for {wait_words(home.locked_until - now)}"
            uow.record("pin failed", detail, at=now, actor="unknown")
        uow.session.add(home)
        uow.commit()
        return Gate(home.id, home.keyring, home.pin_set, home.failed_pins, home.locked_until)


def record(uow: UnitOfWork, action: str, detail: str | None, *, now: datetime) -> None:
    """An audit line on its own (unlock, lock, a PIN change)."""
    with uow:
        uow.record(action, detail, at=now)
        uow.commit()


def recover(uow: UnitOfWork, *, household_id: str, now: datetime, store_pin) -> None:
    """Give a household whose keyring entry is lost a new PIN: deliberate, and in the log."""
    with uow:
        home = household_service.require(uow)
        if household_id.strip().lower() != home.id:
            raise InvalidState(
                "that is not this household's id; nothing was changed",
                hint="chorectl doctor shows the id",
            )
        store_pin(home.id, home.keyring)
        home = uow.session.get(Household, home.id)
        home.pin_set, home.failed_pins, home.locked_until = True, 0, None
        uow.session.add(home)
        # Nobody proved to be a parent here: the log says so, for the parents to see.
        uow.record(
            "pin recover",
            f"a new PIN was set without the old one (keyring: {home.keyring})",
            at=now,
            actor="unknown",
        )
        uow.commit()
