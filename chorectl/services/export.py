"""``chorectl export``: whole tables for scripts and spreadsheets, streamed.

Completions and the ledger are read in batches inside one read transaction,
so memory stays flat however long the history is, and the export is a
consistent snapshot even while others write.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlmodel import col

from chorectl.db.models import Completion
from chorectl.domain.dates import day_bounds
from chorectl.errors import BadInput
from chorectl.services import chores as chores_service
from chorectl.services import completions as completions_service
from chorectl.services import ledger as ledger_service
from chorectl.services import members as members_service
from chorectl.services.filters import completions_of_days, counted, newest
from chorectl.services.rows import EXPORTS, ChoreRow, CompletionRow, LedgerRow, MemberRow
from chorectl.services.streams import RowStream
from chorectl.services.uow import UnitOfWork

KINDS = tuple(EXPORTS)  # members, chores, completions, ledger: each a kind of row


def rows(
    uow: UnitOfWork,
    kind: str,
    *,
    today: date,
    since: date | None = None,
    until: date | None = None,
    member: str | None = None,
    chore: str | None = None,
    latest: int | None = None,
    upto: int | None = None,
) -> Iterator[MemberRow] | Iterator[ChoreRow] | RowStream[CompletionRow] | RowStream[LedgerRow]:
    """The rows of one export, of the kind ``EXPORTS[kind]``. Bad input is refused before the first row.

    *chore* (an id or title, archived chores too) keeps one chore's completions.
    *latest* keeps only the last that many rows (in the export's order, which is the
    ids'); *upto* only the rows whose id is at most that (a second look at the rows a
    first one saw, though others were added since).
    """
    if kind not in KINDS:
        raise BadInput(f"nothing to export called {kind!r}", hint=f"choose one of {', '.join(KINDS)}")
    if chore is not None and kind != "completions":
        raise BadInput("--chore filters completions only", hint="chorectl export completions --chore CHORE")
    start, end = day_bounds(since, until)
    if kind == "ledger":
        return ledger_service.entries(uow, name=member, since=since, until=until, latest=latest, upto=upto)
    if kind == "completions":
        query = _completions(uow, since, until, member, chore, upto)
        return RowStream(uow, newest(query, Completion.id, latest), CompletionRow)

    def in_range(row: MemberRow | ChoreRow) -> bool:
        created = row.created_at
        return (
            (start is None or created >= start) and (end is None or created < end) and (upto is None or row.id <= upto)
        )

    if kind == "members":
        wanted = None
        if member:
            with uow:
                wanted = members_service.resolve(uow, member, include_archived=True).id
        found = members_service.listing(uow, include_archived=True)
        return _last(latest, [row for row in found if (wanted is None or row.id == wanted) and in_range(row)])
    found = chores_service.listing(uow, today=today, member=member, status="all")
    return _last(latest, [row for row in found if in_range(row)])


def _last(latest: int | None, found: list) -> Iterator:
    return iter(found if latest is None else found[-latest:])


def _completion_clauses(
    uow: UnitOfWork, since: date | None, until: date | None, member: str | None, chore: str | None, upto: int | None
) -> list:
    clauses = [] if upto is None else [col(Completion.id) <= upto]
    if member is not None or chore is not None:
        with uow:
            if member is not None:
                clauses.append(Completion.member_id == members_service.resolve(uow, member, include_archived=True).id)
            if chore is not None:
                clauses.append(Completion.chore_id == chores_service.resolve(uow, chore, include_archived=True).id)
    days = completions_of_days(since, until)  # a miss: by its period
    return clauses if days is None else [*clauses, days]


def _completions(
    uow: UnitOfWork, since: date | None, until: date | None, member: str | None, chore: str | None, upto: int | None
):
    """Plain columns, as the ledger's: no ORM objects for years of history (a RowStream reads
    them in the order of the id)."""
    return completions_service.listed().where(*_completion_clauses(uow, since, until, member, chore, upto))


def count(
    uow: UnitOfWork,
    kind: str,
    *,
    today: date,
    since: date | None = None,
    until: date | None = None,
    member: str | None = None,
    chore: str | None = None,
    upto: int | None = None,
) -> int:
    """How many rows :func:`rows` gives for the same filters (completions and the ledger from their indexes)."""
    if kind == "ledger":
        return ledger_service.count(uow, name=member, since=since, until=until, upto=upto)
    if kind == "completions":
        clauses = _completion_clauses(uow, since, until, member, chore, upto)
        with uow:
            return uow.session.exec(counted(Completion, *clauses)).one()
    found = rows(uow, kind, today=today, since=since, until=until, member=member, chore=chore, upto=upto)
    return sum(1 for _ in found)
