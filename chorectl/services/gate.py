"""The parent PIN gate, as a use case: callable and testable without a command line.

In CLI.md's order: an unlock session, then the PIN from the environment
(``CHORECTL_PIN``), then a hidden prompt on a terminal. The caller says where
a PIN may come from (:class:`PinSource`); the bookkeeping (lockout, binding,
the log) is :mod:`chorectl.services.auth`'s, the keyring and sessions
:mod:`chorectl.security`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chorectl.errors import Denied
from chorectl.services import auth
from chorectl.services.uow import UnitOfWork

NO_PIN_HINT = "run it on a terminal, set CHORECTL_PIN for a script, or 'chorectl unlock' first"


@dataclass(frozen=True)
class PinSource:
    """Where a PIN may come from: the environment's value, and a prompt (None without a terminal)."""

    env: str | None = None
    ask: Callable[[], str] | None = None


def require_parent(
    open_uow: Callable[..., UnitOfWork], pin: PinSource, *, command: str, allow_session: bool = True
) -> auth.Gate:
    """Let a parent command through, or raise :class:`Denied` (exit 3) having changed nothing
    but the PIN's bookkeeping (the count, the lockout, the log).

    *open_uow(write=False)* opens a unit of work on the household's database.
    """
    from chorectl.security import clock, keystore, session
    from chorectl.security import pin as pins

    gate = auth.gate(open_uow())
    if not gate.pin_set:
        raise Denied("this household has no parent PIN yet", hint="run: chorectl init")
    fingerprint = gate.binding.fingerprint if gate.binding else None
    if allow_session and session.active(gate.household_id, fingerprint, clock.instant()):
        return gate
    given, how = read_pin(
        open_uow, pin, command=command, needs="this is a parent command and needs the parent PIN", nothing=""
    )
    joined = auth.keyrings(open_uow())  # a shared household's machines; None on a file
    kind = keyring_here(gate, joined)
    try:
        hashed = keystore.get_hash(kind, gate.household_id)
    except keystore.Missing as missing:
        if joined is None:
            raise
        raise Denied(
            "this machine's keyring holds no PIN for this household: it has not joined it (or lost the PIN)",
            hint=f"{auth.JOIN_HINT}; {missing.hint}",
        ) from None
    here = auth.Binding(keystore.where(kind), keystore.fingerprint(gate.household_id, hashed))
    auth.check_pin(
        open_uow(write=True),
        verify=lambda: pins.verify(given, hashed),
        now=clock.instant(),
        how=how,
        here=here,
        hashed=hashed,
        kind=kind,
    )
    return gate


def read_pin(
    open_uow: Callable[..., UnitOfWork], pin: PinSource, *, command: str, needs: str, nothing: str
) -> tuple[str, str]:
    """The PIN from *pin* (``CHORECTL_PIN``, else the prompt), and how it came, for the log.

    No prompt while parent commands are locked out: the lockout is settled first. Without
    either source, :class:`Denied` says *needs*; a prompt left without a PIN, "no parent PIN
    was given" and *nothing* after it.
    """
    from chorectl.security import clock

    if pin.env is not None:
        return pin.env, f"{command}, PIN from CHORECTL_PIN"
    if pin.ask is None:
        raise Denied(needs, hint=NO_PIN_HINT)
    auth.settle_lock(open_uow(write=True), clock.instant())  # no prompt while locked out
    try:
        given = pin.ask()
    except (EOFError, KeyboardInterrupt):
        raise Denied(f"no parent PIN was given{nothing}") from None
    return given, f"{command}, PIN typed at the prompt"


def keyring_here(gate: auth.Gate, keyrings: tuple[auth.Keyring, ...] | None) -> str:
    """The kind of keyring (system | file) that holds the household's PIN hash on this machine.

    On a SQLite file, the one the household was made with. On a shared database each
    machine chose its own when it joined (*keyrings*, :func:`auth.keyrings`): the kind
    whose keyring here is one that joined; the household's own when none is (the
    binding check then says this machine has not joined).
    """
    from chorectl.security import keystore

    if not keyrings:
        return gate.keyring
    for kind in dict.fromkeys((gate.keyring, *keystore.KINDS)):
        try:
            where = keystore.location(kind)
        except keystore.Unusable:
            continue
        if any(k.kind == kind and k.location == where for k in keyrings):
            return kind
    return gate.keyring
