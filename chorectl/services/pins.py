"""The parent PIN's use cases: set it at init, change it, recover it, unlock and lock.

Callable without a command line: the caller hands in the new PIN (or how to
ask for it) and a way to open units of work (``open_uow(write=False)``); the
keyring is :mod:`chorectl.security.keystore`'s, the bookkeeping
:mod:`chorectl.services.auth`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from chorectl.errors import Denied, InvalidState, StorageError
from chorectl.services import auth, gate
from chorectl.services.gate import PinSource
from chorectl.services.uow import UnitOfWork

OpenUow = Callable[..., UnitOfWork]


def check_new_pin(pin: str) -> None:
    """:class:`~chorectl.errors.BadInput` (exit 2) if *pin* breaks the rules for a new PIN."""
    from chorectl.security.pin import check_rules

    check_rules(pin)


def hash_new(pin: str) -> str:
    """The bcrypt hash to keep for a new PIN (checked against the rules first)."""
    from chorectl.security.pin import hash_pin

    return hash_pin(pin)


def describe(kind: str) -> str:
    """The keyring *kind* means here, in words, for messages."""
    from chorectl.security import keystore

    return keystore.describe(kind)


def system_keyring_usable() -> bool:
    from chorectl.security import keystore

    return keystore.system_usable()


def file_keyring_path() -> Path:
    from chorectl.security import keystore

    return keystore.file_keyring_path()


def binding(kind: str, household_id: str, hashed: str) -> auth.Binding:
    """Where *hashed* is kept for this household, as the database records it."""
    from chorectl.security import keystore

    try:
        where = keystore.location(kind)
    except keystore.Unusable as exc:
        raise StorageError(f"the PIN could not be stored: {exc}") from None
    return auth.Binding(where, keystore.fingerprint(household_id, hashed))


def initialise(open_uow: OpenUow, *, currency: str, keyring: str, hashed: str, now: datetime) -> str:
    """Create the household with the PIN whose hash is *hashed*; returns the household id."""
    from chorectl.security import keystore
    from chorectl.services import household

    def store(household_id: str) -> auth.Binding:
        if keystore.has_entry(keyring, household_id):
            raise InvalidState(
                f"the keyring already holds a PIN for this household ({household_id})",
                hint=keystore.RECOVERY_HINT,
            )
        bound = binding(keyring, household_id, hashed)
        keystore.set_hash(keyring, household_id, hashed)
        return bound

    return household.initialise(
        open_uow(write=True), currency=currency, now=now, keyring=keyring, store_pin=store, hashed=hashed
    ).id


def change(open_uow: OpenUow, *, hashed: str, now: datetime) -> None:
    """A new PIN for the household (the gate has just checked the current one); ends unlock sessions."""
    from chorectl.security import keystore, session
    from chorectl.services.gate import keyring_here

    gate = auth.gate(open_uow())
    kind = keyring_here(gate, auth.keyrings(open_uow()))
    auth.change_pin(
        open_uow(write=True),
        now=now,
        here=binding(kind, gate.household_id, hashed),
        store=lambda: keystore.set_hash(kind, gate.household_id, hashed),
        hashed=hashed,
        kind=kind,
    )
    session.end(gate.household_id)


def recover(open_uow: OpenUow, *, household_id: str, new_pin: Callable[[], str] | None, now: datetime) -> None:
    """Set a new PIN where the keyring lost the household's: only in the keyring it lives in,
    only while that keyring has no entry for it, and only for a person (*new_pin* asks one;
    None means no terminal)."""
    from chorectl.security import keystore, session
    from chorectl.security.pin import hash_pin
    from chorectl.services.gate import keyring_here

    gate = auth.gate(open_uow())
    joined = auth.keyrings(open_uow())
    kind = keyring_here(gate, joined)
    try:
        here = keystore.location(kind)
        entry = keystore.read(kind, gate.household_id, "look up the PIN")
    except keystore.Unusable:
        raise StorageError(
            f"the keyring cannot be reached ({keystore.describe(kind)}); recover where it can",
        ) from None
    fingerprint = keystore.fingerprint(gate.household_id, entry) if entry else None
    auth.check_recovery(gate, here, entry or None, fingerprint, joined)
    if new_pin is None:
        raise Denied("pin recover is done by a person at a terminal, never by a script")
    hashed = hash_pin(new_pin())
    auth.recover(
        open_uow(write=True),
        household_id=household_id,
        now=now,
        here=binding(kind, gate.household_id, hashed),
        store_pin=lambda hid, kind: keystore.set_hash(kind, hid, hashed),
        hashed=hashed,
        kind=kind,
    )
    session.end(gate.household_id)


def can_join(location: Path | str) -> None:
    """Refuse (before any PIN is asked for) to join a database that is not shared: a SQLite file."""
    from chorectl.db import dialect

    if not dialect.at(location).SHARED:
        raise InvalidState(auth.NOT_SHARED, hint=auth.NOT_SHARED_HINT)


def join(open_uow: OpenUow, *, keyring: str, pin: PinSource, command: str) -> str:
    """Join this machine to a shared household: the household's PIN, checked against its verifier
    (a wrong one counts towards the lockout), puts the household's hash in this machine's *keyring*
    (system | file). Returns where the hash is kept, in words."""
    from chorectl.security import clock, keystore
    from chorectl.security import pin as pin_rules

    state = auth.gate(open_uow())
    if not auth.shared(open_uow()):
        raise InvalidState(auth.NOT_SHARED, hint=auth.NOT_SHARED_HINT)
    if not state.pin_set:
        raise InvalidState("this household has no parent PIN yet", hint="run: chorectl init")
    where = binding(keyring, state.household_id, "").location  # the keyring is usable before a PIN is asked
    given, how = gate.read_pin(
        open_uow,
        pin,
        command=command,
        needs="joining needs the household's parent PIN",
        nothing="; nothing was changed",
    )
    auth.join(
        open_uow(write=True),
        verify=lambda hashed: pin_rules.verify(given, hashed),
        fingerprint=lambda hashed: keystore.fingerprint(state.household_id, hashed),
        store=lambda hashed: keystore.set_hash(keyring, state.household_id, hashed),
        kind=keyring,
        location=where,
        now=clock.instant(),
        how=how,
    )
    return describe(keyring)


def unlock(open_uow: OpenUow, *, minutes: int) -> datetime:
    """Start an unlock session (the gate has just checked the PIN); returns when it ends."""
    from chorectl.security import clock, session

    gate = auth.gate(open_uow())  # bound by the PIN's check just now
    moment = clock.instant()
    try:
        expires = session.start(gate.household_id, gate.binding.fingerprint, minutes, moment)
    except OSError as exc:
        raise StorageError(f"no private folder for the unlock session ({exc})") from None
    auth.record(open_uow(write=True), "unlock", f"{minutes} min", now=moment.wall)
    return expires


def lock(open_uow: OpenUow, *, now: datetime) -> bool:
    """End this household's unlock sessions (no PIN needed); whether there was one."""
    from chorectl.security import session

    ended = session.end(auth.gate(open_uow()).household_id)
    if ended:
        auth.record(open_uow(write=True, actor="unknown"), "lock", None, now=now)
    return bool(ended)
