"""The rows chorectl lists and exports, each kind defined once, here.

A row is a NamedTuple whose fields are its columns in CLI.md's order (then
the extra columns CLI.md allows at the end; ``member_id`` last where CLI.md
says a row ends with it). Each field says, in ``Annotated[type, Cell(...)]``,
what :mod:`chorectl.cli.render` needs and nothing else: its name is the CSV
header and the JSON key, *kind* how its cells are written (money in cents, a
moment, a day, text ...), and *title* the header of its column in the table
for people (none: it is for scripts only). CSV and TSV headers, JSON keys and
table columns all derive from these; see :func:`columns`.

NamedTuples, not dataclasses: an export of ten years of history builds one
per database row, and a tuple is built from one several times faster.

No SQLAlchemy here: the command line reads this module to build its choices
(``export KIND``, ``chore list --status``), and ``--help`` and shell
completion never load SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Annotated, Literal, NamedTuple, get_type_hints

# "ref": an id a command takes back, a number or a word (``approvals``: 4, or r3 for a reward request):
# a number in JSON when it is one, text otherwise.
Kind = Literal["text", "int", "ref", "money", "date", "datetime", "bool"]


@dataclass(frozen=True)
class Cell:
    """What a field's cells are: their *kind*, and the *title* of its table column (None: not in the table)."""

    kind: Kind = "text"
    title: str | None = None


@dataclass(frozen=True)
class Column:
    """One column of a kind of row: *key* is the field's name, the CSV header and the JSON key."""

    key: str
    kind: Kind
    title: str | None


class MemberRow(NamedTuple):
    """``member list``, ``export members``."""

    id: Annotated[int, Cell("int", "ID")]
    name: Annotated[str, Cell("text", "Name")]
    role: Annotated[str, Cell("text", "Role")]
    active: Annotated[bool, Cell("bool", "Active")]
    balance: Annotated[int, Cell("money", "Balance")]
    created_at: Annotated[datetime, Cell("datetime")]


# What ``chore list --status`` takes: a slot's status, or all of them.
STATUSES = ("open", "pending", "approved", "archived", "all")


class ChoreRow(NamedTuple):
    """One slot of a chore (one per assignee; one for a pool chore): ``chore list``, ``export chores``.

    A fixed reward is *reward*; a range is *reward_min* .. *reward_max* (and *reward* is None).
    """

    id: Annotated[int, Cell("int", "ID")]
    title: Annotated[str, Cell("text", "Title")]
    assignee: Annotated[str | None, Cell("text", "Assignee")]
    reward: Annotated[int | None, Cell("money", "Reward")]
    reward_min: Annotated[int | None, Cell("money")]
    reward_max: Annotated[int | None, Cell("money")]
    schedule: Annotated[str | None, Cell("text", "Schedule")]
    status: Annotated[str, Cell("text", "Status")]
    due: Annotated[date | None, Cell("date", "Due")]
    created_at: Annotated[datetime, Cell("datetime")]
    note: Annotated[str | None, Cell("text")]
    cooldown_days: Annotated[int | None, Cell("int")]


class CompletionRow(NamedTuple):
    """A chore done (or a period missed): ``approvals``, ``export completions``, ``chore show``.

    *due* is the period it counts for; *member* is None for a missed pool period.
    """

    id: Annotated[int, Cell("int", "ID")]
    chore_id: Annotated[int, Cell("int")]
    chore: Annotated[str, Cell("text", "Chore")]
    member: Annotated[str | None, Cell("text", "Member")]
    status: Annotated[str, Cell("text", "Status")]
    completed_at: Annotated[datetime, Cell("datetime", "Done")]
    reviewed_at: Annotated[datetime | None, Cell("datetime")]
    reward: Annotated[int | None, Cell("money", "Reward")]
    note: Annotated[str | None, Cell("text", "Note")]
    due: Annotated[date | None, Cell("date")]
    reward_min: Annotated[int, Cell("money")]
    reward_max: Annotated[int, Cell("money")]
    member_id: Annotated[int | None, Cell("int")]

    # The table shows when it was done before its status.
    TABLE = ("id", "chore", "member", "completed_at", "status", "reward", "note")


class LedgerRow(NamedTuple):
    """One movement of money: ``ledger``, ``export ledger``."""

    id: Annotated[int, Cell("int", "ID")]
    at: Annotated[datetime, Cell("datetime", "When")]
    member: Annotated[str, Cell("text", "Member")]
    kind: Annotated[str, Cell("text", "Kind")]  # chorectl.domain.money.LEDGER_KINDS
    amount: Annotated[int, Cell("money", "Amount")]  # signed
    chore_id: Annotated[int | None, Cell("int")]
    completion_id: Annotated[int | None, Cell("int")]
    note: Annotated[str | None, Cell("text", "Note")]
    member_id: Annotated[int, Cell("int")]


