"""``chorectl export``: whole tables for scripts and spreadsheets, streamed.

Completions and the ledger are read in batches inside one read transaction,
so memory stays flat however long the history is, and the export is a
consistent snapshot even while others write.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from chorectl.db.models import Completion, LedgerEntry
from chorectl.domain.dates import day_bounds
from chorectl.errors import BadInput
from chorectl.services import chores as chores_service
from chorectl.services import completions as completions_service
from chorectl.services import ledger as ledger_service
from chorectl.services import members as members_service
from chorectl.services.filters import completions_within
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
) -> Iterator[MemberRow] | Iterator[ChoreRow] | RowStream[CompletionRow] | RowStream[LedgerRow]:
    """The rows of one export, of the kind ``EXPORTS[kind]``. Bad input is refused before the first row.

    *chore* (an id or title, archived chores too) keeps one chore's completions.
    """
    if kind not in KINDS:
        raise BadInput(f"nothing to export called {kind!r}", hint=f"choose one of {', '.join(KINDS)}")
    if chore is not None and kind != "completions":
        raise BadInput("--chore filters completions only", hint="chorectl export completions --chore CHORE")
    start, end = day_bounds(since, until)
    if kind == "ledger":
        return ledger_service.entries(uow, name=member, since=since, until=until)
    if kind == "completions":
        return _completions(uow, since, until, member, chore)

    def in_range(row: MemberRow | ChoreRow) -> bool:
        created = row.created_at
        return (start is None or created >= start) and (end is None or created < end)

    if kind == "members":
        wanted = None
        if member:
            with uow:
                wanted = members_service.resolve(uow, member, include_archived=True).id
        found = members_service.listing(uow, include_archived=True)
        return iter([row for row in found if (wanted is None or row.id == wanted) and in_range(row)])
    found = chores_service.listing(uow, today=today, member=member, status="all")
    return iter([row for row in found if in_range(row)])


def _completions(
    uow: UnitOfWork, since: date | None, until: date | None, member: str | None, chore: str | None
) -> RowStream[CompletionRow]:
    member_id = chore_id = None
    if member is not None or chore is not None:
        with uow:
            if member is not None:
                member_id = members_service.resolve(uow, member, include_archived=True).id
            if chore is not None:
                chore_id = chores_service.resolve(uow, chore, include_archived=True).id
    # Plain columns, as the ledger's: no ORM objects for years of history.
    query = completions_service.listed()  # a RowStream reads them in the order of the id
    if member_id is not None:
        query = query.where(Completion.member_id == member_id)
    if chore_id is not None:
        query = query.where(Completion.chore_id == chore_id)
    return RowStream(uow, completions_within(query, since, until), CompletionRow)  # a miss: by its period


def count(uow: UnitOfWork, kind: str) -> int | None:
    """How many rows a whole export has (for a progress bar); None if not worth asking."""
    table = {"completions": Completion, "ledger": LedgerEntry}.get(kind)
    if table is None:
        return None
    with uow:
        return uow.session.exec(select(func.count()).select_from(table)).one()
