"""The parent PIN's bookkeeping in the database: its binding, the lockout, the audit of attempts.

The hash itself is never here; it lives in the keyring (:mod:`chorectl.security`).
What the database keeps is *which* keyring holds it and a fingerprint of it
(:class:`Binding`), so that a PIN set in another keyring, or a hash swapped
in the keyring behind the household's back, is refused.

On a shared (PostgreSQL) database several machines keep the hash, each in its
own keyring: the database also records which keyrings hold it (and the hash
each was given), and a verifier of the PIN (parent role only) that ``chorectl
join`` checks a typed PIN against before it puts the hash in a new machine's
keyring. A PIN changed on one machine leaves the others' keyrings with the old
hash: refused, with a hint to join again. On a SQLite file neither is written.

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

from sqlmodel import select

from chorectl.db import dialect
from chorectl.db.models import Household, PinKeyring, PinVerifier
from chorectl.domain.dates import iso
from chorectl.domain.lockout import FREE_TRIES, Instant, Wait, lock_after, lock_for, wait_words
from chorectl.errors import Denied, InvalidState
from chorectl.services import household as household_service
from chorectl.services.uow import UnitOfWork

LOCKED_HINT = "each further wrong PIN doubles the wait, up to an hour; a right PIN after it clears the count"
JOIN_HINT = "a parent joins this machine (again) by typing the household's current PIN once: chorectl join"
NOT_SHARED = "this household is in a SQLite file, which is one machine's: there is nothing to join"
NOT_SHARED_HINT = (
    "join is for a household on PostgreSQL, shared by several machines:"
    " chorectl --db postgresql+psycopg://USER@HOST/DB join"
)
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
class Keyring:
    """A keyring that holds a shared household's PIN hash (a machine that joined it): its kind
    (system | file), where it is, and the fingerprint of the hash it was given."""

    kind: str
    location: str
    fingerprint: str


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


def shared(uow: UnitOfWork) -> bool:
    """Is *uow*'s database shared by several machines (the backend's ``SHARED``)? Opens nothing."""
    return bool(dialect.of(uow.engine).SHARED)


def _keyrings(uow: UnitOfWork, household_id: str) -> tuple[Keyring, ...] | None:
    """Inside an open unit of work: the keyrings bound to a shared household, None on a file."""
    if not shared(uow):
        return None
    found = uow.session.exec(select(PinKeyring).where(PinKeyring.household_id == household_id)).all()
    return tuple(Keyring(k.kind, k.location, k.fingerprint) for k in sorted(found, key=lambda k: k.location))


def keyrings(uow: UnitOfWork) -> tuple[Keyring, ...] | None:
    """The keyrings (machines) that hold a shared household's PIN hash; None on a SQLite file.

    Parent paths only (the PIN gate, join, pin change, doctor): on PostgreSQL only
    the parent role may read the PIN's tables."""
    if not shared(uow):
        return None
    with uow:
        return _keyrings(uow, household_service.require(uow).id)


def keep_shared_pin(uow: UnitOfWork, home: Household, *, hashed: str, kind: str, here: Binding, now: datetime) -> None:
    """Inside an open unit of work: on a shared database, the PIN's verifier is *hashed* and the
    keyring *here* (of *kind*) holds it. Nothing on a SQLite file (its tables stay empty)."""
    if not shared(uow):
        return
    uow.session.flush()  # the household row first: both tables point at it
    verifier = uow.session.get(PinVerifier, home.id)
    if verifier is None:
        verifier = PinVerifier(household_id=home.id, hash=hashed, changed_at=now)
    verifier.hash, verifier.changed_at = hashed, now
    uow.session.add(verifier)
    _keep_keyring(uow, home.id, kind=kind, here=here, now=now)


def _keep_keyring(uow: UnitOfWork, household_id: str, *, kind: str, here: Binding, now: datetime) -> None:
    found = uow.session.get(PinKeyring, (household_id, here.location))
    if found is None:
        found = PinKeyring(household_id=household_id, location=here.location, kind=kind, fingerprint="", joined_at=now)
    if (found.kind, found.fingerprint) != (kind, here.fingerprint):
        found.kind, found.fingerprint, found.joined_at = kind, here.fingerprint, now
        uow.session.add(found)


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


def check_binding(state: Gate, here: Binding, keyrings: tuple[Keyring, ...] | None = None) -> None:
    """Refuse a PIN hash from another keyring, or one swapped in the keyring since it was set.

    A household from before bindings were kept has none; :func:`check_pin`
    binds it at its next right PIN (and logs that). On a shared database
    (*keyrings* not None) the hash may come from any keyring that joined, and
    must be the household's current one: a keyring left with the hash from
    before a PIN change elsewhere is told to join again.
    """
    if state.binding is None:
        return
    if keyrings is not None:
        _check_shared_binding(state, here, keyrings)
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


