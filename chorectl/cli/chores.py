"""chorectl chore ...: what there is to do."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from chorectl.cli import complete, render
from chorectl.cli.app import new_app
from chorectl.cli.options import ChoreArg, Format, FormatOpt, MemberOpt, NoteOpt, RawOpt
from chorectl.cli.state import message, require_parent, state
from chorectl.domain.dates import local_date, now, parse_date
from chorectl.domain.text import split_names
from chorectl.services.rows import STATUSES, ChoreRow, CompletionRow

app = new_app("chore", "Add, list, show, edit, assign and remove chores.")

RewardOpt = Annotated[
    str | None,
    typer.Option("--reward", metavar="AMOUNT|MIN-MAX", help="Fixed (2.50) or a range decided at approval (1-3)."),
]
DueOpt = Annotated[
    str | None,
    typer.Option(
        "--due", metavar="DATE", help="Due date, YYYY-MM-DD (or today/tomorrow); a schedule's first due date."
    ),
]
EveryOpt = Annotated[
    str | None,
    typer.Option(
        "--every",
        metavar="SCHEDULE",
        help="Repeat: daily, weekly, monthly, weekdays like mon,wed,fri, or an interval like 3d or 2w.",
    ),
]
CooldownOpt = Annotated[
    str | None,
    typer.Option("--cooldown", metavar="DAYS", help="Comes back DAYS days after each approval."),
]


RotateOpt = Annotated[
    str | None,
    typer.Option(
        "--rotate",
        metavar="NAME,NAME[,...]",
        help="Take turns: each period the next child in this list (needs --every).",
    ),
]
RotateBy = Enum("RotateBy", [(by, by) for by in ("turns", "least-done")], type=str)
RotateByOpt = Annotated[
    RotateBy | None,
    typer.Option(
        "--rotate-by",
        case_sensitive=False,
        help="How the turn moves: turns (the default: round robin) or least-done (who did it least lately).",
    ),
]
StreakOpt = Annotated[
    str | None,
    typer.Option(
        "--streak",
        metavar="N:AMOUNT",
        help="A bonus of AMOUNT after N periods in a row done and approved by one child (needs --every).",
    ),
]


def _streak(text: str | None, currency: str):
    from chorectl.domain.money import parse_streak

    return parse_streak(text, currency=currency) if text is not None and text.strip() else None


# What chore list --status takes: services.rows.STATUSES, as Typer's choices.
StatusFilter = Enum("StatusFilter", [(status, status) for status in STATUSES], type=str)


def _recurrence(every: str | None, cooldown: str | None):
    from chorectl.domain.schedule import parse_cooldown, parse_schedule

    return (
        parse_schedule(every) if every is not None else None,
        parse_cooldown(cooldown) if cooldown is not None else None,
    )


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[
        str, typer.Argument(metavar="TITLE", help="What to do; no other live chore may have this title (any case).")
    ],
    reward: RewardOpt = None,
    assign: Annotated[
        str | None,
        typer.Option(
            "--assign",
            metavar="NAME[,NAME...]",
            help="Who does it; several names = each their own copy; none = anyone (first done wins).",
        ),
    ] = None,
    every: EveryOpt = None,
    cooldown: CooldownOpt = None,
    due: DueOpt = None,
    note: NoteOpt = None,
    rotate: RotateOpt = None,
    rotate_by: RotateByOpt = None,
    streak: StreakOpt = None,
) -> None:
    """Add a chore: one-off, on a schedule (--every) or with a cooldown. Parent command.

    --rotate gives each period to the next child in turn (not with --assign).
    """
    from chorectl.domain.money import parse_reward_spec
    from chorectl.services import chores

    st = state(ctx)
    today = local_date(now())
    spec = parse_reward_spec("0" if reward is None else reward, currency=st.currency())
    due_date = parse_date(due, today=today) if due else None
    schedule, days = _recurrence(every, cooldown)
    bonus = _streak(streak, st.currency())
    if streak is not None and bonus is None:
        from chorectl.errors import BadInput

        raise BadInput('--streak "" drops a bonus; a new chore has none', hint="--streak N:AMOUNT, e.g. 7:2.00")
    require_parent(ctx)
    chore = chores.add(
        st.uow(write=True),
        title,
        reward=spec,
        assign=split_names(assign or ""),
        due=due_date,
        note=note,
        now=now(),
        every=schedule,
        cooldown=days,
        rotate=split_names(rotate) if rotate is not None else None,
        rotate_by=rotate_by.value if rotate_by else None,
        streak=bonus,
    )
    due_now = chore.rolled_due or chore.due  # a schedule's current period, or the one-off due date
    when = f", due {due_now.isoformat()}" if due_now else ""
    message(f"Added chore {chore.id}: {chore.title}{when}.")


@app.command("list")
def list_(
    ctx: typer.Context,
    member: MemberOpt = None,
    status: Annotated[
        StatusFilter | None,
        typer.Option(
            "--status",
            case_sensitive=False,
            help="Only chores in this status (default: all but archived).",
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
    raw: RawOpt = False,
) -> None:
    """List chores: one row per assignee, with status and due date."""
    from chorectl.services import chores

    st = state(ctx)
    rows = chores.listing(st.uow(), today=local_date(now()), member=member, status=status.value if status else None)
    render.emit(ChoreRow, rows, fmt, currency=st.currency(), raw=raw)


@app.command("show")
def show(ctx: typer.Context, chore: ChoreArg, fmt: FormatOpt = Format.table, raw: RawOpt = False) -> None:
    """Show one chore: reward, schedule in words, next due dates, assignees and their
    status, and its last 10 completions.

    Other formats than table give the assignee rows (chore list's columns); a
    chore's whole history is: chorectl export completions --chore CHORE.
    """
    from chorectl.domain import schedule as sched
    from chorectl.services import chores, completions

    st = state(ctx)
    today = local_date(now())
    found, rows = chores.show(st.uow(), chore, today=today)
    currency = st.currency()
    if fmt is not Format.table:
        render.emit(ChoreRow, rows, fmt, currency=currency, raw=raw)
        return
    extra = []
    if found.schedule:
        every = sched.parse_schedule(found.schedule)
        extra.append(("Schedule", found.schedule))
        extra.append(("Repeats", sched.describe(every, found.due)))
        dates = sched.next_dues(every, found.due, today, 5)
        extra.append(("Next due", ", ".join(d.isoformat() for d in dates)))
    elif found.cooldown_days:
        extra.append(("Repeats", sched.describe_cooldown(found.cooldown_days)))
    else:
        extra.append(("Repeats", "no: a one-off chore"))
    if found.rotate_by:
        extra.extend(_turns(chores.turns(st.uow(), str(found.id), today=today)))
    if found.streak_n:
        from chorectl.domain.money import format_money

        each = "turns" if found.rotate_by else "periods"
        bonus = f"{format_money(found.streak_bonus, currency)} after {found.streak_n} {each} in a row by one child, done and approved"
        extra.append(("Streak bonus", bonus))
    render.details(found, rows, currency, extra)
    _recent(completions.recent(st.uow(), found.id), currency)


def _turns(turns) -> list[tuple[str, str]]:
    """chore show's lines for a rotating chore: the order, whose turn it is, whose is next."""
    how = "round robin" if turns.by == "turns" else "least done over the last periods"
    lines = [("Rotates", f"{', '.join(turns.order)} ({how})")]
    if turns.holder is not None:
        lines.append(("Turn", f"{turns.holder}, until {turns.due.isoformat()}"))
    if turns.following is not None:
        lines.append(("Next turn", f"{turns.following}, from {turns.starts.isoformat()}"))
    return lines


def _recent(rows: list[CompletionRow], currency: str) -> None:
    """chore show's last completions, newest first; folds to fit 80 columns."""
    from rich.table import Table
    from rich.text import Text

    moment, money = render.table_formatter("datetime", currency), render.table_formatter("money", currency)
    out = render.console()
    out.print()
    if not rows:
        out.print(Text("No completions yet."))
        return
    title = f"Last {len(rows)} completions, newest first" if len(rows) > 1 else "Last completion"
    out.print(Text(title, style="bold"))
    table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")  # like the assignees above
    table.add_column("ID", justify="right", no_wrap=True)
    table.add_column("Who", overflow="fold")
    table.add_column("Status", no_wrap=True)
    table.add_column("When", no_wrap=True)
    table.add_column("Reward", justify="right", no_wrap=True)
    table.add_column("Note", overflow="fold")
    for row in rows:
        # A miss (recorded by reset): the day that was missed is what counts.
        missed = f"due {row.due.isoformat()}" if row.due else ""
        when = missed if row.status == "missed" else moment(row.completed_at)
        table.add_row(
            Text(str(row.id)),
            Text(row.member or "anyone"),
            Text(row.status, style=render.STATUS_STYLE.get(row.status, "")),
            Text(when),
            Text(money(row.reward)),
            Text(row.note or ""),
        )
    out.print(table)


@app.command("edit")
def edit(
    ctx: typer.Context,
    chore: ChoreArg,
    title: Annotated[
        str | None, typer.Option("--title", metavar="T", help="A new title, not another live chore's (any case).")
    ] = None,
    reward: RewardOpt = None,
    every: EveryOpt = None,
    cooldown: CooldownOpt = None,
    once: Annotated[bool, typer.Option("--once", help="Drop the schedule or cooldown: a one-off chore.")] = False,
    due: DueOpt = None,
    note: Annotated[str | None, typer.Option("--note", metavar="TEXT", help='A new note ("" clears it).')] = None,
    rotate: RotateOpt = None,
    rotate_by: RotateByOpt = None,
    streak: Annotated[
        str | None,
        typer.Option("--streak", metavar="N:AMOUNT", help='A bonus of AMOUNT after N periods in a row ("" drops it).'),
    ] = None,
) -> None:
    """Change a chore's title, reward, schedule, due date, note, turns or streak bonus. Parent command.

    A new schedule or due date starts afresh from today: no earlier period counts as missed.
    A new --rotate list keeps the turn with the child who has it, if they are in the list.
    """
    from chorectl.domain.money import parse_reward_spec
    from chorectl.errors import BadInput
    from chorectl.services import chores

    st = state(ctx)
    today = local_date(now())
    schedule, days = _recurrence(every, cooldown)
    changes = chores.Changes(
        title=title,
        reward=parse_reward_spec(reward, currency=st.currency()) if reward is not None else None,
        due=parse_date(due, today=today) if due else None,
        note=note,
        every=schedule,
        cooldown=days,
        once=once,
        rotate=split_names(rotate) if rotate is not None else None,
        rotate_by=rotate_by.value if rotate_by else None,
        streak=_streak(streak, st.currency()),
        no_streak=streak is not None and not streak.strip(),
    )
    if changes == chores.Changes():
        raise BadInput(
            "nothing to change",
            hint="give --title, --reward, --every, --cooldown, --once, --due, --note, --rotate, --rotate-by or --streak",
        )
    require_parent(ctx)
    found = chores.edit(st.uow(write=True), chore, changes, now=now())
    message(f"Updated chore {found.id}: {found.title}.")


@app.command("assign")
def assign(
    ctx: typer.Context,
    chores_: Annotated[
        list[str], typer.Argument(metavar="CHORE", help="One or more chores.", autocompletion=complete.chores)
    ],
    to: Annotated[
        str,
        typer.Option("--to", metavar="NAME[,NAME...]", help='Who does them from now on; "" makes them pool chores.'),
    ],
) -> None:
    """Give chores these assignees (replacing the old ones). Parent command."""
    from chorectl.services import chores

    require_parent(ctx)
    for chore, names in chores.assign(state(ctx).uow(write=True), chores_, split_names(to), now=now()):
        who = ", ".join(names) if names else "anyone (a pool chore)"
        message(f"Chore {chore.id} ({chore.title}): {who}.")


@app.command("remove")
def remove(ctx: typer.Context, chore: ChoreArg) -> None:
    """Archive a chore: its history stays, and its title may be used again. Parent command."""
    from chorectl.services import chores

    require_parent(ctx)
    found = chores.remove(state(ctx).uow(write=True), chore, now=now())
    message(f"Archived chore {found.id}: {found.title}.")
