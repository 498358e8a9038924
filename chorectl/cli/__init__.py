"""The command line. Modules here parse, call a service, and render; nothing more.

Heavy libraries (sqlmodel, keyring, bcrypt, rich) are imported inside the
commands that need them, so ``--help``, ``--version`` and completion stay light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from chorectl import __version__
from chorectl.cli import chores, completions, doctor, export, household, log, members, money, reset, storage
from chorectl.cli.app import new_app
from chorectl.cli.state import State

app = new_app(
    "chorectl",
    "Household chores and pocket money from the terminal.\n\n"
    "Parents add chores and approve them; children mark them done; rewards land on an exact ledger.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chorectl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Optional[Path],
        typer.Option(
            "--db",
            envvar="CHORECTL_DB",
            metavar="PATH",
            help="The SQLite file (default: the user data folder's chorectl.db).",
            dir_okay=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Household chores and pocket money from the terminal."""
    ctx.obj = State(db=db)


app.command("init")(household.init)
app.add_typer(household.pin_app, name="pin")
app.command("unlock")(household.unlock)
app.command("lock")(household.lock)
app.add_typer(members.app, name="member")
app.add_typer(chores.app, name="chore")
app.command("done")(completions.done)
app.command("approvals")(completions.approvals)
app.command("approve")(completions.approve)
app.command("reject")(completions.reject)
app.command("balance")(money.balance)
app.command("pay", context_settings={"ignore_unknown_options": True})(money.pay)
app.command("adjust", context_settings={"ignore_unknown_options": True})(money.adjust)
app.command("ledger")(money.ledger)
app.command("reset")(reset.reset)
app.command("export")(export.export)
app.command("doctor")(doctor.doctor)
app.command("log")(log.log)
app.command("backup")(storage.backup)
app.command("restore")(storage.restore)


def main() -> None:
    app(prog_name="chorectl")
