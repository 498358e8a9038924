"""today and digest: the day at a glance, for a child at the family terminal and for a parent's mail."""

from __future__ import annotations

import typer

from chorectl.cli import render
from chorectl.cli.options import ChildOpt, Format, FormatOpt, RawOpt
from chorectl.cli.state import state
from chorectl.domain.dates import local_date, now
from chorectl.services.rows import TodayRow


def today(ctx: typer.Context, as_: ChildOpt = None, fmt: FormatOpt = Format.table, raw: RawOpt = False) -> None:
    """What each child has to do today, what waits for approval, and their balance.

    Per child (or only --as NAME): what is overdue, due today, open with no
    date and due later in its current period, then what waits for a parent's
    approval, and the balance; then the pool chores anyone may do. The whole
    household by default. No PIN needed.
    """
    from chorectl.services import today as today_service

    st = state(ctx)
    rows = today_service.today(st.uow(), today=local_date(now()), member=as_)
    if fmt is Format.table:
        render.day(rows, st.currency())
    else:
        render.emit(TodayRow, rows, fmt, raw=raw)


# How many of the waiting completions the digest names; it counts the rest.
WAITING_LINES = 10


def digest(ctx: typer.Context) -> None:
    """A few lines for cron mail: approvals and reward requests waiting, yesterday's misses, balances.

    Prints nothing at all (exit 0) when nothing waits for approval and no
    period due yesterday was missed, so a crontab line with it mails only on
    days that matter. Run it after reset: chorectl reset -q && chorectl digest.
    No PIN needed; never touches the keyring.
    """
    from chorectl.domain.money import format_money
    from chorectl.services import digest as digest_service

    st = state(ctx)
    news = digest_service.digest(st.uow(), today=local_date(now()))
    if not news.news:
        return
    currency = st.currency()
    lines = []
    if news.waiting:
        lines.append(f"Waiting for approval: {len(news.waiting)} (chorectl approvals)")
        for row in news.waiting[:WAITING_LINES]:
            done = row.completed_at.astimezone().strftime("%Y-%m-%d %H:%M")
            lines.append(f"  {row.id}  {row.chore} ({row.member}), done {done}")
        if len(news.waiting) > WAITING_LINES:
            lines.append(f"  and {len(news.waiting) - WAITING_LINES} more")
    if news.requests:
        lines.append(f"Rewards asked for: {len(news.requests)} (chorectl approvals)")
        for row in news.requests[:WAITING_LINES]:
            asked = row.completed_at.astimezone().strftime("%Y-%m-%d %H:%M")
            cost = format_money(row.reward, currency)
            lines.append(f"  {row.id}  {row.chore} ({row.member}), {cost}, asked {asked}")
        if len(news.requests) > WAITING_LINES:
            lines.append(f"  and {len(news.requests) - WAITING_LINES} more")
    if news.missed:
        lines.append(f"Missed yesterday, {news.day.isoformat()}: {len(news.missed)}")
        lines.extend(f"  {row.chore} ({row.member or 'anyone'})" for row in news.missed)
    if news.balances:
        lines.append("Balances: " + ", ".join(f"{b.member} {format_money(b.balance, currency)}" for b in news.balances))
    for line in lines:
        typer.echo(render.one_line(line))
