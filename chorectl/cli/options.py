"""Options shared by many commands, declared once."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated

import typer

from chorectl.cli import complete


class Format(str, Enum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"


FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help="Output format: table for people; csv, tsv, json, jsonl for scripts.",
    ),
]
# SQLite's largest integer: a count above it asks for more rows than any table can hold.
MOST = 2**63 - 1


def whole(low: int, high: int | None = None, *, count: bool = True) -> Callable[[str], int]:
    """The parser of a number typed on the command line: ASCII digits only, from *low* to *high*.

    Python's ``int()`` (and so Click's) also takes "٣", "+3", " 3" and "1_000";
    like amounts and ids, a count here is the digits 0-9 and nothing else. With
    no *high*, a count beyond :data:`MOST` is taken as MOST: it asks for every
    row there is, and must not overflow the query (``--limit 10000000000000000000``).
    An id (*count* False) is kept as typed: the service says there is none by that
    number (its message names the number typed, never MOST).
    """

    def parse(value: str | int) -> int:
        if isinstance(value, int):  # a default
            return value
        text = str(value)
        shown = text if len(text) <= 30 else text[:27] + "..."
        if not (text.isascii() and text.isdigit()):
            raise typer.BadParameter(f"{shown!r} is not a whole number (digits 0-9)")
        digits = text.lstrip("0") or "0"
        number = MOST + 1 if len(digits) > len(str(MOST)) else int(digits)
        if number < low or (high is not None and number > high):
            within = f"x>={low}" if high is None else f"{low}<=x<={high}"
            raise typer.BadParameter(f"{shown} is not in the range {within}")
        return min(number, MOST) if count else int(digits)

    return parse


def _one_window(ctx: typer.Context, param: typer.CallbackParam, value):
    """--limit and --all exclude each other (exit 2), checked as the options are read, so
    every path of a command refuses them alike (``export --limit 2 --all -o FILE`` too).

    Click reads the options in the order they were typed: the second one read sees the first.
    """
    values = {param.opts[0]: value}
    for other in ctx.command.params:
        if other.name in ctx.params and other.opts and other.opts[0] in ("--limit", "--all"):
            values[other.opts[0]] = ctx.params[other.name]
    if values.get("--limit") is not None and values.get("--all"):
        from chorectl.errors import BadInput

        raise BadInput("--limit and --all do not go together", hint="--limit N for the latest N rows, --all for all")
    return value


# How many rows of a long history a table shows unless told otherwise (log, ledger, export -f table).
WINDOW = 50
LimitOpt = Annotated[
    int | None,
    typer.Option(
        "--limit",
        "-n",
        parser=whole(1),
        metavar="N",
        callback=_one_window,
        help=f"Only the latest N rows. Tables show the latest {WINDOW} unless told; csv, tsv, json and jsonl all rows.",
    ),
]
AllOpt = Annotated[
    bool,
    typer.Option(
        "--all",
        callback=_one_window,
        help=f"Every row, in a table too (the table shows the latest {WINDOW} otherwise).",
    ),
]
RawOpt = Annotated[
    bool,
    typer.Option("--raw", help="CSV/TSV: do not escape text cells that start with = + - @, tab or CR."),
]


def _checked_env(ctx: typer.Context, param: typer.CallbackParam, value: str | None) -> str | None:
    """An option's value taken from its environment variable must be UTF-8 text (exit 2 otherwise)."""
    if value is not None and ctx.get_parameter_source(param.name).name == "ENVIRONMENT":
        from chorectl.cli.state import env_text

        return env_text(param.envvar)
    return value


AsOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        envvar="CHORECTL_MEMBER",
        metavar="NAME",
        autocompletion=complete.children,
        callback=_checked_env,
        help="Who is doing it, by name or id (default: $CHORECTL_MEMBER, or the chore's only assignee).",
    ),
]
ChildOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        metavar="NAME",
        autocompletion=complete.children,
        help="Only this child, by name or id (default: every child; $CHORECTL_MEMBER is not read).",
    ),
]
NoteOpt = Annotated[str | None, typer.Option("--note", metavar="TEXT", help="A note to keep with it.")]
SinceOpt = Annotated[str | None, typer.Option("--since", metavar="DATE", help="From this day on (YYYY-MM-DD).")]
UntilOpt = Annotated[str | None, typer.Option("--until", metavar="DATE", help="Up to and including this day.")]
MemberArg = Annotated[
    str, typer.Argument(metavar="NAME", help="A member's name (any case) or id.", autocompletion=complete.members)
]
OptionalMemberArg = Annotated[
    str | None,
    typer.Argument(
        metavar="NAME",
        help="One member, by name or id (default: everyone).",
        show_default=False,
        autocompletion=complete.members,
    ),
]
MemberOpt = Annotated[
    str | None,
    typer.Option(
        "--member", metavar="NAME", help="Only this member's rows (a name or id).", autocompletion=complete.members
    ),
]
ChoreArg = Annotated[
    str,
    typer.Argument(metavar="CHORE", help="A chore id, or its exact title (any case).", autocompletion=complete.chores),
]
