"""reset: the cron job."""

from __future__ import annotations

from typing import Annotated

import typer

from chorectl.cli.state import state
from chorectl.domain.dates import now
from chorectl.errors import BadInput


def reset(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; change nothing.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print the whole roll: also each chore's status in its new period.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing (errors still go to stderr).")] = False,
) -> None:
    """Roll recurring chores into their current period (run it from cron).

    Records each period that ended with no completion once, as 'missed', and
    never touches completions waiting for approval. Safe to run at any
    frequency; a clock that went back never moves a chore to an earlier period.
    Prints only news: one line per period it just recorded as missed, and
    nothing on a quiet night, so cron mails only then. -v prints the whole
    roll. No PIN needed; never touches the keyring.
    """
    from chorectl.services import reset as reset_service

    if quiet and verbose:
        raise BadInput("--quiet and --verbose contradict each other; choose one")
    changes = reset_service.reset(state(ctx).uow(write=True, actor="cron"), now=now(), dry_run=dry_run)
    if quiet:
        return
    prefix = "would: " if dry_run else ""
    for change in changes:
        if verbose or change.news:
            typer.echo(prefix + str(change))
