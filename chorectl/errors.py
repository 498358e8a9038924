"""The one exception hierarchy. Each class carries the exit code CLI.md gives it.

Services raise these; the CLI catches them in one place
(:func:`chorectl.cli.app.ChorectlGroup.invoke`) and prints ``Error: ...``.
"""

from __future__ import annotations


class ChorectlError(Exception):
    """Something the user can understand and act on. Never shown as a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class NotFound(ChorectlError):
    """A member, chore or completion that does not exist (exit 1)."""


class InvalidState(ChorectlError):
    """The thing exists but cannot do that now (exit 1): already done, archived..."""


class StorageError(ChorectlError):
    """The database cannot be opened, read or written (exit 1)."""


class BadInput(ChorectlError):
    """A value the user typed is not acceptable (exit 2)."""

    exit_code = 2


class Denied(ChorectlError):
    """Parent PIN missing, wrong, or unusable keyring (exit 3)."""

    exit_code = 3


class LoginDenied(Denied):
    """The database refused this login what the command asked (exit 3): its roles are the wall.

    The message names the command once it is known: the command line's one error
    handler (:func:`chorectl.cli.app.handle`) calls :meth:`for_command`.
    """

    TEXT = "this database login cannot {action}; connect as a parent"

    def __init__(self, reason: str, action: str = "do that") -> None:
        super().__init__(
            self.TEXT.format(action=action),
            hint=f"the database said: {reason}; a parent's login is one given the household's parent role",
        )
        self.reason = reason
        self.action = action

    def for_command(self, action: str) -> LoginDenied:
        """The same refusal, saying which command was refused ("approve", "chore add")."""
        named = type(self).__new__(type(self))
        LoginDenied.__init__(named, self.reason, action)
        return named


class NestedUnitOfWork(ChorectlError):
    """A unit of work was opened while already open: a mistake in chorectl itself (exit 1)."""

    def __init__(self) -> None:
        super().__init__(
            "internal error: a unit of work was opened twice (one transaction per use case)",
            hint="please report this with the command you ran",
        )
