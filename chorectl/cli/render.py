"""All output of data: Rich tables for people; CSV, TSV, JSON and JSON lines for scripts.

Each kind of row is defined once, in :mod:`chorectl.services.rows`: its fields
are the columns (CSV and TSV headers, JSON keys, in order), each with its kind
of cell and, if the table shows it, its title. Here each output family has one
way to write a kind of cell, and the table view decorates the columns it shows
(:data:`LOOKS`). A new column is one field there; a new format is one change here.

This module is the definition of every script format. The long listings (the
ledger, completions, the log) are written by the database, from a description
of the format made here (:attr:`Script.form`), to the same bytes: tests/cli/
test_script_formats.py holds the two to each other for any history.
"""

from __future__ import annotations

import csv
import errno
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from operator import attrgetter
from typing import IO, TYPE_CHECKING, Any

from chorectl.cli.options import Format
from chorectl.domain.dates import LocalIso
from chorectl.domain.money import format_cents, format_money
from chorectl.services.rows import (
    ApprovalRow,
    BalanceRow,
    ChoreRow,
    Column,
    CompletionRow,
    GoalRow,
    LedgerRow,
    LogRow,
    MemberRow,
    ReportRow,
    RewardRow,
    Row,
    TodayRow,
    UndoRow,
    columns,
    table_columns,
)

if TYPE_CHECKING:
    from chorectl.domain.scripts import ScriptForm
    from chorectl.services.chores import ChoreInfo

INJECTION_START = ("=", "+", "-", "@", "\t", "\r")

# ---------------------------------------------------------------- scripts


def cell_formatter(kind: str, *, raw: bool) -> Callable[[Any], str]:
    """How a CSV/TSV column of *kind* writes its cells, decided once per column rather than once per cell.

    Only free text is escaped against formula injection (unless *raw*); None is an empty cell.
    """
    if kind == "text" and not raw:

        def text(value: Any) -> str:
            if value is None:
                return ""
            value = str(value)
            return "'" + value if value.startswith(INJECTION_START) else value

        return text
    if kind in ("text", "int", "ref"):
        return lambda value: "" if value is None else str(value)
    if kind == "money":
        return lambda value: "" if value is None else format_cents(value)
    if kind == "bool":
        return lambda value: "" if value is None else ("true" if value else "false")
    if kind == "datetime":
        local = LocalIso()  # a stream's moments: the local offset looked up once a day
        return lambda value: "" if value is None else local(value)
    if kind == "date":
        return lambda value: "" if value is None else value.isoformat()
    raise ValueError(f"no cell kind {kind!r}")


def cell_text(value: Any, kind: str, *, raw: bool) -> str:
    """One CSV/TSV cell: :func:`cell_formatter` for a single value."""
    return cell_formatter(kind, raw=raw)(value)


def json_formatter(kind: str) -> Callable[[Any], str]:
    """How a JSON column of *kind* writes its values: amounts are exact JSON numbers (2.50, -1.50)."""
    if kind == "money":
        return lambda value: "null" if value is None else format_cents(value)
    if kind == "bool":
        return lambda value: "null" if value is None else ("true" if value else "false")
    if kind == "int":
        return lambda value: "null" if value is None else str(int(value))
    if kind == "ref":  # a number when it is one (4), else text ("r3")
        return lambda value: "null" if value is None else str(value) if isinstance(value, int) else json.dumps(value)
    if kind == "datetime":
        local = LocalIso()
        return lambda value: "null" if value is None else json.dumps(local(value))
    if kind == "date":
        return lambda value: "null" if value is None else json.dumps(value.isoformat())
    if kind == "text":
        return lambda value: "null" if value is None else json.dumps(value, ensure_ascii=False)
    raise ValueError(f"no cell kind {kind!r}")


def json_keys(columns: tuple[Column, ...]) -> list[str]:
    """What comes before each value of a JSON object: ``"id": ``."""
    return [json.dumps(c.key) + ": " for c in columns]