def _check_shared_binding(state: Gate, here: Binding, keyrings: tuple[Keyring, ...]) -> None:
    joined = next((k for k in keyrings if k.location == here.location), None)
    if joined is None and here.location != state.binding.location:
        raise Denied(f"this machine's keyring has not joined this household ({here.location})", hint=JOIN_HINT)
    if here.fingerprint == state.binding.fingerprint:
        return
    if joined is not None and here.fingerprint == joined.fingerprint:
        raise Denied(
            "the household's parent PIN was changed on another machine; this machine's keyring holds the old one",
            hint=JOIN_HINT,
        )
    raise Denied(
        "the PIN hash in this machine's keyring is not the household's current one"
        " (it was replaced outside 'chorectl init', 'join', 'pin change' or 'pin recover')",
        hint=JOIN_HINT,
    )


def check_recovery(
    state: Gate, here: str, entry: str | None, fingerprint: str | None, keyrings: tuple[Keyring, ...] | None = None
) -> None:
    """Whether ``pin recover`` may set a new PIN: only where the PIN lives, and only if it is gone.

    *here* is the keyring this process would write to, *entry* what it holds
    for the household (and *fingerprint* its fingerprint). Recovery never
    moves a PIN to another keyring (a child's environment could name one) and
    never writes over a PIN it does not know (one set through another copy of
    this database): those need a person to clear the entry first. On a shared
    database (*keyrings* not None) the PIN lives in every keyring that joined.
    """
    joined = keyrings is not None and any(k.location == here for k in keyrings)
    if state.binding is not None and here != state.binding.location and not joined:
        raise Denied(
            f"this household's PIN lives in another keyring ({state.binding.location}); here it is {here}",
            hint="recover it where it lives (same user, PYTHON_KEYRING_BACKEND and data folder);"
            " on a new machine: 'chorectl init' there, then 'chorectl restore' a backup",
        )
    if entry is None:
        return
    if state.binding is None or fingerprint == state.binding.fingerprint:
        raise InvalidState("the keyring still holds this household's PIN", hint="use: chorectl pin change")
    if keyrings is not None and any(k.location == here and k.fingerprint == fingerprint for k in keyrings):
        raise InvalidState(
            "this keyring holds the household's PIN from before it was changed on another machine", hint=JOIN_HINT
        )
    raise Denied(
        "the keyring holds another PIN for this household (set through another copy of this database,"
        " or by hand); pin recover does not write over it",
        hint=f"if it is not yours, clear it first (service chorectl, user {state.household_id};"
        " see 'Recovering the parent PIN' in the README), then run pin recover again",
    )


def check_pin(
    uow: UnitOfWork,
    *,
    verify: Callable[[], bool],
    now: Instant,
    how: str,
    here: Binding,
    hashed: str | None = None,
    kind: str | None = None,
) -> None:
    """Check a PIN under the household's write lock; count and log the outcome; :class:`Denied` if wrong.

    *verify()* runs the bcrypt check (a quarter of a second). Only a wrong PIN
    is counted: a process that dies mid-check leaves the count as it was and
    learnt nothing. The lockout is checked again here, under the lock, so
    guesses that queued while others were checked stop at it.

    On a shared database, a right PIN from a keyring (*here*, of *kind*, holding
    *hashed*) the household does not list yet, or a household with no verifier
    yet (one from before schema 6), is recorded: the PIN was just proven.
    """
    with uow:
        home = _home(uow)
        _anchor(home, now)
        state = _gate(home)
        bound = _keyrings(uow, home.id)
        try:
            _refuse_if_locked(state, now)
            check_binding(state, here, bound)
        except Denied as refused:
            _log_refusal(uow, home, refused, now=now, how=how)
            raise
        ok = verify()
        if ok:
            _count_right(uow, home, now=now, how=how)
            if state.binding is None:
                home.keyring_location, home.pin_fingerprint = here.location, here.fingerprint
                uow.record("pin bind", f"the PIN is bound to its keyring ({here.words()})", at=now.wall)
            if bound is not None and hashed is not None and kind is not None:
                _adopt_shared(uow, home, bound, hashed=hashed, kind=kind, here=here, now=now.wall)
        else:
            _count_wrong(uow, home, now=now, how=how)
        uow.session.add(home)
        uow.commit()
        after = _gate(home)
    if not ok:
        _refuse_wrong(after, now)


def _adopt_shared(
    uow: UnitOfWork, home: Household, bound: tuple[Keyring, ...], *, hashed: str, kind: str, here: Binding, now
) -> None:
    """A right PIN on a shared household from before schema 6: keep its verifier and this keyring."""
    if uow.session.get(PinVerifier, home.id) is None:
        keep_shared_pin(uow, home, hashed=hashed, kind=kind, here=here, now=now)
        uow.record("pin verifier", f"kept for joining other machines ({here.words()})", at=now)
    elif not any(k.location == here.location for k in bound):
        _keep_keyring(uow, home.id, kind=kind, here=here, now=now)


def _log_refusal(uow: UnitOfWork, home: Household, refused: Denied, *, now: Instant, how: str) -> None:
    # Not checked, but an attempt all the same: the log shows it (never the PIN).
    uow.session.add(home)
    uow.record("pin refused", f"{how}; {refused.message}", at=now.wall, actor="unknown")
    uow.commit()


