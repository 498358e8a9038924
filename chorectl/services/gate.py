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
    given = pin.env
    how = f"{command}, PIN from CHORECTL_PIN"
    if given is None:
        if pin.ask is None:
            raise Denied("this is a parent command and needs the parent PIN", hint=NO_PIN_HINT)
        auth.settle_lock(open_uow(write=True), clock.instant())  # no prompt while locked out
        how = f"{command}, PIN typed at the prompt"
        try:
            given = pin.ask()
        except (EOFError, KeyboardInterrupt):
            raise Denied("no parent PIN was given") from None
    hashed = keystore.get_hash(gate.keyring, gate.household_id)
    here = auth.Binding(keystore.where(gate.keyring), keystore.fingerprint(gate.household_id, hashed))
    auth.check_pin(
        open_uow(write=True), verify=lambda: pins.verify(given, hashed), now=clock.instant(), how=how, here=here
    )
    return gate