def json_objects(columns: tuple[Column, ...]) -> Callable[[tuple], str]:
    """A row (its values in the columns' order) as one JSON object."""
    fields = [(key, json_formatter(c.kind)) for key, c in zip(json_keys(columns), columns, strict=True)]

    def write(values: tuple) -> str:
        return "{" + ", ".join([key + value(v) for (key, value), v in zip(fields, values, strict=True)]) + "}"

    return write


# PostgreSQL's text COPY and Miller's TSV: a cell never holds a raw tab, line
# break or backslash, so a record is one line and a tab always ends a field.
TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def tsv_writer(out: IO[str]) -> Callable[[list[str]], None]:
    """A TSV record writer: cells joined by tabs, LF at the end, no quoting; see TSV_ESCAPES."""
    write = out.write

    def writerow(cells: list[str]) -> None:
        write("\t".join([cell.translate(TSV_ESCAPES) for cell in cells]) + "\n")

    return writerow


# A JSON array: "[", each object on its own line after these, then "\n]\n" ("]\n" when empty).
JSON_FIRST, JSON_NEXT = "\n  ", ",\n  "


class Script:
    """Rows of one kind written to *out* in one script format: the header (now), then
    :meth:`row` for each row, then :meth:`end`.

    :meth:`row` is the definition of every format. :attr:`form` describes the same lines
    for a database to write (:class:`~chorectl.domain.scripts.ScriptForm`; None for rows
    without an integer key first), and :meth:`lines` writes what it wrote.
    """

    def __init__(self, kind: type[Row], fmt: Format, out: IO[str], *, raw: bool = False) -> None:
        cols = columns(kind)
        self.out, self.fmt, self.first = out, fmt, True
        kinds = tuple(c.kind for c in cols)
        if fmt in (Format.csv, Format.tsv):
            formatters = [cell_formatter(c.kind, raw=raw) for c in cols]
            if fmt is Format.csv:
                writer = csv.writer(out, lineterminator="\r\n")
                write, dialect, self.cells = writer.writerow, writer.dialect, writer.writerows
                delimiter, close = dialect.delimiter, dialect.lineterminator
                # QUOTE_MINIMAL quotes a cell that holds the delimiter, the quote or a line end.
                minimal = dialect.quoting == csv.QUOTE_MINIMAL and dialect.escapechar is None and dialect.doublequote
                special = "".join(dict.fromkeys(delimiter + dialect.quotechar + close)) if minimal else None
            else:
                write, special = tsv_writer(out), "".join(map(chr, TSV_ESCAPES))
                self.cells = lambda rows: [write(cells) for cells in rows]
                delimiter, close = "\t", "\n"
            write([c.key for c in cols])
            self._row = lambda values: write([f(v) for f, v in zip(formatters, values, strict=True)])
            labels = ("", *[delimiter] * (len(cols) - 1))
            escape = () if raw else INJECTION_START
            self.form = _form(kinds, labels, close, escape=escape, special=special)
        elif fmt in (Format.json, Format.jsonl):
            json_object, keys = json_objects(cols), json_keys(cols)
            if fmt is Format.json:
                out.write("[")
                start, close = JSON_NEXT, "}"
                self._row = lambda values: out.write((JSON_FIRST if self.first else JSON_NEXT) + json_object(values))
            else:
                start, close = "", "}\n"
                self._row = lambda values: out.write(json_object(values) + "\n")
            labels = (start + "{" + keys[0], *[", " + key for key in keys[1:]])
            self.form = _form(kinds, labels, close, null="null", json=True)
        else:  # pragma: no cover - the table view is not a stream format
            raise ValueError(fmt)

    def cells(self, rows: list[list[str]]) -> None:  # CSV and TSV set their writer here
        """Rows of CSV or TSV from their cells, each as :func:`cell_formatter` writes it."""
        raise ValueError(f"{self.fmt.value} is not written cell by cell")

    def row(self, values: Row) -> None:
        """One row, as the format defines it."""
        self._row(values)
        self.first = False

    def lines(self, text: str) -> None:
        """Lines a database wrote to :attr:`form` (in a JSON array, each object after JSON_NEXT)."""
        if self.first and self.fmt is Format.json:
            text = JSON_FIRST + text.removeprefix(JSON_NEXT)
        self.out.write(text)
        self.first = False

    def end(self, count: int) -> None:
        if self.fmt is Format.json:
            self.out.write("\n]\n" if count else "]\n")


