"""The audit log: who did what, when. Append-only (database triggers refuse changes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlmodel import col, select

from chorectl.db.models import AuditEntry
from chorectl.domain.dates import day_bounds
from chorectl.services.filters import within
from chorectl.services.uow import UnitOfWork

KEYS = ("id", "at", "actor", "action", "detail", "amount")


def entries(
    uow: UnitOfWork, *, since: date | None = None, until: date | None = None, actor: str | None = None
) -> Iterator[dict]:
    start, end = day_bounds(since, until)
    query = select(
        AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.detail, AuditEntry.amount
    ).order_by(AuditEntry.id)
    query = within(query, AuditEntry.at, start, end)
    if actor is not None:
        query = query.where(col(AuditEntry.actor) == actor)
    return _stream(uow, query)


def _stream(uow: UnitOfWork, query) -> Iterator[dict]:
    with uow:
        for row in uow.session.exec(query.execution_options(yield_per=2000)):
            yield dict(zip(KEYS, row))
