"""init, join, pin change, pin recover, unlock, lock: the household and its parent PIN."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from chorectl.cli.app import new_app
from chorectl.cli.options import whole
from chorectl.cli.state import env_text, interactive, message, read_secret, require_parent, state
from chorectl.domain.dates import iso, now
from chorectl.errors import BadInput, Denied, StorageError


class KeyringKind(str, Enum):
    system = "system"
    file = "file"


NEW_PIN_TRIES = 3


def ask_new_pin(env_var: str) -> str:
    """A new PIN from *env_var*, or asked twice on a terminal.

    On a terminal a PIN that breaks the rules, or a second entry that differs,
    says why and asks again (three tries), rather than ending the command.
    """
    from chorectl.services.pins import check_new_pin as check_rules

    given = env_text(env_var)
    if given is not None:
        check_rules(given)
        return given
    if not interactive():
        raise Denied("a new parent PIN is needed", hint=f"run it on a terminal, or set {env_var}")
    problem = None
    for _ in range(NEW_PIN_TRIES):
        try:
            given = read_secret("New parent PIN: ")
            try:
                check_rules(given)
            except BadInput as error:
                problem = error
                message(f"{error.message}; try again.")
                continue
            if read_secret("Same PIN again: ") == given:
                return given
            problem = BadInput("the two PINs differ")
            message("The two PINs differ; try again.")
        except (EOFError, KeyboardInterrupt):
            raise Denied("no new PIN was given; nothing was changed") from None
    raise BadInput(f"{problem.message}; nothing was changed", hint=problem.hint)


def _choose_keyring(asked: KeyringKind | None) -> str:
    """The OS keyring when there is one; the file fallback only when asked for or agreed to."""
    from chorectl.services import pins

    if asked is not None:
        return asked.value
    if pins.system_keyring_usable():
        return "system"
    where = pins.file_keyring_path()
    explanation = (
        "There is no usable OS keyring here (no Secret Service, KWallet, Keychain or Credential Locker).\n"
        f"chorectl can keep the PIN's bcrypt hash in a file keyring instead: {where} (mode 0600).\n"
        "Anyone who can read your files can read that hash; see 'Keyrings' in the README."
    )
    if not interactive():
        raise StorageError(
            "there is no usable OS keyring to keep the parent PIN in",
            hint=f"to keep the hash in a file keyring ({where}, mode 0600): chorectl init --keyring file",
        )
    message(explanation)
    if not typer.confirm("Use the file keyring?", default=False, err=True):
        raise StorageError("no keyring was chosen; nothing was changed")
    return "file"


def init(
    ctx: typer.Context,
    currency: Annotated[
        str, typer.Option("--currency", metavar="SYMBOL", help="Shown before amounts; display only.")
    ] = "$",
    keyring: Annotated[
        KeyringKind | None,
        typer.Option(
            "--keyring",
            case_sensitive=False,
            help="Where the PIN hash lives: the OS keyring (default) or a 0600 file keyring for machines without one.",
        ),
    ] = None,
    parent_role: Annotated[
        str | None,
        typer.Option(
            "--parent-role",
            metavar="ROLE",
            help="PostgreSQL: the parents' group role (default chorectl_parent; reused if it exists).",
        ),
    ] = None,
    child_role: Annotated[
        str | None,
        typer.Option(
            "--child-role",
            metavar="ROLE",
            help="PostgreSQL: the children's group role (default chorectl_child; reused if it exists).",
        ),
    ] = None,
    roles_sql: Annotated[
        bool,
        typer.Option(
            "--roles-sql",
            help="PostgreSQL: print the SQL that sets up the roles (for psql, run by the tables' owner or a"
            " superuser) and change nothing.",
        ),
    ] = False,
) -> None:
    """Create the household and set the parent PIN (asked twice, or $CHORECTL_PIN).

    Refuses if the household already has a PIN.

    On PostgreSQL, run by the database owner, it also sets up the household's
    roles, the wall the PIN alone is not: a parent role (every parent command)
    and a child role (reads chores, members and balances, and 'done'; never the
    ledger, approvals, the log or the PIN data). Give each person's login one:
    GRANT chorectl_child TO ben;
    """
    from chorectl.services import household, pins, roles

    st = state(ctx)
    chosen = {"parent": parent_role or roles.PARENT_ROLE, "child": child_role or roles.CHILD_ROLE}
    if roles_sql or parent_role or child_role:
        roles.refuse_without_roles(st.db_path)
    if roles_sql:
        for statement in roles.sql(st.db_path, **chosen):
            typer.echo(statement)
        return
    household.refuse_if_pin_set(st.uow())  # before asking for a PIN for nothing
    kind = _choose_keyring(keyring)
    hashed = pins.hash_new(ask_new_pin("CHORECTL_PIN"))
    made = roles.setup(st.uow(write=True), **chosen, now=now()) if roles.has_roles(st.db_path) else None
    pins.initialise(st.uow, currency=currency, keyring=kind, hashed=hashed, now=now())
    message(f"Created the household in {st.db_path}.")
    message(f"The parent PIN's hash is kept in: {pins.describe(kind)}.")
    if made is not None:
        message(f"Database roles: {made.parent} for parents' logins, {made.child} for children's.")
        message(f"Give a login one (as the database owner, in psql): GRANT {made.child} TO ben;")
    message("Next: chorectl member add NAME")


def join(
    ctx: typer.Context,
    keyring: Annotated[
        KeyringKind | None,
        typer.Option(
            "--keyring",
            case_sensitive=False,
            help="Where this machine keeps the PIN hash: the OS keyring (default) or a 0600 file keyring.",
        ),
    ] = None,
) -> None:
    """Join this machine to a household on PostgreSQL: type its parent PIN once (or $CHORECTL_PIN).

    The PIN is checked against the household's, never replaced; a wrong one counts
    towards the lockout. Its hash then lives in this machine's keyring too. Run it
    again after the PIN was changed on another machine. Not for a SQLite file.
    """
    from chorectl.services import pins
    from chorectl.services.gate import PinSource

    st = state(ctx)
    st.engine()  # a database that is there (a missing file is named as every command names it)
    pins.can_join(st.db_path)  # a SQLite file: nothing to join, and no PIN asked for
    st.uow()  # the household is there before a keyring is chosen
    kind = _choose_keyring(keyring)
    source = PinSource(
        env=env_text("CHORECTL_PIN"),
        ask=(lambda: read_secret("The household's parent PIN: ")) if interactive() else None,
    )
    where = pins.join(st.uow, keyring=kind, pin=source, command=ctx.command_path)
    message(f"This machine joined the household in {st.db_path}.")
    message(f"The parent PIN's hash is kept here in: {where}.")


pin_app = new_app("pin", "Change or recover the parent PIN.")


@pin_app.command("change")
def pin_change(ctx: typer.Context) -> None:
    """Change the parent PIN: the current one, then the new one twice (or $CHORECTL_NEW_PIN).

    Parent command; an unlock session is not enough. Ends unlock sessions.
    """
    from chorectl.services import pins

    require_parent(ctx, allow_session=False)
    hashed = pins.hash_new(ask_new_pin("CHORECTL_NEW_PIN"))
    pins.change(state(ctx).uow, hashed=hashed, now=now())
    message("The parent PIN was changed.")


@pin_app.command("recover")
def pin_recover(
    ctx: typer.Context,
    household_id: Annotated[
        str,
        typer.Option("--household-id", metavar="ID", help="This household's id, as 'chorectl doctor' shows it."),
    ],
) -> None:
    """Set a new PIN when the keyring lost the old one. Recorded in 'chorectl log'.

    Works only on a terminal, only in the keyring the household's PIN lives in,
    and only while that keyring has no entry for this household. It never
    writes over a PIN it does not know. With the PIN at hand, use 'pin change'.
    Not a way around a PIN that still exists.
    """
    from chorectl.services import pins

    asker = (lambda: ask_new_pin("CHORECTL_NEW_PIN")) if interactive() else None
    pins.recover(state(ctx).uow, household_id=household_id, new_pin=asker, now=now())
    message("A new parent PIN was set; 'chorectl log' records the recovery.")


def unlock(
    ctx: typer.Context,
    minutes: Annotated[
        int,
        typer.Option(
            "--minutes",
            parser=whole(1, 24 * 60),
            metavar="N",
            help="How long parent commands need no PIN, 1 to 1440 minutes.",
        ),
    ] = 5,
) -> None:
    """Parent commands need no PIN for a few minutes, in this terminal (or for this user's scripts).

    A convenience, not a security boundary: see 'Security model' in the README.
    """
    from chorectl.services import pins

    require_parent(ctx, allow_session=False)
    expires = pins.unlock(state(ctx).uow, minutes=minutes)
    message(f"Unlocked until {iso(expires)}; 'chorectl lock' ends it.")


def lock(ctx: typer.Context) -> None:
    """End the unlock session now: parent commands need the PIN again."""
    from chorectl.services import pins

    ended = pins.lock(state(ctx).uow, now=now())
    message("Locked: parent commands need the PIN again." if ended else "There was no unlock session.")