def _form(kinds: tuple[str, ...], labels: tuple[str, ...], close: str, **how: Any) -> ScriptForm | None:
    """The form, for rows that have an integer key first (what a database needs to write them); else None."""
    from chorectl.domain.scripts import ScriptForm  # here: not on every --help

    if kinds[0] != "int" or how.get("special", "") is None:
        return None
    return ScriptForm(kinds, labels, close, **how)


def write_rows(
    kind: type[Row],
    rows: Iterable[Row],
    fmt: Format,
    out: IO[str],
    *,
    raw: bool = False,
    on_row: Callable[[], None] | None = None,
) -> int:
    """Stream *rows* (of the *kind*) to *out* in a script format. Returns how many were written.

    A :class:`~chorectl.services.streams.RowStream` (the ledger, completions, the log) is
    written by the database where it can (:meth:`Script.lines`): the same bytes as
    :meth:`Script.row` writes, which the tests hold it to. Rows whose text must be quoted
    or escaped come back as their cells, and are quoted here (:meth:`Script.cells`).
    """
    from chorectl.services.streams import Cells, Lines, RowStream  # here: --help never loads SQLAlchemy

    script = Script(kind, fmt, out, raw=raw)
    count = 0
    if isinstance(rows, RowStream) and script.form is not None:
        for item in rows.text(script.form):
            if isinstance(item, Lines):
                script.lines(item.text)
                count += item.count
                for _ in range(item.count if on_row else 0):
                    on_row()
                continue
            if isinstance(item, Cells):
                script.cells(item.rows)
                done = len(item.rows)
            else:
                script.row(item)
                done = 1
            count += done
            for _ in range(done if on_row else 0):
                on_row()
    else:
        tick = on_row or (lambda: None)
        for values in rows:
            script.row(values)
            count += 1
            tick()
    script.end(count)
    return count


# ---------------------------------------------------------------- people

STATUS_STYLE = {
    "open": "bold yellow",
    "pending": "bold cyan",
    "approved": "green",
    "archived": "dim",
    "rejected": "red",
    "missed": "red",
}
KIND_STYLE = {
    "reward": "green",
    "bonus": "green",
    "penalty": "red",
    "payout": "magenta",
    "reversal": "yellow",
    "redeem": "blue",
}


def _reward(row: ChoreRow | CompletionRow, currency: str) -> str:
    """A fixed reward, an approved one, or a range (1.00–3.00)."""
    if row.reward is not None:
        return format_money(row.reward, currency)
    low, high = row.reward_min, row.reward_max
    if low is None:
        return ""
    if low == high:
        return format_money(low, currency)
    return f"{format_money(low, currency)}–{format_money(high, currency)}"


def _schedule(row: ChoreRow, currency: str) -> str:
    if row.schedule:
        return row.schedule
    if row.cooldown_days:
        return f"cooldown {row.cooldown_days}d"
    return "once"


def goal_words(title: str, target: int, saved: int, currency: str) -> str:
    """A goal's progress for people: ``Lego set, $12.00 of $25.00 (48%)``, or ``..., reached``."""
    return f"{one_line(title)}, {_goal_progress(target, saved, currency)}"


def _goal_progress(target: int, saved: int, currency: str) -> str:
    from chorectl.domain.goals import percent

    amounts = f"{format_money(saved, currency)} of {format_money(target, currency)}"
    return f"{amounts}, reached" if saved >= target else f"{amounts} ({percent(saved, target)}%)"


def _goal_suffix(row: BalanceRow) -> str:
    """The end of a balance row's Goal cell, kept whole when the title is cut: `` 48%``, `` reached``."""
    from chorectl.domain.goals import percent

    if row.goal is None:
        return ""
    return " reached" if row.goal_saved >= row.goal_target else f" {percent(row.goal_saved, row.goal_target)}%"


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M")


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def table_formatter(kind: str, currency: str) -> Callable[[Any], str]:
    """How a table column of *kind* shows its cells to people: $2.50, 2026-11-21 18:00."""
    if kind == "money":
        return lambda value: "" if value is None else format_money(value, currency)
    if kind == "datetime":
        return _when
    if kind == "date":
        return _day
    return lambda value: "" if value is None else str(value)


