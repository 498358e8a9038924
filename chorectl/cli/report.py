"""report: each child's week (or month, or any days) in numbers and charts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chorectl.cli import render
from chorectl.cli.options import Format, FormatOpt, MemberOpt, RawOpt, SinceOpt, UntilOpt
from chorectl.cli.state import env_text, message, state
from chorectl.domain import report as rules
from chorectl.domain.dates import local_date, now, parse_date
from chorectl.errors import BadInput
from chorectl.services.rows import ReportRow

if TYPE_CHECKING:
    from rich.console import Console

    from chorectl.services.reports import Report


def report(
    ctx: typer.Context,
    week: Annotated[bool, typer.Option("--week", help="The current week so far (the default).")] = False,
    month: Annotated[bool, typer.Option("--month", help="The current month so far.")] = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    member: MemberOpt = None,
    fmt: FormatOpt = Format.table,
    raw: RawOpt = False,
    svg: Annotated[
        Path | None,
        typer.Option("--svg", metavar="FILE", dir_okay=False, help="Write the report as an SVG picture (atomically)."),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", dir_okay=False, help="Write the report as an HTML page (atomically)."),
    ] = None,
) -> None:
    """Each child's money, chores, completion rate and streaks, with charts.

    The window is the current week so far unless --month or --since/--until
    says otherwise; weeks start on Monday (CHORECTL_WEEK_START=sunday for
    Sunday). Charts show the 8 weeks up to the window's last day: what each
    child earned, and their completion rate. csv, tsv, json and jsonl give one
    row per child with the same numbers.
    """
    from chorectl.services import reports

    st = state(ctx)
    today = local_date(now())
    first_weekday = rules.week_start_setting(env_text("CHORECTL_WEEK_START"))
    window = rules.window(
        today,
        week=week,
        month=month,
        since=parse_date(since, today=today) if since else None,
        until=parse_date(until, today=today) if until else None,
        first_weekday=first_weekday,
    )
    if (svg or html) and fmt is not Format.table:
        raise BadInput("--svg and --html draw the report for people", hint="leave out -f, or write -f output to stdout")
    result = reports.report(st.uow(), window, member=member, first_weekday=first_weekday)
    currency = st.currency()
    if fmt is not Format.table:
        with render.utf8_stdout() as out:
            render.write_rows(ReportRow, [child.row for child in result.children], fmt, out, raw=raw)
        return
    if svg is None and html is None:
        out = render.console()
        if not result.children:
            render.typer_message(render.EMPTY[ReportRow])
        elif result.empty:
            render.typer_message(nothing(result))
        else:
            draw(out, result, currency)
        return
    from chorectl.cli.export import write_atomically

    picture = recorder(render.console().width)
    if not result.children:
        picture.print(render.EMPTY[ReportRow])
    elif result.empty:
        picture.print(nothing(result))
    else:
        draw(picture, result, currency)
    title = f"chorectl report {window.first.isoformat()} to {window.last.isoformat()}"
    for path, text in (
        (svg, lambda: picture.export_svg(title=title, clear=False)),
        (html, lambda: picture.export_html(clear=False)),
    ):
        if path is not None:
            content = text()
            write_atomically(
                path, lambda out, _tick, content=content: out.write(content), None, db=st.db_path, what="report"
            )
            message(f"Wrote the report to {path}.")


def recorder(width: int) -> Console:
    """A console that records what it is given, to export as SVG or HTML."""
    import io

    from rich.console import Console

    return Console(record=True, file=io.StringIO(), width=width, force_terminal=True, highlight=False)


def nothing(result: Report) -> str:
    w = result.window
    return (
        f"Nothing happened from {w.first.isoformat()} to {w.last.isoformat()}: no chore done or missed, no money moved."
    )


# ---------------------------------------------------------------- drawing

NAME = 12  # a child's name in the charts, cut beyond this
LABEL = 10  # a week's label: its first day, 2026-11-02


def _name(text: str, width: int = NAME) -> str:
    text = render.one_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def draw(out: Console, result: Report, currency: str) -> None:
    """The report for people: two tables, the top chores, then the charts."""
    from rich.text import Text

    w = result.window
    start = "Monday" if result.first_weekday == 0 else "Sunday"
    out.print(Text(f"Report {w.first.isoformat()} to {w.last.isoformat()} (weeks start on {start})", style="bold"))
    out.print()
    rows = [child.row for child in result.children]
    money = ("member", "earned", "bonuses", "penalties", "paid", "balance", "redeemed")
    chores = ("member", "done", "missed", "rejected", "pending", "completion_rate", "streak", "best_streak")
    out.print(_table(rows, money, currency, out.width))
    out.print()
    out.print(_table(rows, chores, currency, out.width))
    if result.pool_missed:
        out.print()
        periods = "period" if result.pool_missed == 1 else "periods"
        out.print(Text(f"Pool chores: {result.pool_missed} {periods} missed by everyone (counted for no child)."))
    tops = [(r.member, r.top_chores) for r in rows if r.top_chores]
    if tops:
        out.print()
        out.print(Text("Top chores", style="bold"))
        for name, top in tops:
            out.print(Text(f"  {_name(name)}: {render.one_line(top)}"), overflow="ellipsis", no_wrap=True)
    goals = [r for r in rows if r.goal is not None]
    if goals:
        out.print()
        out.print(Text(f"Goals (at the balance on {w.last.isoformat()})", style="bold"))
        for r in goals:
            words = render.goal_words(r.goal, r.goal_target, r.goal_saved, currency)
            out.print(Text(f"  {_name(r.member)}: {words}"), overflow="ellipsis", no_wrap=True)
    out.print()
    _earnings(out, result, currency)
    out.print()
    _rates(out, result)


def _table(rows: list[ReportRow], keys: tuple[str, ...], currency: str, width: int):
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from chorectl.domain.money import format_money
    from chorectl.services.rows import columns

    titles = {c.key: (c.title, c.kind) for c in columns(ReportRow)}
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for key in keys:
        title, kind = titles[key]
        t.add_column(title, justify="left" if key == "member" else "right", no_wrap=True, overflow="ellipsis")
    for row in rows:
        cells = []
        for key in keys:
            value = getattr(row, key)
            kind = titles[key][1]
            if key == "member":
                cells.append(Text(_name(value, 16)))
            elif key == "completion_rate":
                cells.append(Text(rules.percent(value), style=_rate_style(value)))
            elif kind == "money":
                style = "bold red" if key == "balance" and value < 0 else "bold" if key == "balance" else ""
                cells.append(Text(format_money(value, currency), style=style))
            else:
                cells.append(Text(str(value)))
        t.add_row(*cells)
    return t


def _rate_style(value: int | None) -> str:
    if value is None:
        return "dim"
    return "green" if value >= 80 else "yellow" if value >= 50 else "red"


def bar_room(width: int, amount_width: int) -> int:
    """How many characters the longest bar gets: the line (indent, week, amount, bar) less all but the bar."""
    return max(width - 4 - LABEL - 2 - amount_width - 1, 1)


def _earnings(out: Console, result: Report, currency: str) -> None:
    from rich.text import Text

    from chorectl.domain.money import format_money

    weeks = len(result.weeks)
    out.print(Text(f"Earned per week (the {weeks} weeks up to {result.window.last.isoformat()})", style="bold"))
    amounts = [a for child in result.children for a in child.earned_by_week]
    largest = max(amounts, default=0)
    if largest <= 0:
        out.print(Text(f"  No rewards earned in these {weeks} weeks."))
        return
    amount_width = max(len(format_money(a, currency)) for a in amounts)
    room = bar_room(out.width, amount_width)
    for child in result.children:
        out.print(Text(f"  {_name(child.row.member)}"))
        for first, amount in zip(result.weeks, child.earned_by_week, strict=True):
            line = Text(f"    {first.isoformat()}  {format_money(amount, currency).rjust(amount_width)} ")
            line.append("█" * rules.bar_length(amount, largest, room), style="green")
            out.print(line.rstrip() or line, no_wrap=True)


def _rates(out: Console, result: Report) -> None:
    from rich.text import Text

    weeks = len(result.weeks)
    out.print(
        Text(
            f"Completion rate per week (oldest first from {result.weeks[0].isoformat()}; · nothing due)", style="bold"
        ),
        overflow="ellipsis",
        no_wrap=True,
    )
    if all(r is None for child in result.children for r in child.rate_by_week):
        out.print(Text(f"  Nothing was done or missed in these {weeks} weeks."))
        return
    names = max(len(_name(child.row.member)) for child in result.children)
    for child in result.children:
        line = Text(f"  {_name(child.row.member).ljust(names)}  ")
        line.append(rules.sparkline(list(child.rate_by_week)), style="cyan")
        line.append(" ")
        for rate in child.rate_by_week:
            line.append(" ")
            line.append(rules.percent(rate).rjust(4), style=_rate_style(rate))
        out.print(line, no_wrap=True, overflow="ellipsis")
