from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.types import String, TypeDecorator


class AwareDateTime(TypeDecorator):
    """A timezone-aware datetime stored as fixed-width UTC text.

    ``2026-11-21T20:55:00.000000+00:00`` sorts as text in time order, so range
    queries on it use indexes. Naive datetimes are refused: a bug, not data.

    On PostgreSQL it is a ``timestamptz``: the server keeps the instant itself.
    """

    impl = String(32)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            from sqlalchemy.types import TIMESTAMP

            return dialect.type_descriptor(TIMESTAMP(timezone=True))
        return dialect.type_descriptor(String(32))

    def process_bind_param(self, value: datetime | None, dialect) -> str | datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        if dialect.name == "postgresql":
            return value.astimezone(UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return datetime.fromisoformat(value)


def Cents():
    """Money in cents: INTEGER on SQLite (64-bit already), BIGINT on PostgreSQL (its INTEGER is 32-bit)."""
    from sqlalchemy.types import BigInteger, Integer

    return Integer().with_variant(BigInteger(), "postgresql")
