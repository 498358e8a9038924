"""The parent PIN's bookkeeping in the database: its binding, the lockout, the audit of attempts.

The hash itself is never here; it lives in the keyring (:mod:`chorectl.security`).
What the database keeps is *which* keyring holds it and a fingerprint of it
(:class:`Binding`), so that a PIN set in another keyring, or a hash swapped
in the keyring behind the household's back, is refused.

Every PIN check is one write transaction, locked from its start: the lockout is
read, the bcrypt check runs, and its outcome is counted and logged, all under
the household's write lock. So at most one check per household is in flight,
parallel guesses queue and stop at the lockout, and a right PIN is never
denied because others ran at the same moment. Only wrong PINs are counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chorectl.db.models import Household
from chorectl.domain.dates import iso
from chorectl.domain.lockout import FREE_TRIES, Instant, Wait, lock_after, lock_for, wait_words
from chorectl.errors import Denied, InvalidState
from chorectl.services import household as household_service
from chorectl.services.uow import UnitOfWork

LOCKED_HINT = "each further wrong PIN doubles the wait, up to an hour; a right PIN after it clears the count"
MISMATCH_HINT = (
    "run it with the keyring the PIN was set in (same user, same PYTHON_KEYRING_BACKEND and"
    " data folder); 'chorectl doctor' shows both. If the PIN is truly lost: chorectl pin recover"
)


@dataclass(frozen=True)
class Binding:
    """Which keyring holds the household's PIN hash, and a fingerprint of that hash."""

    location: str
    fingerprint: str

    def words(self) -> str:
        return f"keyring: {self.location}; hash fingerprint {self.fingerprint[:12]}"


@dataclass(frozen=True)
class Gate:
    """What the PIN gate needs to know about the household, read in one go."""

    household_id: str
    keyring: str
    pin_set: bool
    failed_pins: int
    lock: Wait | None
    binding: Binding | None

    @property
    def locked_until(self) -> datetime | None:
        return self.lock.ends if self.lock else None


def _lock(home: Household) -> Wait | None:
    length = lock_after(home.failed_pins)
    if length is None or home.locked_until is None:
        return None
    return Wait(length, home.locked_until, home.lock_boot, home.lock_uptime_until)


def _store_lock(home: Household, wait: Wait | None) -> None:
    if wait is None:
        home.locked_until = home.lock_boot = home.lock_uptime_until = None
    else:
        home.locked_until, home.lock_boot, home.lock_uptime_until = wait.ends, wait.boot, wait.uptime_ends


def _gate(home: Household) -> Gate:
    binding = None
    if home.keyring_location is not None and home.pin_fingerprint is not None:
        binding = Binding(home.keyring_location, home.pin_fingerprint)
    return Gate(home.id, home.keyring, home.pin_set, home.failed_pins, _lock(home), binding)


def gate_of(home: Household) -> Gate:
    return _gate(home)


def _home(uow: UnitOfWork) -> Household:
    return uow.session.get(Household, household_service.require(uow).id)


def gate(uow: UnitOfWork) -> Gate:
    with uow:
        return _gate(household_service.require(uow))


def lock_left(state: Gate, now: Instant) -> timedelta:
    """How long parent commands stay locked (zero when they are not)."""
    return state.lock.left(now) if state.lock else timedelta(0)


def _refuse_if_locked(state: Gate, now: Instant) -> None:
    left = lock_left(state, now)
    if left > timedelta(0):
        raise Denied(
            f"parent commands are locked after {state.failed_pins} wrong PINs; try again in {wait_words(left)}"
            f" (at {iso(now.wall + left)})",
            hint=LOCKED_HINT,
        )


def _anchor(home: Household, now: Instant) -> bool:
    """Re-measure a lockout that drifted from the clocks (see :meth:`Wait.anchored`); True if it changed."""
    lock = _lock(home)
    if lock is None:
        return False
    anchored = lock.anchored(now)
    if anchored == lock:
        return False
    _store_lock(home, anchored)
    return True


def settle_lock(uow: UnitOfWork, now: Instant) -> Gate:
    """Refuse while parent commands are locked out: before a PIN is even asked for.

    A lockout whose end drifted further off than its own length (the clock
    was ahead, or went back, or the machine rebooted) is re-measured from now
    and stored, so it ends after at most its length of real time.
    """
    with uow:
        home = _home(uow)
        if _anchor(home, now):
            uow.session.add(home)
            uow.commit()
        state = _gate(home)
    _refuse_if_locked(state, now)
    return state


def check_binding(state: Gate, here: Binding) -> None:
    """Refuse a PIN hash from another keyring, or one swapped in the keyring since it was set.

    A household from before bindings were kept has none; :func:`check_pin`
    binds it at its next right PIN (and logs that).
    """
    if state.binding is None:
        return
    if here.location != state.binding.location:
        raise Denied(
            f"this household's PIN was set in another keyring ({state.binding.location}); here it is {here.location}",
            hint=MISMATCH_HINT,
        )
    if here.fingerprint != state.binding.fingerprint:
        raise Denied(
            "the PIN hash in the keyring is not the one this household's PIN was set with"
            " (it was replaced outside 'chorectl init', 'pin change' or 'pin recover' on this database)",
            hint=MISMATCH_HINT,
        )