@dataclass(frozen=True)
class Look:
    """How the table shows a column, where its kind's plain cell is not the whole story.

    *text(row, currency)* is the cell's text instead. A column with *shrink*
    set gives way when the table is wider than the terminal, down to that many
    characters, its cells cut with an ellipsis; the others (ids, amounts,
    dates, statuses) always show whole. *suffix* is text kept whole at the end
    of a shrunk cell (a chore's ``(#id)``). *style* names a rule of :func:`_style`.
    An *optional* column is left out of a table in which no row has anything in
    it: no value, or an amount of zero (``balance``'s Goal in a household without
    savings goals, its Redeemed in one that has not spent on rewards).
    """

    text: Callable[[Any, str], str] | None = None
    shrink: int | None = None
    style: str | None = None
    suffix: Callable[[Any], str] | None = None
    optional: bool = False


LOOKS: dict[type[Row], dict[str, Look]] = {
    MemberRow: {
        "name": Look(shrink=8),
        "active": Look(lambda r, c: "yes" if r.active else "archived"),
    },
    ChoreRow: {
        "title": Look(shrink=12),
        "assignee": Look(lambda r, c: r.assignee or "anyone", shrink=6),
        "reward": Look(_reward),
        "schedule": Look(_schedule, shrink=6),
        "status": Look(style="status"),
    },
    CompletionRow: {
        "chore": Look(shrink=10, suffix=lambda r: f" (#{r.chore_id})"),
        "member": Look(shrink=6),
        "status": Look(style="status"),
        "reward": Look(_reward),  # what was paid; while it waits, what it will pay
        "note": Look(shrink=6),
    },
    ApprovalRow: {
        # A chore keeps its (#id); a reward request's id (r3) says what it is.
        "chore": Look(shrink=10, suffix=lambda r: "" if r.chore_id is None else f" (#{r.chore_id})"),
        "member": Look(shrink=6),
        "status": Look(style="status"),
        "reward": Look(_reward),  # a chore's reward; a request's cost
        "note": Look(shrink=6),
    },
    RewardRow: {
        "title": Look(shrink=12),
    },
    LedgerRow: {
        "member": Look(shrink=6),
        "kind": Look(style="kind"),
        "note": Look(shrink=16),
    },
    LogRow: {
        "actor": Look(shrink=6),
        "action": Look(style="action"),
        "detail": Look(shrink=24),  # who and why: it keeps room before Who does
    },
    UndoRow: {
        "actor": Look(shrink=6),
        "detail": Look(shrink=24),
    },
    BalanceRow: {
        "member": Look(shrink=8),
        "balance": Look(style="balance"),
        "redeemed": Look(optional=True),  # only where rewards were bought
        "goal": Look(lambda r, c: r.goal or "", shrink=4, suffix=_goal_suffix, optional=True),
    },
    GoalRow: {
        "member": Look(shrink=6),
        "title": Look(shrink=10),
        "progress": Look(lambda r, c: "reached" if r.reached else f"{r.progress}%", style="goal"),
    },
}


@dataclass(frozen=True)
class Col:
    """One column of a table for people: its header, and *value(row)* its cell's text."""

    header: str
    value: Callable[[Any], str]
    justify: str = "left"
    style: str | None = None
    shrink: int | None = None
    suffix: Callable[[Any], str] | None = None
    optional: bool = False
    key: str = ""  # the row's field, which an optional column looks at


def table_spec(kind: type[Row], currency: str) -> list[Col]:
    """The table's columns: the row's titled ones (:func:`~chorectl.services.rows.table_columns`),
    numbers and amounts on the right, decorated by :data:`LOOKS`."""
    looks = LOOKS.get(kind, {})
    spec = []
    for column in table_columns(kind):
        look = looks.get(column.key, Look())
        justify = "right" if column.kind in ("int", "money") else "left"
        spec.append(
            Col(
                column.title,
                _cell(column, look, currency),
                justify,
                look.style,
                look.shrink,
                look.suffix,
                look.optional,
                column.key,
            )
        )
    return spec


