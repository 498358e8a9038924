"""log: the audit trail."""

from __future__ import annotations

from typing import Annotated

import typer

from chorectl.cli import render
from chorectl.cli.options import AllOpt, Format, FormatOpt, LimitOpt, RawOpt, SinceOpt, UntilOpt
from chorectl.cli.state import message, state
from chorectl.domain.dates import local_date, now, parse_days
from chorectl.services.rows import LogRow


def log(
    ctx: typer.Context,
    since: SinceOpt = None,
    until: UntilOpt = None,
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor", metavar="WHO", help='Only what this actor did: a name, "cron", or "parent" (every parent).'
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            metavar="KIND",
            help="Only these lines (repeat it, or a comma list): changes (all but PIN events), pin, members,"
            " chores, money, rewards, goals, household, all, or one action such as approve or 'pin failed'."
            " Default: changes for the table, all for csv, tsv, json and jsonl.",
        ),
    ] = None,
    limit: LimitOpt = None,
    everything: AllOpt = False,
    fmt: FormatOpt = Format.table,
    raw: RawOpt = False,
) -> None:
    """Who did what, when, and why: every change, and every PIN attempt (never the PIN).

    The table shows the latest 50 lines (--limit N, --all, or --since for
    others) and leaves out PIN events (pin ok, pin failed, unlock, lock...),
    saying on stderr how many of each it left out; --kind pin shows them,
    --kind all shows everything. csv, tsv, json and jsonl have every line.
    """
    from chorectl.services import audit

    st = state(ctx)
    first, last = parse_days(since, until, today=local_date(now()))
    default = ["changes"] if fmt is Format.table else ["all"]
    chosen = audit.kinds(kind or default)
    render.emit_window(
        LogRow,
        lambda n, upto: audit.entries(st.uow(), since=first, until=last, actor=actor, kind=chosen, latest=n, upto=upto),
        lambda upto: audit.count(st.uow(), since=first, until=last, actor=actor, kind=chosen, upto=upto),
        fmt,
        limit=limit,
        everything=everything,
        noun="log lines",
        currency=st.currency(),
        raw=raw,
    )
    if fmt is Format.table and not kind:
        hidden, failed = audit.hidden_pin_events(st.uow(), since=first, until=last, actor=actor)
        if hidden:
            wrong = f" ({failed:,} wrong PIN{'s' if failed != 1 else ''})" if failed else ""
            message(f"{hidden:,} PIN events not shown{wrong}; chorectl log --kind pin shows them.")
