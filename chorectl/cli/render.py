"""All output of data: Rich tables for people; CSV, TSV, JSON and JSON lines for scripts.

Each kind of row has one list of columns (the contract in CLI.md, in order,
then the extra columns CLI.md allows at the end; ``member_id`` last where CLI.md
says a row ends with it);
the table view picks and decorates them. A new column or format is one change here.
"""

from __future__ import annotations

import csv
import errno
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import IO, Any

from chorectl.cli.options import Format
from chorectl.domain.dates import LocalIso
from chorectl.domain.money import format_cents, format_money

INJECTION_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    kind: str = "text"  # text | int | money | date | datetime | bool


def _cols(spec: str, kinds: dict[str, str]) -> tuple[Column, ...]:
    return tuple(Column(k, kinds.get(k, "text")) for k in spec.split(","))


COLUMNS: dict[str, tuple[Column, ...]] = {
    "members": _cols(
        "id,name,role,active,balance,created_at",
        {"id": "int", "active": "bool", "balance": "money", "created_at": "datetime"},
    ),
    "chores": _cols(
        "id,title,assignee,reward,reward_min,reward_max,schedule,status,due,created_at,note,cooldown_days",
        {
            "id": "int",
            "reward": "money",
            "reward_min": "money",
            "reward_max": "money",
            "due": "date",
            "created_at": "datetime",
            "cooldown_days": "int",
        },
    ),
    "completions": _cols(
        "id,chore_id,chore,member,status,completed_at,reviewed_at,reward,note,due,reward_min,reward_max,member_id",
        {
            "id": "int",
            "chore_id": "int",
            "member_id": "int",
            "completed_at": "datetime",
            "reviewed_at": "datetime",
            "reward": "money",
            "due": "date",
            "reward_min": "money",
            "reward_max": "money",
        },
    ),
    "ledger": _cols(
        "id,at,member,kind,amount,chore_id,completion_id,note,member_id",
        {
            "id": "int",
            "at": "datetime",
            "amount": "money",
            "chore_id": "int",
            "completion_id": "int",
            "member_id": "int",
        },
    ),
    "log": _cols("id,at,actor,action,detail,amount", {"id": "int", "at": "datetime", "amount": "money"}),
    "balance": _cols(
        "member,earned,bonuses,penalties,paid,balance,member_id",
        {"member_id": "int", **dict.fromkeys(("earned", "bonuses", "penalties", "paid", "balance"), "money")},
    ),
}


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
    if kind in ("text", "int"):
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
    if kind == "datetime":
        local = LocalIso()
        return lambda value: "null" if value is None else json.dumps(local(value))
    if kind == "date":
        return lambda value: "null" if value is None else json.dumps(value.isoformat())
    if kind == "text":
        return lambda value: "null" if value is None else json.dumps(value, ensure_ascii=False)
    raise ValueError(f"no cell kind {kind!r}")


def json_objects(columns: tuple[Column, ...]) -> Callable[[Mapping[str, Any]], str]:
    """A row as one JSON object, its keys in the columns' order."""
    fields = [(json.dumps(c.key) + ": ", c.key, json_formatter(c.kind)) for c in columns]

    def write(row: Mapping[str, Any]) -> str:
        return "{" + ", ".join(key + value(row.get(name)) for key, name, value in fields) + "}"

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


def write_rows(
    kind: str,
    rows: Iterable[Mapping[str, Any]],
    fmt: Format,
    out: IO[str],
    *,
    raw: bool = False,
    on_row: Callable[[], None] | None = None,
) -> int:
    """Stream *rows* to *out* in a script format. Returns how many were written."""
    columns = COLUMNS[kind]
    count = 0
    tick = on_row or (lambda: None)
    if fmt in (Format.csv, Format.tsv):
        formatters = [cell_formatter(c.kind, raw=raw) for c in columns]
        values = itemgetter(*(c.key for c in columns))
        write = csv.writer(out, lineterminator="\r\n").writerow if fmt is Format.csv else tsv_writer(out)
        write([c.key for c in columns])
        for row in rows:
            write([f(v) for f, v in zip(formatters, values(row), strict=False)])
            count += 1
            tick()
    elif fmt is Format.jsonl:
        json_object = json_objects(columns)
        for row in rows:
            out.write(json_object(row) + "\n")
            count += 1
            tick()
    elif fmt is Format.json:
        json_object = json_objects(columns)
        out.write("[")
        for row in rows:
            out.write(("\n  " if count == 0 else ",\n  ") + json_object(row))
            count += 1
            tick()
        out.write("\n]\n" if count else "]\n")
    else:  # pragma: no cover - the table view is not a stream format
        raise ValueError(fmt)
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
KIND_STYLE = {"reward": "green", "bonus": "green", "penalty": "red", "payout": "magenta", "reversal": "yellow"}