def _cell(column: Column, look: Look, currency: str) -> Callable[[Any], str]:
    if look.text is not None:
        text = look.text
        return lambda row: text(row, currency)
    get, show = attrgetter(column.key), table_formatter(column.kind, currency)
    return lambda row: show(get(row))


EMPTY = {
    MemberRow: "No members yet. Add one: chorectl member add NAME",
    ChoreRow: "No chores to show.",
    CompletionRow: "Nothing to show.",
    ApprovalRow: "Nothing to show.",
    RewardRow: "No rewards yet. Add one: chorectl reward add TITLE COST",
    LedgerRow: "The ledger has no entries for that.",
    BalanceRow: "No balances yet.",
    LogRow: "The log has nothing for that.",
    UndoRow: "Nothing to undo.",
    ReportRow: "No children to report on.",
    TodayRow: "No children yet. Add one: chorectl member add NAME",
    GoalRow: "No goals yet. Add one: chorectl goal add NAME TITLE AMOUNT",
}


def console(stderr: bool = False):
    from rich.console import Console

    class Quiet(Console):
        def on_broken_pipe(self) -> None:
            # Rich would exit 1 here; the one handler (chorectl.cli.app) ends it quietly instead.
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    return Quiet(stderr=stderr, highlight=False, soft_wrap=False, width=terminal_width())


def terminal_width() -> int | None:
    """``COLUMNS`` when it is a usable width; None lets Rich ask the terminal (80 when there is none).

    ``COLUMNS=0`` or a negative or odd value would make Rich draw nothing at all,
    and a huge one pad to no end: those count as unset. Below MIN_WIDTH nothing
    is readable, so a table takes MIN_WIDTH.
    """
    import os

    text = os.environ.get("COLUMNS", "").strip()
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_WIDTH:
        return max(int(text), MIN_WIDTH)
    if text:
        try:
            return min(os.get_terminal_size(sys.__stdout__.fileno()).columns, MAX_WIDTH) or 80
        except (OSError, ValueError, AttributeError):
            return 80
    return None


MIN_WIDTH, MAX_WIDTH = 20, 1000
# A table's columns have one space of padding either side and a one-space rule
# between them (box.SIMPLE_HEAD without its outer edge or outer padding):
# 3 characters a column, less 3.
GAP = 3


def fit(natural: list[int], floor: list[int | None], width: int) -> list[int]:
    """Column widths that fit *width* characters.

    *natural* is each column's widest cell; *floor* the narrowest a column
    should get, or None for one that never gives way. The column with the most
    room above its floor gives way first, one character at a time, so a long
    title or note is cut before a short name. If the floors do not fit either,
    those columns go on down to a few characters each; only then, on a very
    narrow terminal, does Rich cut the others.
    """
    widths = list(natural)
    excess = sum(widths) + GAP * (len(widths) - 1) - width
    for floors in (
        [w if f is None else min(w, f) for w, f in zip(natural, floor, strict=False)],
        [w if f is None else min(w, NARROWEST) for w, f in zip(natural, floor, strict=False)],
    ):
        while excess > 0:
            roomiest = max(range(len(widths)), key=lambda i: (widths[i] - floors[i], i))
            if widths[roomiest] <= floors[roomiest]:
                break
            widths[roomiest] -= 1
            excess -= 1
    return widths


NARROWEST = 4  # "Tid…"


# What a terminal would obey rather than show (ESC starts colours, cursor moves, titles):
# C0 and C1 controls and DEL. chorectl refuses them as input, but a file written by
# something else, or a restored backup, may hold them; a table shows U+FFFD instead.
CONTROLS = dict.fromkeys([*range(0x20), 0x7F, *range(0x80, 0xA0)], "\ufffd")


