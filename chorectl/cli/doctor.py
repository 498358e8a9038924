"""doctor: database, schema, keyring, PIN state, integrity."""

from __future__ import annotations

import typer

from chorectl.cli.state import state
from chorectl.domain.dates import iso, now


def doctor(ctx: typer.Context) -> None:
    """Check the database (schema, integrity, balances = ledger sums), the keyring and the PIN state.

    The schema check compares the tables, columns, indexes and the append-only
    ledger and log triggers with the ones this chorectl makes: a missing or
    altered one is a fail. Exits 1 when something is wrong.
    """
    from datetime import datetime

    from chorectl.security import keystore, session
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
        if home.pin_set:
            present = keystore.has_entry(home.keyring, home.id)
            if present:
                checks.append(Check("parent PIN", "ok", "set; its hash is in the keyring"))
            elif present is None:
                checks.append(Check("parent PIN", "fail", "set, but the keyring cannot be reached: parent commands are denied"))
            else:
                checks.append(
                    Check("parent PIN", "fail", "set, but missing from the keyring: parent commands are denied; see chorectl pin recover")
                )
        else:
            checks.append(Check("parent PIN", "warn", "not set: run chorectl init"))
        moment = now()
        if home.locked_until and home.locked_until > moment:
            checks.append(Check("lockout", "warn", f"{home.failed_pins} wrong PINs; locked until {iso(home.locked_until)}"))
        else:
            checks.append(Check("lockout", "ok", f"{home.failed_pins} wrong PINs in a row" if home.failed_pins else "none"))
        expires = session.active(home.id)
        checks.append(
            Check(
                "unlock session",
                "ok",
                f"active until {iso(datetime.fromtimestamp(expires).astimezone())}" if expires else "none",
            )
        )
    width = max(len(c.name) for c in checks)
    for check in checks:
        typer.echo(f"{check.status:<4}  {check.name:<{width}}  {check.detail}")
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(1)
