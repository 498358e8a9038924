from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.types import String, TypeDecorator


class AwareDateTime(TypeDecorator):
    """A timezone-aware datetime stored as fixed-width UTC text.

    ``2026-11-21T20:55:00.000000+00:00`` sorts as text in time order, so range
    queries on it use indexes. Naive datetimes are refused: a bug, not data.
    """

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value)