def one_line(text: str) -> str:
    """A cell is one line: line breaks and tabs inside it become spaces, other controls U+FFFD."""
    return " ".join(text.replace("\t", " ").splitlines()).translate(CONTROLS) if text else ""


def table(kind: type[Row], rows: list[Row], currency: str, title: str | None) -> None:
    """Rows as a Rich table, one line a row, fitted to the terminal (see :func:`fit`)."""
    table_stream(kind, lambda _last: rows, currency, title)


# A streamed table is drawn this many rows at a time.
CHUNK = 1000


def table_stream(
    kind: type[Row], again: Callable[[Row | None], Iterable[Row]], currency: str, title: str | None
) -> tuple[int, Row | None]:
    """Rows as a table without holding them: *again* gives the rows anew for each of two passes.

    The first pass, ``again(None)``, measures each column's widest cell; the
    second, ``again(last)`` with the last row the first one saw (so a source
    that grows in between can give the same rows again), draws them
    :data:`CHUNK` at a time with those widths (the header with the first
    chunk only; ``SIMPLE_HEAD`` without edges draws nothing between chunks),
    so the output is the table :func:`table` draws, and memory holds a chunk.
    The second pass draws no more rows than the first measured, so a row added
    in between cannot break the layout. Returns how many rows the first pass
    saw and the last of them.
    """
    from rich.cells import cell_len

    spec = table_spec(kind, currency)
    natural = [cell_len(col.header) for col in spec]
    filled = [False] * len(spec)
    seen = 0
    last = None
    for row in again(None):
        seen += 1
        last = row
        for i, col in enumerate(spec):
            width = cell_len(one_line(col.value(row)) + (col.suffix(row) if col.suffix else ""))
            filled[i] = filled[i] or (bool(getattr(row, col.key)) if col.optional else width > 0)
            if width > natural[i]:
                natural[i] = width
    if not seen:
        typer_message(EMPTY[kind])
        return 0, None
    shown = [i for i, col in enumerate(spec) if filled[i] or not col.optional]
    spec, natural = [spec[i] for i in shown], [natural[i] for i in shown]
    out = console()
    floors = [None if col.shrink is None else max(col.shrink, cell_len(col.header)) for col in spec]
    widths = fit(natural, floors, out.width)
    rows = iter(again(last))
    for start in range(0, seen, CHUNK):
        chunk = list(islice(rows, CHUNK))
        if chunk or start == 0:
            out.print(_draw(spec, widths, chunk, None if start else title, header=start == 0))
    return seen, last


def _draw(spec: list[Col], widths: list[int], rows: Iterable[Row], title: str | None, *, header: bool):
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    t = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        title_justify="left",
        title_style="bold",
        show_header=header,
    )
    for col, width in zip(spec, widths, strict=False):
        t.add_column(col.header, justify=col.justify, width=width, no_wrap=True, overflow="ellipsis")
    for row in rows:
        texts = []
        for col, width in zip(spec, widths, strict=False):
            text = one_line(col.value(row))
            cell = Text(text, style=_style(col.style, text, row))
            end = col.suffix(row) if col.suffix else ""
            if end:
                cell.truncate(max(width - cell_len(end), 1), overflow="ellipsis")
                cell.append(end)
            texts.append(cell)
        t.add_row(*texts)
    return t


def _style(key: str | None, text: str, row: Any) -> str:
    if key == "status":
        return STATUS_STYLE.get(text, "")
    if key == "kind":
        return KIND_STYLE.get(text, "")
    if key == "action":
        return "bold red" if text == "pin failed" else ""
    if key == "balance":
        return "bold red" if row.balance < 0 else "bold"
    if key == "goal":
        return "bold green" if row.reached else ""
    return ""


