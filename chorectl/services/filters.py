"""Small query pieces the services share."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, or_
from sqlmodel import col, select

from chorectl.db.models import Completion
from chorectl.domain.dates import day_bounds

Query = TypeVar("Query", bound=Select)


def spans(column, start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    """The conditions for *column* to lie in ``[start, end)``; either bound may be open."""
    found = []
    if start is not None:
        found.append(col(column) >= start)
    if end is not None:
        found.append(col(column) < end)
    return found


def within(query: Query, column, start: datetime | None, end: datetime | None) -> Query:
    """Rows whose *column* lies in ``[start, end)``; either bound may be open."""
    return query.where(*spans(column, start, end))


def newest(query: Query, key, n: int | None) -> Query:
    """The last *n* rows of *query* by *key*, still in *key*'s order; None: every row.

    The newest keys are found walking *key*'s index backwards from the end
    (``key IN (... ORDER BY key DESC LIMIT n)``), so a window on years of
    history reads the rows it shows and no others.
    """
    if n is None:
        return query
    last = query.with_only_columns(col(key)).order_by(None).order_by(col(key).desc()).limit(n)
    return query.where(col(key).in_(last.scalar_subquery()))


def counted(table, *clauses) -> Select:
    """``SELECT count(*) FROM table WHERE clauses``: the base table alone, no joins, so an index can answer."""
    return select(func.count()).select_from(table).where(*clauses)


def completions_within(query: Query, since: date | None, until: date | None) -> Query:
    """Completions of the local days *since* .. *until*: see :func:`completions_of_days`."""
    clause = completions_of_days(since, until)
    return query if clause is None else query.where(clause)


def completions_of_days(since: date | None, until: date | None) -> ColumnElement[bool] | None:
    """The condition for a completion to belong to the local days *since* .. *until*
    (both included; either may be open); None when both are open.

    A done chore belongs to the day it was done (``completed_at``). A miss
    belongs to the period it missed (``period_due``), not to the night
    ``reset`` noticed it: a reset that runs late, or catches up after a week
    off, must not move a missed period into another week's report.
    """
    if since is None and until is None:
        return None
    start, end = day_bounds(since, until)
    done = [col(Completion.status) != "missed"]
    missed = [col(Completion.status) == "missed"]
    if since is not None:
        done.append(col(Completion.completed_at) >= start)
        missed.append(col(Completion.period_due) >= since)
    if until is not None:
        done.append(col(Completion.completed_at) < end)
        missed.append(col(Completion.period_due) <= until)
    return or_(and_(*done), and_(*missed))


def total_of(cents: ColumnElement | Any) -> ColumnElement[int]:
    """The sum of a column of cents, as an integer on every backend (0 when there are no rows).

    PostgreSQL sums a BIGINT as NUMERIC (a Decimal in Python); money stays an int end to end.
    """
    from sqlalchemy import BigInteger, cast

    return cast(func.coalesce(func.sum(cents), 0), BigInteger)
