"""The Typer application object and the one place errors become exit codes."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any, ClassVar

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


class LazyGroup(ChorectlGroup):
    """A group whose commands are imported and built only when one is asked for.

    Typer builds every command of an app (signatures, type hints, parameter
    types) before it parses a word; at thirty commands that is a good part of
    start-up. Here ``lazy`` maps a command name to ``(module, attribute,
    command options)``: the attribute is a function (one command) or a Typer
    app (a group). Running ``chorectl balance`` builds ``balance`` alone;
    ``--help`` and completion build what they list. This is Click's
    "lazily loading subcommands" pattern, with Typer building each command.
    """

    lazy: ClassVar[dict[str, tuple[str, str, dict[str, Any]]]] = {}

    def list_commands(self, ctx) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in self.lazy if name not in self.commands)]

    def get_command(self, ctx, name: str):
        if name not in self.commands and name in self.lazy:
            self.add_command(load_command(name, *self.lazy[name]), name)
        return super().get_command(ctx, name)

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in self.lazy:
            # A typo: build every command so Typer's "Did you mean ...?" can see them all.
            for name in self.list_commands(ctx):
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)


def load_command(name: str, module: str, attribute: str, options: dict[str, Any]):
    from typer.main import get_command, get_group

    target = getattr(import_module(module), attribute)
    if isinstance(target, typer.Typer):
        return get_group(target)
    single = new_app(name, target.__doc__ or "", add_completion=False)
    single.command(name, **options)(target)
    return get_command(single)


def new_app(name: str, help: str, **kwargs) -> typer.Typer:
    kwargs.setdefault("cls", ChorectlGroup)
    return typer.Typer(
        name=name,
        help=help,
        no_args_is_help=True,
        rich_markup_mode=None,
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
        **kwargs,
    )