class ApprovalRow(NamedTuple):
    """What waits for a parent: ``approvals``. A completion's row is :class:`CompletionRow`'s, with
    its id; a reward request's (:class:`RedemptionRow`) has the id ``r<N>``, no chore_id, the
    reward's title as *chore*, when it was asked as *completed_at*, and its cost as *reward*."""

    id: Annotated[int | str, Cell("ref", "ID")]
    chore_id: Annotated[int | None, Cell("int")]
    chore: Annotated[str, Cell("text", "Chore")]
    member: Annotated[str | None, Cell("text", "Member")]
    status: Annotated[str, Cell("text", "Status")]
    completed_at: Annotated[datetime, Cell("datetime", "Done")]
    reviewed_at: Annotated[datetime | None, Cell("datetime")]
    reward: Annotated[int | None, Cell("money", "Reward")]
    note: Annotated[str | None, Cell("text", "Note")]
    due: Annotated[date | None, Cell("date")]
    reward_min: Annotated[int | None, Cell("money")]
    reward_max: Annotated[int | None, Cell("money")]
    member_id: Annotated[int | None, Cell("int")]

    TABLE = CompletionRow.TABLE


class RewardRow(NamedTuple):
    """One reward of the catalog: ``reward list``."""

    id: Annotated[int, Cell("int", "ID")]
    title: Annotated[str, Cell("text", "Reward")]
    cost: Annotated[int, Cell("money", "Cost")]
    created_at: Annotated[datetime, Cell("datetime", "Added")]
    archived: Annotated[bool, Cell("bool")]


class RedemptionRow(NamedTuple):
    """A child's request to spend their balance on a reward (``redeem``): *ref* is its
    ``approvals`` id, ``r<N>``; *cost* what it costs (fixed when asked)."""

    id: int
    ref: str
    reward_id: int
    reward: str
    member: str
    status: str  # pending | approved | rejected
    cost: int
    requested_at: datetime
    reviewed_at: datetime | None
    note: str | None
    member_id: int


class LogRow(NamedTuple):
    """One line of the audit log: ``log``."""

    id: Annotated[int, Cell("int", "ID")]
    at: Annotated[datetime, Cell("datetime", "When")]
    actor: Annotated[str, Cell("text", "Who")]
    action: Annotated[str, Cell("text", "What")]
    detail: Annotated[str | None, Cell("text", "Detail")]
    amount: Annotated[int | None, Cell("money", "Amount")]


class UndoRow(NamedTuple):
    """An action ``undo`` can reverse, as its line in the log says it: ``undo --list``."""

    id: Annotated[int, Cell("int", "ID")]
    at: Annotated[datetime, Cell("datetime", "When")]
    actor: Annotated[str, Cell("text", "Who")]
    action: Annotated[str, Cell("text", "What")]
    detail: Annotated[str | None, Cell("text", "Detail")]
    amount: Annotated[int | None, Cell("money", "Amount")]


class BalanceRow(NamedTuple):
    """One member's money, from the running totals: ``balance``."""

    member: Annotated[str, Cell("text", "Member")]
    earned: Annotated[int, Cell("money", "Earned")]
    bonuses: Annotated[int, Cell("money", "Bonuses")]
    penalties: Annotated[int, Cell("money", "Penalties")]
    paid: Annotated[int, Cell("money", "Paid")]
    balance: Annotated[int, Cell("money", "Balance")]
    redeemed: Annotated[int, Cell("money", "Redeemed")]  # spent on rewards (negative), already in balance
    # The savings goal shown beside the balance (chorectl.domain.goals.current); None: no goal.
    goal: Annotated[str | None, Cell("text", "Goal")]
    goal_target: Annotated[int | None, Cell("money")]
    goal_saved: Annotated[int | None, Cell("money")]
    member_id: Annotated[int, Cell("int")]


class ReportRow(NamedTuple):
    """One child's window: ``report`` (see :mod:`chorectl.domain.report` for the rules).

    Money as ``balance`` has it (penalties and paid negative); *balance* is the
    balance at the end of the window. *done* counts approved completions, *pending*
    those still waiting; *completion_rate* is done / (done + missed) in whole
    percent (None when nothing was done or missed).
    """

    member: Annotated[str, Cell("text", "Child")]
    earned: Annotated[int, Cell("money", "Earned")]
    bonuses: Annotated[int, Cell("money", "Bonuses")]
    penalties: Annotated[int, Cell("money", "Penalties")]
    paid: Annotated[int, Cell("money", "Paid")]
    balance: Annotated[int, Cell("money", "Balance")]
    redeemed: Annotated[int, Cell("money", "Redeemed")]  # spent on rewards in the window (negative)
    done: Annotated[int, Cell("int", "Done")]
    missed: Annotated[int, Cell("int", "Missed")]
    rejected: Annotated[int, Cell("int", "Rejected")]
    pending: Annotated[int, Cell("int", "Pending")]
    completion_rate: Annotated[int | None, Cell("int", "Rate")]
    streak: Annotated[int, Cell("int", "Streak")]
    best_streak: Annotated[int, Cell("int", "Best")]
    top_chores: Annotated[str, Cell("text", "Top chores")]
    since: Annotated[date, Cell("date")]
    until: Annotated[date, Cell("date")]
    # The savings goal at the window's end balance (the table says it in a line of its own).
    goal: Annotated[str | None, Cell("text")]
    goal_target: Annotated[int | None, Cell("money")]
    goal_saved: Annotated[int | None, Cell("money")]
    member_id: Annotated[int, Cell("int")]