def _count_right(uow: UnitOfWork, home: Household, *, now: Instant, how: str) -> None:
    home.failed_pins = 0
    _store_lock(home, None)
    uow.record("pin ok", how, at=now.wall)


def _count_wrong(uow: UnitOfWork, home: Household, *, now: Instant, how: str) -> None:
    home.failed_pins += 1
    lock = lock_for(home.failed_pins, now)
    _store_lock(home, lock)
    detail = f"{how}; {home.failed_pins} wrong in a row"
    if lock is not None:
        detail += f"; locked for {wait_words(lock.length)}"
    uow.record("pin failed", detail, at=now.wall, actor="unknown")


def _refuse_wrong(after: Gate, now: Instant) -> None:
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


def join(
    uow: UnitOfWork,
    *,
    verify: Callable[[str], bool],
    fingerprint: Callable[[str], str],
    store: Callable[[str], None],
    kind: str,
    location: str,
    now: Instant,
    how: str,
) -> Binding:
    """Join this machine's keyring (*kind*, at *location*) to a shared household: one PIN check.

    Under the household's write lock, as :func:`check_pin`: the lockout first, then
    *verify(hash)* against the household's verifier. A wrong PIN is counted as any
    wrong PIN. A right one puts the household's hash in the keyring (*store(hash)*),
    records the keyring, and is logged; the PIN itself is never replaced.
    """
    with uow:
        if not shared(uow):
            raise InvalidState(NOT_SHARED, hint=NOT_SHARED_HINT)
        home = _home(uow)
        if not home.pin_set:
            raise InvalidState("this household has no parent PIN yet", hint="run: chorectl init")
        _anchor(home, now)
        state = _gate(home)
        try:
            _refuse_if_locked(state, now)
        except Denied as refused:
            _log_refusal(uow, home, refused, now=now, how=how)
            raise
        verifier = uow.session.get(PinVerifier, home.id)
        if verifier is None:
            raise InvalidState(
                "this household keeps no PIN verifier yet (its PIN was set by an older chorectl)",
                hint="give the PIN once to a parent command on a machine where they work (e.g. chorectl unlock),"
                " then join here",
            )
        ok = verify(verifier.hash)
        if ok:
            here = Binding(location, fingerprint(verifier.hash))
            if state.binding is not None and here.fingerprint != state.binding.fingerprint:
                raise InvalidState(
                    "the household's PIN verifier is not the PIN its machines hold (it was changed outside chorectl)",
                    hint="on a machine where parent commands work: chorectl pin change; then join here",
                )
            _count_right(uow, home, now=now, how=how)
            _keep_keyring(uow, home.id, kind=kind, here=here, now=now.wall)
            uow.record("pin join", f"a keyring joined the household ({here.words()})", at=now.wall)
            store(verifier.hash)
        else:
            _count_wrong(uow, home, now=now, how=how)
        uow.session.add(home)
        uow.commit()
        after = _gate(home)
    if not ok:
        _refuse_wrong(after, now)
    return here


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


def change_pin(
    uow: UnitOfWork,
    *,
    now: datetime,
    here: Binding,
    store: Callable[[], None],
    hashed: str | None = None,
    kind: str | None = None,
) -> None:
    """Give the household a new PIN: *store()* writes its hash to the keyring, inside this transaction.

    The new binding and the log line are committed only if the keyring took
    the hash; if the keyring refuses, nothing changes. On a shared database the
    verifier becomes *hashed* and this keyring (of *kind*) holds it; the other
    machines' keyrings still hold the old hash, and are refused until they join again.
    """
    with uow:
        home = _home(uow)
        home.keyring_location, home.pin_fingerprint = here.location, here.fingerprint
        uow.session.add(home)
        if hashed is not None:
            keep_shared_pin(uow, home, hashed=hashed, kind=kind or home.keyring, here=here, now=now)
        uow.record("pin change", here.words(), at=now)
        store()
        uow.commit()


def recover(
    uow: UnitOfWork,
    *,
    household_id: str,
    now: datetime,
    here: Binding,
    store_pin: Callable,
    hashed: str | None = None,
    kind: str | None = None,
) -> None:
    """Give a household whose keyring entry is lost (or no longer its own) a new PIN: deliberate, and in the log."""
    with uow:
        home = household_service.require(uow)
        if household_id.strip().lower() != home.id:
            raise InvalidState(
                "that is not this household's id; nothing was changed",
                hint="chorectl doctor shows the id",
            )
        store_pin(home.id, kind or home.keyring)
        home = uow.session.get(Household, home.id)
        home.pin_set, home.failed_pins = True, 0
        _store_lock(home, None)
        home.keyring_location, home.pin_fingerprint = here.location, here.fingerprint
        uow.session.add(home)
        if hashed is not None:
            keep_shared_pin(uow, home, hashed=hashed, kind=kind or home.keyring, here=here, now=now)
        # Nobody proved to be a parent here: the log says so, for the parents to see.
        uow.record(
            "pin recover",
            f"a new PIN was set without the old one ({here.words()})",
            at=now,
            actor="unknown",
        )
        uow.commit()
