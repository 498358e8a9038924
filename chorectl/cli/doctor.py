"""doctor: database, schema, keyring, PIN state, integrity."""

from __future__ import annotations

import typer

from chorectl.cli.state import state


def doctor(ctx: typer.Context) -> None:
    """Check the database (schema, integrity, balances = ledger sums), the keyring and the PIN state.

    The schema check compares the tables, columns, indexes and the append-only
    ledger and log triggers with the ones this chorectl makes: a missing or
    altered one is a fail. Exits 1 when something is wrong.
    """
    from chorectl.services import doctor as doctor_service

    st = state(ctx)
    checks = doctor_service.run(st.uow(), str(st.db_path))
    width = max(len(c.name) for c in checks)
    for check in checks:
        typer.echo(f"{check.status:<4}  {check.name:<{width}}  {check.detail}")
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(1)
