"""log: the audit trail."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from chorectl.cli import render
from chorectl.cli.options import Format, FormatOpt, RawOpt, SinceOpt, UntilOpt
from chorectl.cli.state import state
from chorectl.domain.dates import local_date, now, parse_days


def log(
    ctx: typer.Context,
    since: SinceOpt = None,
    until: UntilOpt = None,
    actor: Annotated[
        Optional[str], typer.Option("--actor", metavar="WHO", help='Only what this actor did ("parent", "cron", a name).')
    ] = None,
    fmt: FormatOpt = Format.table,
    raw: RawOpt = False,
) -> None:
    """Who did what, when: every change, and every PIN attempt (never the PIN)."""
    from chorectl.services import audit

    st = state(ctx)
    first, last = parse_days(since, until, today=local_date(now()))
    rows = audit.entries(st.uow(), since=first, until=last, actor=actor)
    render.emit("log", rows, fmt, currency=st.currency(), raw=raw)
