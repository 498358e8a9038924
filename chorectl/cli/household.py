"""init: create the household and set the parent PIN."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from chorectl.cli.state import interactive, message, read_secret, state
from chorectl.domain.dates import now
from chorectl.errors import BadInput, Denied, InvalidState


def ask_new_pin(env_var: str) -> str:
    """A new PIN from *env_var*, or asked twice on a terminal."""
    from chorectl.security.pin import check_rules

    given = os.environ.get(env_var)
    if given is None:
        if not interactive():
            raise Denied("a new parent PIN is needed", hint=f"run it on a terminal, or set {env_var}")
        given = read_secret("New parent PIN: ")
        check_rules(given)
        if read_secret("Same PIN again: ") != given:
            raise BadInput("the two PINs differ; nothing was changed")
    check_rules(given)
    return given


def init(
    ctx: typer.Context,
    currency: Annotated[
        str, typer.Option("--currency", metavar="SYMBOL", help="Shown before amounts; display only.")
    ] = "$",
) -> None:
    """Create the household and set the parent PIN (asked twice, or $CHORECTL_PIN).

    Refuses if the household already has a PIN.
    """
    from chorectl.security import keystore
    from chorectl.security.pin import hash_pin
    from chorectl.services import household

    st = state(ctx)
    household.refuse_if_pin_set(st.uow())  # before asking for a PIN for nothing
    hashed = hash_pin(ask_new_pin("CHORECTL_PIN"))

    def store_pin(household_id: str) -> None:
        if keystore.has_entry(household_id):
            raise InvalidState(
                f"the keyring already holds a PIN for this household ({household_id})",
                hint=keystore.RECOVERY_HINT,
            )
        keystore.set_hash(household_id, hashed)

    household.initialise(st.uow(write=True), currency=currency, now=now(), store_pin=store_pin)
    message(f"Created the household in {st.db_path}.")
    message(f"The parent PIN is kept in the {keystore.backend_name()} keyring.")
    message("Next: chorectl member add NAME")