def check_recovery(state: Gate, here: str, entry: str | None, fingerprint: str | None) -> None:
    """Whether ``pin recover`` may set a new PIN: only where the PIN lives, and only if it is gone.

    *here* is the keyring this process would write to, *entry* what it holds
    for the household (and *fingerprint* its fingerprint). Recovery never
    moves a PIN to another keyring (a child's environment could name one) and
    never writes over a PIN it does not know (one set through another copy of
    this database): those need a person to clear the entry first.
    """
    if state.binding is not None and here != state.binding.location:
        raise Denied(
            f"this household's PIN lives in another keyring ({state.binding.location}); here it is {here}",
            hint="recover it where it lives (same user, PYTHON_KEYRING_BACKEND and data folder);"
            " on a new machine: 'chorectl init' there, then 'chorectl restore' a backup",
        )
    if entry is None:
        return
    if state.binding is None or fingerprint == state.binding.fingerprint:
        raise InvalidState("the keyring still holds this household's PIN", hint="use: chorectl pin change")
    raise Denied(
        "the keyring holds another PIN for this household (set through another copy of this database,"
        " or by hand); pin recover does not write over it",
        hint=f"if it is not yours, clear it first (service chorectl, user {state.household_id};"
        " see 'Recovering the parent PIN' in the README), then run pin recover again",
    )


def check_pin(uow: UnitOfWork, *, verify: Callable[[], bool], now: Instant, how: str, here: Binding) -> None:
    """Check a PIN under the household's write lock; count and log the outcome; :class:`Denied` if wrong.

    *verify()* runs the bcrypt check (a quarter of a second). Only a wrong PIN
    is counted: a process that dies mid-check leaves the count as it was and
    learnt nothing. The lockout is checked again here, under the lock, so
    guesses that queued while others were checked stop at it.
    """
    with uow:
        home = _home(uow)
        _anchor(home, now)
        state = _gate(home)
        try:
            _refuse_if_locked(state, now)
            check_binding(state, here)
        except Denied as refused:
            # Not checked, but an attempt all the same: the log shows it (never the PIN).
            uow.session.add(home)
            uow.record("pin refused", f"{how}; {refused.message}", at=now.wall, actor="unknown")
            uow.commit()
            raise
        ok = verify()
        if ok:
            home.failed_pins = 0
            _store_lock(home, None)
            uow.record("pin ok", how, at=now.wall)
            if state.binding is None:
                home.keyring_location, home.pin_fingerprint = here.location, here.fingerprint
                uow.record("pin bind", f"the PIN is bound to its keyring ({here.words()})", at=now.wall)
        else:
            home.failed_pins += 1
            lock = lock_for(home.failed_pins, now)
            _store_lock(home, lock)
            detail = f"{how}; {home.failed_pins} wrong in a row"
            if lock is not None:
                detail += f"; locked for {wait_words(lock.length)}"
            uow.record("pin failed", detail, at=now.wall, actor="unknown")
        uow.session.add(home)
        uow.commit()
        after = _gate(home)
    if not ok:
        try:
            _refuse_if_locked(after, now)
        except Denied as locked:
            raise Denied(f"wrong parent PIN; {locked.message}", hint=LOCKED_HINT) from None
        free = FREE_TRIES - after.failed_pins
        raise Denied(
            "wrong parent PIN",
            hint=f"{free} more wrong PIN{'s' if free != 1 else ''} lock parent commands for a while;"
            " every attempt is in 'chorectl log'",
        )


def adopt(uow: UnitOfWork, *, keyring: str, here: Binding, now: datetime, detail: str) -> None:
    """A restored database takes the PIN that was just checked: bound to it, its lockout cleared.

    The backup may predate a PIN change (or any binding at all); without this,
    the restored household would refuse the very PIN that restored it.
    """
    with uow:
        home = _home(uow)
        home.keyring, home.keyring_location, home.pin_fingerprint = keyring, here.location, here.fingerprint
        home.pin_set, home.failed_pins = True, 0
        _store_lock(home, None)
        uow.session.add(home)
        uow.record("restore", f"{detail}; {here.words()}", at=now)
        uow.commit()


def record(uow: UnitOfWork, action: str, detail: str | None, *, now: datetime) -> None:
    """An audit line on its own (unlock, lock)."""
    with uow:
        uow.record(action, detail, at=now)
        uow.commit()


def change_pin(uow: UnitOfWork, *, now: datetime, here: Binding, store: Callable[[], None]) -> None:
    """Give the household a new PIN: *store()* writes its hash to the keyring, inside this transaction.

    The new binding and the log line are committed only if the keyring took
    the hash; if the keyring refuses, nothing changes.
    """
    with uow:
        home = _home(uow)
        home.keyring_location, home.pin_fingerprint = here.location, here.fingerprint
        uow.session.add(home)
        uow.record("pin change", here.words(), at=now)
        store()
        uow.commit()


def recover(uow: UnitOfWork, *, household_id: str, now: datetime, here: Binding, store_pin: Callable) -> None:
    """Give a household whose keyring entry is lost (or no longer its own) a new PIN: deliberate, and in the log."""
    with uow:
        home = household_service.require(uow)
        if household_id.strip().lower() != home.id:
            raise InvalidState(
                "that is not this household's id; nothing was changed",
                hint="chorectl doctor shows the id",
            )
        store_pin(home.id, home.keyring)
        home = uow.session.get(Household, home.id)
        home.pin_set, home.failed_pins = True, 0
        _store_lock(home, None)
        home.keyring_location, home.pin_fingerprint = here.location, here.fingerprint
        uow.session.add(home)
        # Nobody proved to be a parent here: the log says so, for the parents to see.
        uow.record(
            "pin recover",
            f"a new PIN was set without the old one ({here.words()})",
            at=now,
            actor="unknown",
        )
        uow.commit()
