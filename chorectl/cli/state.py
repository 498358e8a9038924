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
            ensure_schema(engine)
            self._engine = engine
        return self._engine

    def uow(self, *, write: bool = False):
        from chorectl.services.uow import UnitOfWork

        return UnitOfWork(self.engine(), write=write)

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


def require_parent(ctx: typer.Context) -> None:
    """The parent PIN gate. Raises :class:`Denied` (exit 3) and changes nothing when it fails."""
    from chorectl.security import keystore, pin
    from chorectl.services import household

    st = state(ctx)
    with st.uow() as uow:
        home = household.require(uow)
    if not home.pin_set:
        raise Denied("this household has no parent PIN yet", hint="run: chorectl init")
    given = os.environ.get("CHORECTL_PIN") or None  # an empty value is no PIN
    if given is None:
        if not interactive():
            raise Denied(
                "this is a parent command and needs the parent PIN",
                hint="run it on a terminal, or set CHORECTL_PIN for a script",
            )
        try:
            given = read_secret("Parent PIN: ")
        except (EOFError, KeyboardInterrupt):
            raise Denied("no parent PIN was given") from None
    hashed = keystore.get_hash(home.id)
    if not pin.verify(given, hashed):
        raise Denied("wrong parent PIN")


def message(text: str) -> None:
    """Messages go to stderr; stdout is for data."""
    typer.echo(text, err=True)