def _money(currency: str) -> Callable[[Any], str]:
    return lambda cents: "" if cents is None else format_money(cents, currency)


def _reward(row: Mapping[str, Any], currency: str) -> str:
    if row.get("reward") is not None:
        return format_money(row["reward"], currency)
    low, high = row.get("reward_min"), row.get("reward_max")
    if low is None:
        return ""
    if low == high:
        return format_money(low, currency)
    return f"{format_money(low, currency)}–{format_money(high, currency)}"


def _schedule(row: Mapping[str, Any], currency: str) -> str:
    if row["schedule"]:
        return row["schedule"]
    if row.get("cooldown_days"):
        return f"cooldown {row['cooldown_days']}d"
    return "once"


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M")


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


@dataclass(frozen=True)
class Col:
    """One column of a table for people.

    *value(row, currency)* is the cell's text. A column with *shrink* set gives
    way when the table is wider than the terminal, down to that many
    characters, its cells cut with an ellipsis; the others (ids, amounts,
    dates, statuses) always show whole. *suffix* is text kept whole at the end
    of a shrunk cell (a chore's ``(#id)``).
    """

    header: str
    value: Callable[[Mapping[str, Any], str], str]
    justify: str = "left"
    style: str | None = None
    shrink: int | None = None
    suffix: Callable[[Mapping[str, Any]], str] | None = None


TABLES: dict[str, list[Col]] = {
    "members": [
        Col("ID", lambda r, c: str(r["id"]), "right"),
        Col("Name", lambda r, c: r["name"], shrink=8),
        Col("Role", lambda r, c: r["role"]),
        Col("Active", lambda r, c: "yes" if r["active"] else "archived"),
        Col("Balance", lambda r, c: _money(c)(r["balance"]), "right"),
    ],
    "chores": [
        Col("ID", lambda r, c: str(r["id"]), "right"),
        Col("Title", lambda r, c: r["title"], shrink=12),
        Col("Assignee", lambda r, c: r["assignee"] or "anyone", shrink=6),
        Col("Reward", _reward, "right"),
        Col("Schedule", _schedule, shrink=6),
        Col("Status", lambda r, c: r["status"], style="status"),
        Col("Due", lambda r, c: _day(r["due"])),
    ],
    "completions": [
        Col("ID", lambda r, c: str(r["id"]), "right"),
        Col("Chore", lambda r, c: r["chore"], shrink=10, suffix=lambda r: f" (#{r['chore_id']})"),
        Col("Member", lambda r, c: r["member"] or "", shrink=6),
        Col("Done", lambda r, c: _when(r["completed_at"])),
        Col("Status", lambda r, c: r["status"], style="status"),
        Col("Reward", lambda r, c: _money(c)(r["reward"]) if r["reward"] is not None else _reward(r, c), "right"),
        Col("Note", lambda r, c: r["note"] or "", shrink=6),
    ],
    "ledger": [
        Col("ID", lambda r, c: str(r["id"]), "right"),
        Col("When", lambda r, c: _when(r["at"])),
        Col("Member", lambda r, c: r["member"], shrink=6),
        Col("Kind", lambda r, c: r["kind"], style="kind"),
        Col("Amount", lambda r, c: _money(c)(r["amount"]), "right"),
        Col("Note", lambda r, c: r["note"] or "", shrink=16),
    ],
    "log": [
        Col("ID", lambda r, c: str(r["id"]), "right"),
        Col("When", lambda r, c: _when(r["at"])),
        Col("Who", lambda r, c: r["actor"], shrink=6),
        Col("What", lambda r, c: r["action"], style="action"),
        Col("Detail", lambda r, c: r["detail"] or "", shrink=24),  # who and why: it keeps room before Who does
        Col("Amount", lambda r, c: _money(c)(r["amount"]), "right"),
    ],
    "balance": [
        Col("Member", lambda r, c: r["member"], shrink=8),
        Col("Earned", lambda r, c: _money(c)(r["earned"]), "right"),
        Col("Bonuses", lambda r, c: _money(c)(r["bonuses"]), "right"),
        Col("Penalties", lambda r, c: _money(c)(r["penalties"]), "right"),
        Col("Paid", lambda r, c: _money(c)(r["paid"]), "right"),
        Col("Balance", lambda r, c: _money(c)(r["balance"]), "right", "balance"),
    ],
}