class TodayRow(NamedTuple):
    """One thing on a child's day: ``today``.

    *status* is where it stands (:data:`chorectl.domain.day.SECTIONS`):
    ``overdue``, ``today``, ``undated`` or ``later`` (open, by its current
    period's *due*), ``pending`` (done, waiting for approval: *completion_id*
    is its id), or ``none``, the one row of a child with nothing at all.
    *member* is None for a pool chore (anyone may do it); *balance* is the
    member's, on each of their rows. The reward is as in :class:`ChoreRow`.
    """

    member: Annotated[str | None, Cell("text", "Member")]
    status: Annotated[str, Cell("text", "Status")]
    chore_id: Annotated[int | None, Cell("int")]
    chore: Annotated[str | None, Cell("text", "Chore")]
    due: Annotated[date | None, Cell("date", "Due")]
    reward: Annotated[int | None, Cell("money", "Reward")]
    reward_min: Annotated[int | None, Cell("money")]
    reward_max: Annotated[int | None, Cell("money")]
    completion_id: Annotated[int | None, Cell("int")]
    balance: Annotated[int | None, Cell("money", "Balance")]
    # The child's savings goal (as in BalanceRow), on each of their rows; None for the pool's.
    goal: Annotated[str | None, Cell("text")]
    goal_target: Annotated[int | None, Cell("money")]
    goal_saved: Annotated[int | None, Cell("money")]
    member_id: Annotated[int | None, Cell("int")]


class GoalRow(NamedTuple):
    """A child's savings goal: ``goal list``. A view on their balance, filled oldest first
    (:mod:`chorectl.domain.goals`): *saved* is the part of the balance it holds, *progress*
    that in whole percent (rounded down), *reached* whether it is all there."""

    id: Annotated[int, Cell("int", "ID")]
    member: Annotated[str, Cell("text", "Child")]
    title: Annotated[str, Cell("text", "Goal")]
    target: Annotated[int, Cell("money", "Target")]
    saved: Annotated[int, Cell("money", "Saved")]
    progress: Annotated[int, Cell("int", "Progress")]
    reached: Annotated[bool, Cell("bool")]
    created_at: Annotated[datetime, Cell("datetime")]
    member_id: Annotated[int, Cell("int")]


Row = (
    MemberRow
    | ChoreRow
    | CompletionRow
    | ApprovalRow
    | RewardRow
    | LedgerRow
    | LogRow
    | UndoRow
    | BalanceRow
    | ReportRow
    | TodayRow
    | GoalRow
)

# What ``chorectl export`` exports, by the name it takes.
EXPORTS: dict[str, type[Row]] = {
    "members": MemberRow,
    "chores": ChoreRow,
    "completions": CompletionRow,
    "ledger": LedgerRow,
}
# Every kind of row by its name: the exports, and the listings that are not exported.
ROWS: dict[str, type[Row]] = {
    **EXPORTS,
    "log": LogRow,
    "undo": UndoRow,
    "balance": BalanceRow,
    "report": ReportRow,
    "today": TodayRow,
    "approvals": ApprovalRow,
    "rewards": RewardRow,
    "goal": GoalRow,
}


@cache
def columns(row: type[Row]) -> tuple[Column, ...]:
    """The columns of a kind of row, in order: one per field."""
    hints = get_type_hints(row, include_extras=True)
    found = []
    for key in row._fields:
        cell = next((m for m in getattr(hints[key], "__metadata__", ()) if isinstance(m, Cell)), None)
        if cell is None:
            raise TypeError(f"{row.__name__}.{key} does not say what its cells are (Annotated[..., Cell(...)])")
        found.append(Column(key, cell.kind, cell.title))
    return tuple(found)


@cache
def table_columns(row: type[Row]) -> tuple[Column, ...]:
    """The columns the table for people shows: those with a title, in field order or the row's ``TABLE``."""
    titled = {c.key: c for c in columns(row) if c.title is not None}
    order = getattr(row, "TABLE", tuple(titled))
    if sorted(order) != sorted(titled):
        raise TypeError(f"{row.__name__}.TABLE must name each titled field once: {sorted(titled)}")
    return tuple(titled[key] for key in order)
