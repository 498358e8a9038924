"""The Typer application object and the one place errors become exit codes.

Everything a command can end in is turned into an exit code here, in the group
classes every command runs under, so no command handles it on its own:

- the project's errors (:mod:`chorectl.errors`): ``Error: ...``, a hint, their code; a
  login the database's roles refused is told which command it cannot run;
- usage errors (an unknown option, a missing argument, a bad choice), at every
  depth: ``Error: ...`` naming the option and ``Hint: see 'chorectl ... --help'``,
  exit 2, instead of Click's usage block;
- a reader that closes the pipe early (``| head``): the command ends quietly, exit 0;
- stdout that cannot be written (a full disk): ``Error: ...``, exit 1;
- arguments that are not UTF-8 text: ``Error: ...``, exit 2, before anything runs;
- a terminal whose encoding cannot show a name: the rest is shown, the name as ``?``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from importlib import import_module
from typing import Any, ClassVar, NoReturn

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from chorectl.errors import BadInput, ChorectlError, LoginDenied


def report(error: ChorectlError) -> None:
    """``Error: ...`` on one line, a hint on the next; never a traceback."""
    print(f"Error: {one_line(error.message)}", file=sys.stderr)
    if error.hint:
        print(f"Hint: {one_line(error.hint)}", file=sys.stderr)


def one_line(text: str) -> str:
    """A message on one line: Click lays some out over several, indented with tabs."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def usage_error(error: UsageError, group=None) -> ChorectlError:
    """Click's usage error as one of ours: its message, and where the help is.

    Some of Click's errors carry no context (an option's missing value): then
    it is the command *group* was about to run, or the group itself.
    """
    where = error.ctx
    path = where.command_path if where is not None else "chorectl"
    if where is None and group is not None:
        path = " ".join(filter(None, [group.command_path, group.invoked_subcommand]))
    return BadInput(error.format_message(), hint=f"see '{path} --help'")


def command_words(group) -> str:
    """The command *group* was running, without the program's name: "approve", "chore add"."""
    path = " ".join(filter(None, [group.command_path, group.invoked_subcommand]))
    root = group.find_root().command_path
    return path[len(root) :].strip() if path.startswith(root) and path != root else path


def silence_stdout() -> None:
    """Point stdout at /dev/null: what is still buffered for a closed pipe goes nowhere, quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (a test harness): nothing to silence
        pass


def handle(exc: BaseException, group=None) -> NoReturn:
    """End the command for *exc*, or re-raise what is not ours to end."""
    if isinstance(exc, NoArgsIsHelpError):
        raise exc  # a group with no command: Click shows its help
    if isinstance(exc, UsageError):
        exc = usage_error(exc, group)
    if isinstance(exc, LoginDenied) and group is not None:
        exc = exc.for_command(command_words(group))  # "this database login cannot approve; ..."
    if isinstance(exc, ChorectlError):
        report(exc)
        raise typer.Exit(exc.exit_code) from None
    if isinstance(exc, UnicodeEncodeError) and "surrogate" in str(exc.reason):
        # Bytes that are not UTF-8 from somewhere the checks below did not see (a file's contents).
        bad = exc.object[exc.start : exc.end].encode("utf-8", "surrogateescape")
        report(BadInput(f"text that is not valid UTF-8 ({bad!r}) cannot be used here"))
        raise typer.Exit(BadInput.exit_code) from None
    if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
        # The reader has all it wanted (`| head`): end quietly, as CLI.md asks, in every format.
        silence_stdout()
        raise typer.Exit(0) from None
    if isinstance(exc, OSError):
        # Writing the output failed (a full disk, a device error): files and the
        # database report their own errors, naming them, before they get here.
        what = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
        report(ChorectlError(what if exc.filename else f"cannot write the output: {what}"))
        silence_stdout()
        raise typer.Exit(1) from None
    raise exc


# What the handler ends; anything else (Exit, Abort, a bug) passes through.
HANDLED = (ChorectlError, UsageError, OSError, UnicodeEncodeError)


def check_arguments(args: list[str]) -> None:
    """Every argument is UTF-8 text: Python hands other bytes over as lone surrogates,
    which no name, title, date or file name of chorectl's can hold. Refused (exit 2) before anything runs."""
    for arg in args:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise BadInput(
                f"the argument {shown!r} is not valid UTF-8 text",
                hint="chorectl reads its arguments as UTF-8 (check the terminal's or script's encoding)",
            ) from None


def tolerant_stdout() -> None:
    """Text for people goes out even where the terminal's encoding cannot show all of it
    (``PYTHONIOENCODING=ascii``, a Latin-1 console): what it cannot show becomes ``?``.
    Script formats are written as UTF-8 bytes regardless (:class:`chorectl.cli.render.utf8_stdout`)."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None and getattr(sys.stdout, "errors", None) == "strict":
        with contextlib.suppress(ValueError, OSError):  # a stream that cannot change now: leave it
            reconfigure(errors="replace")


class ChorectlGroup(TyperGroup):
    """Every command runs under these groups, so their handler sees every error (see :func:`handle`)."""

    def parse_args(self, ctx, args):
        try:
            if ctx.parent is None:
                check_arguments(args)  # the whole command line, every depth: it reaches the root first
            return super().parse_args(ctx, args)
        except HANDLED as exc:
            handle(exc, ctx)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except HANDLED as exc:
            handle(exc, ctx)

    def main(self, *args, **kwargs):
        tolerant_stdout()
        try:
            return super().main(*args, **kwargs)
        except SystemExit as done:
            code = flush_stdout(done.code)
            raise SystemExit(code) from None


def flush_stdout(code):
    """Write out what stdout still buffers before exiting: an early-closed pipe or a full disk still end cleanly."""
    try:
        sys.stdout.flush()
    except OSError as exc:
        silence_stdout()
        if exc.errno == errno.EPIPE:
            return code
        if not code:
            report(ChorectlError(f"cannot write the output: {exc.strerror or exc}"))
            return 1
    except ValueError:  # stdout is closed: nothing left to write
        pass
    return code


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
