"""doctor: database, schema, keyring, PIN state, integrity."""

from __future__ import annotations

import typer

from chorectl.cli.state import state
from chorectl.domain.dates import iso


def doctor(ctx: typer.Context) -> None:
    """Check the database (schema, integrity, balances = ledger sums), the keyring and the PIN state.

    The schema check compares the tables, columns, indexes and the append-only
    ledger and log triggers with the ones this chorectl makes: a missing or
    altered one is a fail. Exits 1 when something is wrong.
    """
    from chorectl.security import clock, keystore, session
    from chorectl.services import auth
    from chorectl.services import doctor as doctor_service
    from chorectl.services.doctor import Check

    st = state(ctx)
    checks = [Check("database", "ok", str(st.db_path))]
    found, home = doctor_service.database_checks(st.uow())
    checks.extend(found)
    if home is None:
        checks.append(Check("household", "warn", "none yet: run chorectl init"))
    else:
        checks.append(Check("household", "ok", f"id {home.id}"))
        checks.append(Check("keyring", "ok", f"{home.keyring}: {keystore.describe(home.keyring)}"))
        checks.append(_pin_check(home))
        moment = clock.instant()
        left = auth.lock_left(auth.gate_of(home), moment)
        if left:
            until = iso(moment.wall + left)
            checks.append(Check("lockout", "warn", f"{home.failed_pins} wrong PINs; locked until {until}"))
        else:
            checks.append(Check("lockout", "ok", f"{home.failed_pins} wrong PINs in a row" if home.failed_pins else "none"))
        expires = session.active(home.id, home.pin_fingerprint, moment)
        checks.append(Check("unlock session", "ok", f"active until {iso(expires)}" if expires else "none"))
    width = max(len(c.name) for c in checks)
    for check in checks:
        typer.echo(f"{check.status:<4}  {check.name:<{width}}  {check.detail}")
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(1)


def _pin_check(home):
    """Is the PIN's hash where the household says, and the one it was set with?"""
    from chorectl.errors import Denied
    from chorectl.security import keystore
    from chorectl.services import auth
    from chorectl.services.doctor import Check

    if not home.pin_set:
        return Check("parent PIN", "warn", "not set: run chorectl init")
    try:
        hashed = keystore.read(home.keyring, home.id, "look up the PIN")
    except keystore.Unusable as exc:
        return Check("parent PIN", "fail", f"set, but the keyring cannot be reached ({exc}): parent commands are denied")
    if not hashed:
        return Check(
            "parent PIN", "fail", "set, but missing from the keyring: parent commands are denied; see chorectl pin recover"
        )
    gate = auth.gate_of(home)
    if gate.binding is None:
        return Check("parent PIN", "warn", "set; not yet bound to its keyring (the next right PIN binds it)")
    try:
        auth.check_binding(gate, auth.Binding(keystore.location(home.keyring), keystore.fingerprint(home.id, hashed)))
    except (Denied, keystore.Unusable) as exc:
        return Check("parent PIN", "fail", f"{getattr(exc, 'message', exc)}: parent commands are denied")
    return Check("parent PIN", "ok", f"set; its hash is in the keyring it was set in ({gate.binding.words()})")
