"""Per-invocation state: which database, opened lazily; the parent PIN gate."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import typer

from chorectl.errors import Denied


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("chorectl") / "chorectl.db"  # CLI.md: user_data_dir("chorectl")


@dataclass
class State:
    db: Path | None = None
    _engine: object = field(default=None, repr=False)

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else default_db_path()

    def engine(self):
        if self._engine is None:
            from chorectl.db.engine import ensure_schema, make_engine

            engine = make_engine(self.db_path)
            upgraded = ensure_schema(engine, self.db_path)
            if upgraded is not None:
                where = f"; the old file is kept as {upgraded.backup}" if upgraded.backup else ""
                message(f"Upgraded the database from schema {upgraded.from_version} to {upgraded.to_version}{where}.")
            self._engine = engine
        return self._engine

    def uow(self, *, write: bool = False, actor: str = "parent"):
        from chorectl.services.uow import UnitOfWork

        # Who says they are the parent at the keyboard: the log names them (README "Who may do what").
        member = env_text("CHORECTL_MEMBER") if write and actor == "parent" else None
        return UnitOfWork(self.engine(), write=write, actor=actor, member=member)

    def currency(self) -> str:
        from chorectl.services import household

        with self.uow() as uow:
            return household.currency(uow)


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def read_secret(prompt: str) -> str:
    import getpass

    return getpass.getpass(prompt)


def interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def require_parent(ctx: typer.Context, *, allow_session: bool = True) -> None:
    """The parent PIN gate. Raises :class:`Denied` (exit 3) and changes nothing when it fails.

    In CLI.md's order: an unlock session, then CHORECTL_PIN, then a hidden
    prompt on a terminal. Wrong PINs are counted and lock parent commands out;
    a PIN hash from another keyring than the household's, or swapped in the
    keyring since it was set, is refused (see :mod:`chorectl.services.auth`).
    """
    from chorectl.security import clock, keystore, pin, session
    from chorectl.services import auth

    st = state(ctx)
    gate = auth.gate(st.uow())
    if not gate.pin_set:
        raise Denied("this household has no parent PIN yet", hint="run: chorectl init")
    fingerprint = gate.binding.fingerprint if gate.binding else None
    if allow_session and session.active(gate.household_id, fingerprint, clock.instant()):
        return
    given = env_text("CHORECTL_PIN")
    how = f"{ctx.command_path}, PIN from CHORECTL_PIN"
    if given is None:
        if not interactive():
            raise Denied(
                "this is a parent command and needs the parent PIN",
                hint="run it on a terminal, set CHORECTL_PIN for a script, or 'chorectl unlock' first",
            )
        auth.settle_lock(st.uow(write=True), clock.instant())  # no prompt while locked out
        how = f"{ctx.command_path}, PIN typed at the prompt"
        try:
            given = read_secret("Parent PIN: ")
        except (EOFError, KeyboardInterrupt):
            raise Denied("no parent PIN was given") from None
    hashed = keystore.get_hash(gate.keyring, gate.household_id)
    here = auth.Binding(keystore.where(gate.keyring), keystore.fingerprint(gate.household_id, hashed))
    auth.check_binding(gate, here)  # before the bcrypt check: nothing to count
    auth.check_pin(st.uow(write=True), verify=lambda: pin.verify(given, hashed), now=clock.instant(), how=how, here=here)


def env_text(name: str) -> str | None:
    """A text environment variable, or None when unset or empty.

    Python hands undecodable bytes over as lone surrogates; such a value is
    refused (exit 2) here, before it can reach a hash, a log line or a terminal.
    """
    value = os.environ.get(name) or None
    if value is not None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            from chorectl.errors import BadInput

            raise BadInput(f"{name} is not valid UTF-8 text") from None
    return value


def message(text: str) -> None:
    """Messages go to stderr; stdout is for data."""
    typer.echo(text, err=True)
