"""Small query pieces the services share."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col


def within(query, column, start: datetime | None, end: datetime | None):
    """Rows whose *column* lies in ``[start, end)``; either bound may be open."""
    if start is not None:
        query = query.where(col(column) >= start)
    if end is not None:
        query = query.where(col(column) < end)
    return query
