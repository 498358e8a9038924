"""Small query pieces the services share."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import Select, and_, or_
from sqlmodel import col

from chorectl.db.models import Completion
from chorectl.domain.dates import day_bounds

Query = TypeVar("Query", bound=Select)


def within(query: Query, column, start: datetime | None, end: datetime | None) -> Query:
    """Rows whose *column* lies in ``[start, end)``; either bound may be open."""
    if start is not None:
        query = query.where(col(column) >= start)
    if end is not None:
        query = query.where(col(column) < end)
    return query


def completions_within(query: Query, since: date | None, until: date | None) -> Query:
    """Completions of the local days *since* .. *until* (both included; either may be open).

    A done chore belongs to the day it was done (``completed_at``). A miss
    belongs to the period it missed (``period_due``), not to the night
    ``reset`` noticed it: a reset that runs late, or catches up after a week
    off, must not move a missed period into another week's report.
    """
    if since is None and until is None:
        return query
    start, end = day_bounds(since, until)
    done = [col(Completion.status) != "missed"]
    missed = [col(Completion.status) == "missed"]
    if since is not None:
        done.append(col(Completion.completed_at) >= start)
        missed.append(col(Completion.period_due) >= since)
    if until is not None:
        done.append(col(Completion.completed_at) < end)
        missed.append(col(Completion.period_due) <= until)
    return query.where(or_(and_(*done), and_(*missed)))
