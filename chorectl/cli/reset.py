"""reset: the cron job."""

from __future__ import annotations

from typing import Annotated

import typer

from chorectl.cli.state import state
from chorectl.domain.dates import now


def reset(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; change nothing.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing (errors still go to stderr).")] = False,
) -> None:
    """Roll recurring chores into their current period (run it from cron).

    Records each period that ended with no completion once, as 'missed', and
    never touches completions waiting for approval. Safe to run at any
    frequency. Prints one line per change and nothing when nothing changed.
    No PIN needed; never touches the keyring.
    """
    from chorectl.services import reset as reset_service

    changes = reset_service.reset(state(ctx).uow(write=True, actor="cron"), now=now(), dry_run=dry_run)
    if quiet:
        return
    prefix = "would: " if dry_run else ""
    for change in changes:
        typer.echo(prefix + str(change))