def details(chore: ChoreInfo, rows: list[ChoreRow], currency: str, extra: list[tuple[str, str]] = ()) -> None:
    """``chore show``: the chore's facts, then one line per assignee."""
    from rich.table import Table
    from rich.text import Text

    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    # Text(), never plain strings: a title like "Tidy [/]" is text, not Rich markup.
    facts.add_row("Chore", Text(f"{chore.title} (#{chore.id})"))
    facts.add_row("Reward", Text(_reward(rows[0], currency) if rows else ""))
    for label, value in extra:
        facts.add_row(label, Text(value))
    if chore.note:
        facts.add_row("Note", Text(chore.note))
    facts.add_row("Created", Text(_when(chore.created_at)))
    out = console()
    out.print(facts)
    out.print()
    who = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
    for header in ("Assignee", "Status", "Due"):
        who.add_column(header)
    for row in rows:
        who.add_row(
            Text(row.assignee or "anyone"),
            Text(row.status, style=STATUS_STYLE.get(row.status, "")),
            Text(_day(row.due)),
        )
    out.print(who)


# ``today``: the words a child reads for each status, and their colours.
DAY_WORDS = {"overdue": "overdue", "today": "today", "undated": "no date", "later": "later", "pending": "waiting"}
DAY_STYLE = {"overdue": "bold red", "today": "bold yellow", "undated": "yellow", "later": "dim", "pending": "cyan"}
DAY_INDENT, DAY_GAP = 2, 2


def day(rows: list[TodayRow], currency: str) -> None:
    """``today`` for people: each child's name and balance, then a line a chore, then the pool ("Anyone").

    The columns line up across children: the status word, the chore with its
    ``(#id)``, the due date and the reward. Only the chore gives way on a
    narrow terminal (cut with ``…``, keeping its id); a child with nothing
    due today gets a friendly line instead.
    """
    from rich.cells import cell_len
    from rich.text import Text

    if not rows:
        typer_message(EMPTY[TodayRow])
        return
    groups: dict[int | None, list[TodayRow]] = {}
    for row in rows:
        groups.setdefault(row.member_id, []).append(row)
    items = [r for r in rows if r.status in DAY_WORDS]
    chore_text = {id(r): one_line(r.chore) for r in items}
    word_w = max((cell_len(DAY_WORDS[r.status]) for r in items), default=0)
    due_w = max((len(_day(r.due)) for r in items), default=0)
    reward_w = max((cell_len(_reward(r, currency)) for r in items), default=0)
    chore_w = max((cell_len(chore_text[id(r)] + f" (#{r.chore_id})") for r in items), default=0)
    out = console()
    fixed = DAY_INDENT + word_w + DAY_GAP + DAY_GAP + due_w + DAY_GAP + reward_w
    chore_w = max(min(chore_w, out.width - fixed), NARROWEST)
    names = {key: one_line(group[0].member) if key is not None else "Anyone" for key, group in groups.items()}
    owed = {key: f"balance {format_money(group[0].balance or 0, currency)}" for key, group in groups.items()}
    line_w = fixed + chore_w if items else 0
    head_w = max(
        line_w, *(cell_len(names[key]) + DAY_GAP + cell_len(owed[key]) for key in groups if key is not None), 0
    )
    for n, (key, group) in enumerate(groups.items()):
        if n:
            out.print()
        head = Text()
        head.append(names[key], style="bold")
        if key is not None:
            head.append(" " * max(head_w - cell_len(names[key]) - cell_len(owed[key]), DAY_GAP))
            head.append(owed[key], style="bold red" if (group[0].balance or 0) < 0 else "bold")
        out.print(head, no_wrap=True, overflow="ellipsis")
        if key is not None and group[0].goal is not None:
            out.print(_day_goal(group[0], currency, out.width), no_wrap=True, overflow="ellipsis")
        if key is not None and not any(r.status in ("overdue", "today", "undated") for r in group):
            later = any(r.status == "later" for r in group)
            out.print(
                Text(" " * DAY_INDENT + ("Nothing due today." if later else "Nothing to do today."), style="green")
            )
        for row in group:
            if row.status not in DAY_WORDS:
                continue
            line = Text(" " * DAY_INDENT)
            line.append(DAY_WORDS[row.status].ljust(word_w), style=DAY_STYLE[row.status])
            line.append(" " * DAY_GAP)
            end = f" (#{row.chore_id})"
            chore = Text(chore_text[id(row)])
            chore.truncate(max(chore_w - cell_len(end), 1), overflow="ellipsis")
            chore.append(end)
            chore.pad_right(chore_w - chore.cell_len)
            line.append_text(chore)
            line.append(" " * DAY_GAP + _day(row.due).rjust(due_w) + " " * DAY_GAP)
            line.append(_reward(row, currency).rjust(reward_w))
            line.rstrip()
            out.print(line, no_wrap=True, overflow="ellipsis")