EMPTY = {
    "members": "No members yet. Add one: chorectl member add NAME",
    "chores": "No chores to show.",
    "completions": "Nothing to show.",
    "ledger": "The ledger has no entries for that.",
    "balance": "No balances yet.",
    "log": "The log has nothing for that.",
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


def one_line(text: str) -> str:
    """A cell is one line: line breaks and tabs inside it become spaces."""
    return " ".join(text.replace("\t", " ").splitlines()) if text else ""


def table(kind: str, rows: list[Mapping[str, Any]], currency: str, title: str | None) -> None:
    """Rows as a Rich table, one line a row, fitted to the terminal (see :func:`fit`)."""
    if not rows:
        typer_message(EMPTY[kind])
        return
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    spec = TABLES[kind]
    cells = [[one_line(col.value(row, currency)) for col in spec] for row in rows]
    tails = [[col.suffix(row) if col.suffix else "" for col in spec] for row in rows]
    natural = [
        max([cell_len(col.header), *(cell_len(line[i] + tail[i]) for line, tail in zip(cells, tails, strict=False))])
        for i, col in enumerate(spec)
    ]
    out = console()
    floors = [None if col.shrink is None else max(col.shrink, cell_len(col.header)) for col in spec]
    widths = fit(natural, floors, out.width)
    t = Table(
        title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title_justify="left", title_style="bold"
    )
    for col, width in zip(spec, widths, strict=False):
        t.add_column(col.header, justify=col.justify, width=width, no_wrap=True, overflow="ellipsis")
    for row, line, tail in zip(rows, cells, tails, strict=False):
        texts = []
        for col, width, text, end in zip(spec, widths, line, tail, strict=False):
            cell = Text(text, style=_style(col.style, text, row))
            if end:
                cell.truncate(max(width - cell_len(end), 1), overflow="ellipsis")
                cell.append(end)
            texts.append(cell)
        t.add_row(*texts)
    out.print(t)


def _style(key: str | None, text: str, row: Mapping[str, Any]) -> str:
    if key == "status":
        return STATUS_STYLE.get(text, "")
    if key == "kind":
        return KIND_STYLE.get(text, "")
    if key == "action":
        return "bold red" if text == "pin failed" else ""
    if key == "balance":
        return "bold red" if row["balance"] < 0 else "bold"
    return ""


def details(chore, rows: list[Mapping[str, Any]], currency: str, extra: list[tuple[str, str]] = ()) -> None:
    """``chore show``: the chore's facts, then one line per assignee."""
    from rich.table import Table
    from rich.text import Text

    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    first = rows[0] if rows else {}
    # Text(), never plain strings: a title like "Tidy [/]" is text, not Rich markup.
    facts.add_row("Chore", Text(f"{chore.title} (#{chore.id})"))
    facts.add_row("Reward", Text(_reward(first, currency) if rows else ""))
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
            Text(row["assignee"] or "anyone"),
            Text(row["status"], style=STATUS_STYLE.get(row["status"], "")),
            Text(_day(row["due"])),
        )
    out.print(who)


def typer_message(text: str) -> None:
    print(text, file=sys.stderr)


def emit(
    kind: str,
    rows: Iterable[Mapping[str, Any]],
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
