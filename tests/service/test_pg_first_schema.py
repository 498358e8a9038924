"""A household made by the first chorectl with PostgreSQL (schema 6) opens with this one (issue 15).

The fixture is a pg_dump of that household (tests/fixtures/README.md). Loaded into
a fresh schema, this chorectl upgrades it when its own schema is newer (the path
SQLite's files have had since schema 1), and the result has every row, the same
balances, its roles, and exactly the schema a new household gets.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from chorectl.db import schema
from chorectl.db.engine import SCHEMA_VERSION, ensure_schema, make_engine
from chorectl.db.postgres import household_roles
from chorectl.services import members
from chorectl.services.uow import UnitOfWork
from tests import pg


@pytest.fixture
def first(pg_server):
    engine = make_engine(pg.load_first_schema(pg_server), create=False)
    yield engine
    engine.dispose()


def test_the_first_postgresql_schema_opens_whole(first):
    upgraded = ensure_schema(first)
    if SCHEMA_VERSION == 6:
        assert upgraded is None
    else:
        assert (upgraded.from_version, upgraded.to_version) == (6, SCHEMA_VERSION)
    with first.connect() as conn:
        assert schema.differences(conn) == []
        assert household_roles(conn) == ("chorectl_parent", "chorectl_child")
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ("ledger", "audit", "completion")
        }
    assert counts == {"ledger": 3, "audit": 19, "completion": 3}
    rows = members.listing(UnitOfWork(first))
    assert [(row.name, row.balance) for row in rows] == [("Amy", 50), ("Ben", 125)]
