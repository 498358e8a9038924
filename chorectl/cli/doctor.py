"""doctor: database, schema, keyring, PIN state, integrity."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

import typer

from chorectl.cli import render
from chorectl.cli.state import state


@contextmanager
def _working():
    """A spinner with the seconds so far on stderr, only on a terminal; yields what to call as work goes on."""
    if not sys.stderr.isatty():
        yield None
        return
    started = time.monotonic()
    with render.console(stderr=True).status("Checking the database...") as status:
        shown = [0]

        def progress() -> None:
            seconds = int(time.monotonic() - started)
            if seconds > shown[0]:
                shown[0] = seconds
                status.update(f"Checking the database: integrity, {seconds} s...")

        yield progress


def doctor(ctx: typer.Context) -> None:
    """Check the database (schema, integrity, balances = ledger sums), the keyring and the PIN state.

    The schema check compares the tables, columns, indexes and the append-only
    ledger and log triggers with the ones this chorectl makes: a missing or
    altered one is a fail. The integrity check reads the whole file (a second
    or two for ten years of history) and says how long it took; on a terminal
    a spinner shows it working. Exits 1 when something is wrong.
    """
    from chorectl.services import doctor as doctor_service

    st = state(ctx)
    with _working() as progress:
        checks = doctor_service.run(st.uow(), str(st.db_path), progress)
    width = max(len(c.name) for c in checks)
    for check in checks:
        typer.echo(f"{check.status:<4}  {check.name:<{width}}  {check.detail}")
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(1)
