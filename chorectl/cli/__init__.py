"""The command line. Modules here parse, call a service, and render; nothing more.

Heavy libraries (sqlmodel, keyring, bcrypt, rich) are imported inside the
commands that need them, so ``--help``, ``--version`` and completion stay light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar

import typer

from chorectl import __version__
from chorectl.cli.app import LazyGroup, new_app
from chorectl.cli.state import State


class Commands(LazyGroup):
    """The top level: each command's module is imported when the command is used."""

    lazy: ClassVar[dict[str, tuple[str, str, dict]]] = {
        name: (f"chorectl.cli.{module}", attribute, options)
        for name, module, attribute, options in [
            ("init", "household", "init", {}),
            ("join", "household", "join", {}),
            ("pin", "household", "pin_app", {}),
            ("unlock", "household", "unlock", {}),
            ("lock", "household", "lock", {}),
            ("member", "members", "app", {}),
            ("chore", "chores", "app", {}),
            ("done", "review", "done", {}),
            ("approvals", "review", "approvals", {}),
            ("approve", "review", "approve", {}),
            ("reject", "review", "reject", {}),
            ("reward", "rewards", "app", {}),
            ("redeem", "rewards", "redeem", {}),
            ("balance", "money", "balance", {}),
            ("pay", "money", "pay", {"context_settings": {"ignore_unknown_options": True}}),
            ("adjust", "money", "adjust", {"context_settings": {"ignore_unknown_options": True}}),
            ("ledger", "money", "ledger", {}),
            ("goal", "goals", "app", {}),
            ("today", "day", "today", {}),
            ("digest", "day", "digest", {}),
            ("reset", "reset", "reset", {}),
            ("export", "export", "export", {}),
            ("doctor", "doctor", "doctor", {}),
            ("log", "log", "log", {}),
            ("undo", "undo", "undo", {}),
            ("report", "report", "report", {}),
            ("backup", "storage", "backup", {}),
            ("restore", "storage", "restore", {}),
            ("copy", "storage", "copy", {}),
        ]
    }


app = new_app(
    "chorectl",
    "Household chores and pocket money from the terminal.\n\n"
    "Parents add chores and approve them; children mark them done; rewards land on an exact ledger.",
    cls=Commands,
    epilog="Exit codes: 0 done, 1 could not be done, 2 bad usage or input, 3 denied (PIN, or the database login's role). "
    "Data goes to stdout, messages to stderr; a reader that stops early (| head) ends the command quietly, exit 0.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chorectl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="CHORECTL_DB",
            metavar="PATH|URL",
            help="The SQLite file (default: the user data folder's chorectl.db), or a shared household's"
            " postgresql+psycopg://USER@HOST/DB (no password in it: PGPASSWORD, ~/.pgpass). Only init creates it.",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Household chores and pocket money from the terminal."""
    from chorectl.cli.state import env_text
    from chorectl.domain.dates import check_zone

    if db is not None and ctx.get_parameter_source("db").name == "ENVIRONMENT":
        env_text("CHORECTL_DB")  # a file name typed in a variable: UTF-8 text, like every argument
    check_zone()
    # Only init creates the database file (and restore, which handles a missing one itself):
    # anything else run on a mistyped --db or CHORECTL_DB says so, instead of starting afresh.
    ctx.obj = State(db=location(db), create=ctx.invoked_subcommand == "init")


def location(db: str | None) -> Path | str | None:
    """What --db / CHORECTL_DB names: a server's URL as given, anything else a file's path."""
    from chorectl.services.locations import is_server

    if db is None or is_server(db):
        return db
    scheme, sep, _ = db.partition("://")
    if sep and scheme and "/" not in scheme:  # sqlite:///x, mysql://...: a URL, but not one chorectl reads
        from chorectl.errors import BadInput

        raise BadInput(
            f"chorectl cannot use a {scheme}:// database",
            hint="--db takes a file's path or a postgresql+psycopg://USER@HOST/DB URL",
        )
    return Path(db)


def main() -> None:
    app(prog_name="chorectl")