def _day_goal(row: TodayRow, currency: str, width: int):
    """``today``'s line for a child's savings goal: ``  Goal: Lego set, $1.00 of $25.00 (4%)``;
    a long title gives way, the amounts never do."""
    from rich.cells import cell_len
    from rich.text import Text

    head = " " * DAY_INDENT + "Goal: "
    tail = ", " + _goal_progress(row.goal_target, row.goal_saved, currency)
    title = Text(one_line(row.goal))
    title.truncate(max(width - cell_len(head) - cell_len(tail), NARROWEST), overflow="ellipsis")
    line = Text(head)
    line.append_text(title)
    line.append(tail, style="bold green" if row.goal_saved >= row.goal_target else "")
    return line


def typer_message(text: str) -> None:
    print(text, file=sys.stderr)


def emit(
    kind: type[Row],
    rows: Iterable[Row],
    fmt: Format,
    *,
    currency: str = "$",
    raw: bool = False,
    title: str | None = None,
) -> None:
    """Write a listing to stdout in the chosen format."""
    if fmt is Format.table:
        table(kind, list(rows), currency, title)
    else:
        with utf8_stdout() as out:
            write_rows(kind, rows, fmt, out, raw=raw)


def emit_window(
    kind: type[Row],
    rows_of: Callable[[int | None, int | None], Iterable[Row]],
    count: Callable[[int | None], int],
    fmt: Format,
    *,
    limit: int | None,
    everything: bool,
    noun: str,
    currency: str = "$",
    raw: bool = False,
) -> None:
    """Write a listing of a long history (log, ledger, an export) to stdout.

    *rows_of(n, upto)* gives the latest *n* rows (None: all of them) among
    those whose id is at most *upto* (None: no bound), oldest first;
    *count(upto)* how many there are in all, up to that id. A table shows the
    latest :data:`~chorectl.cli.options.WINDOW` unless *limit* or
    *everything* says otherwise, and holds at most :data:`CHUNK` rows: a
    longer one (``--all``, ``--limit 100000``) is streamed twice, see
    :func:`table_stream`, the second time up to the last row the first saw.
    The script formats stream every row, or the latest *limit*. What a table
    left out is said on stderr ("Showing the latest 50 of 126,152 ledger
    entries; ..."), counted up to the newest row shown, so rows added
    meanwhile do not make the window look older than it is. (The options
    refuse *limit* and *everything* together before any command runs.)
    """
    from chorectl.cli.options import WINDOW

    if fmt is not Format.table:
        with utf8_stdout() as out:
            write_rows(kind, rows_of(limit, None), fmt, out, raw=raw)
        return
    window = None if everything else (limit or WINDOW)
    if window is not None and window <= CHUNK:
        rows = list(rows_of(window, None))
        table(kind, rows, currency, None)
        seen, last = len(rows), (rows[-1] if rows else None)
    else:
        seen, last = table_stream(kind, lambda last: rows_of(window, None if last is None else last.id), currency, None)
    if window is None or limit is not None or seen < window:
        return
    total = count(last.id)
    if total > window:
        typer_message(f"Showing the latest {window} of {total:,} {noun}; --all or --since DATE for more.")


class utf8_stdout:
    """Script formats are UTF-8 with the line ends they were written with,
    whatever the locale or console says (PYTHONIOENCODING, Windows code pages)."""

    def __enter__(self) -> IO[str]:
        import io

        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # an odd stream (a test harness): use it as it is
            self.wrapper = None
            return sys.stdout
        self.wrapper = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
        return self.wrapper

    def __exit__(self, *exc) -> None:
        if self.wrapper is not None:
            self.wrapper.flush()
            self.wrapper.detach()  # leave sys.stdout's buffer open
