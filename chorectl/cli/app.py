"""The Typer application object and the one place errors become exit codes."""

from __future__ import annotations

import sys

import typer
from typer.core import TyperGroup

from chorectl.errors import ChorectlError


def report(error: ChorectlError) -> None:
    """``Error: ...`` on one line, a hint on the next; never a traceback."""
    print(f"Error: {error.message}", file=sys.stderr)
    if error.hint:
        print(f"Hint: {error.hint}", file=sys.stderr)


class ChorectlGroup(TyperGroup):
    """Catches the project's exceptions for every command below it."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ChorectlError as error:
            report(error)
            raise typer.Exit(error.exit_code) from None


def new_app(name: str, help: str, **kwargs) -> typer.Typer:
    return typer.Typer(
        name=name,
        help=help,
        cls=ChorectlGroup,
        no_args_is_help=True,
        rich_markup_mode=None,
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
        **kwargs,
    )
