"""Per-invocation state: which database, opened lazily; the parent PIN gate."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import typer

from chorectl.domain.text import printable
from chorectl.errors import StorageError


def default_db_path() -> Path:
    """``user_data_dir("chorectl")/chorectl.db`` (CLI.md), refused when it would be a guess.

    Without ``HOME`` (and without ``XDG_DATA_HOME``, which names the folder
    outright) platformdirs and ``expanduser`` fall back to the passwd entry's
    home: a folder the caller never named, maybe another user's after ``su``
    or ``sudo -u``. A bare ``env -i`` or a stripped service environment gets
    a clear error instead (exit 1); cron and systemd set ``HOME``.
    """
    if home_is_unknown():
        home = os.environ.get("HOME", "")
        what = "HOME is not set" if not home else f"HOME is not an absolute path ({printable(home)!r})"
        raise StorageError(
            f"{what}; chorectl will not guess where your default database is",
            hint="pass --db PATH or set CHORECTL_DB (or set HOME)",
        )
    from platformdirs import user_data_path

    return user_data_path("chorectl") / "chorectl.db"  # CLI.md: user_data_dir("chorectl")


def home_is_unknown() -> bool:
    """No usable HOME (unset, empty or relative) and no absolute XDG_DATA_HOME, on a POSIX system."""
    if os.name != "posix":
        return False  # Windows: platformdirs asks the system for the AppData folder
    home = os.environ.get("HOME", "")
    data = os.environ.get("XDG_DATA_HOME", "")
    return not os.path.isabs(home) and not os.path.isabs(data)


@dataclass
class State:
    db: Path | str | None = None  # a file, or a server's URL (chorectl.db.dialect.is_url)
    create: bool = False  # only init makes a database; every other command refuses a missing file
    _engine: object = field(default=None, repr=False)

    @property
    def db_path(self) -> Path | str:
        return self.db if self.db is not None else default_db_path()

    def engine(self):
        if self._engine is None:
            from chorectl.services.database import open_database

            engine, upgraded = open_database(self.db_path, create=self.create)
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
    """The parent PIN gate (:func:`chorectl.services.gate.require_parent`) for this command.

    Raises :class:`~chorectl.errors.Denied` (exit 3) and changes nothing when it fails.
    """
    from chorectl.services import gate

    st = state(ctx)
    source = gate.PinSource(
        env=env_text("CHORECTL_PIN"),
        ask=(lambda: read_secret("Parent PIN: ")) if interactive() else None,
    )
    gate.require_parent(st.uow, source, command=ctx.command_path, allow_session=allow_session)


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
