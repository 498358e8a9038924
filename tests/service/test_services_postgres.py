"""What PostgreSQL itself guarantees for a household (issue 15): guards, the write lock, the schema check."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import text

from chorectl.db import dialect, schema
from chorectl.db.engine import ensure_schema, make_engine
from chorectl.errors import StorageError
from chorectl.services import household, ledger, members
from chorectl.services.auth import Binding
from chorectl.services.uow import UnitOfWork
from tests import pg

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def home(pg_server):
    url = pg_server.new_household()
    engine = make_engine(url)
    ensure_schema(engine)
    household.initialise(
        UnitOfWork(engine, write=True), currency="$", now=NOW, store_pin=lambda _id: Binding("here", "f" * 32)
    )
    members.add(UnitOfWork(engine, write=True), "Amy", "child", now=NOW)
    ledger.adjust(UnitOfWork(engine, write=True), "Amy", 250, reason="stars", now=NOW)
    yield url, engine
    engine.dispose()


def driver(url: str) -> psycopg.Connection:
    return pg.connect(url)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE ledger SET amount = 1", "DELETE FROM ledger", "TRUNCATE ledger CASCADE", "TRUNCATE audit CASCADE"],
)
def test_the_ledger_and_log_refuse_changes_from_any_client(home, statement):
    url, engine = home
    with driver(url) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute(statement)
    assert members.balance_of(UnitOfWork(engine).__enter__(), 1) == 250


def test_the_running_totals_are_the_ledgers_sums(home):
    url, _ = home
    with driver(url) as conn:
        conn.execute("INSERT INTO ledger (at, member_id, kind, amount) VALUES (now(), 1, 'penalty', -75)")
        totals = conn.execute("SELECT kind, total, entries FROM ledger_total ORDER BY kind").fetchall()
    assert totals == [("bonus", 250, 1), ("penalty", -75, 1)]


def test_a_function_rewritten_to_do_nothing_or_a_dropped_trigger_is_found(home):
    url, engine = home
    with engine.connect() as conn:
        assert schema.differences(conn) == []
    with driver(url) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION chorectl_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
        )
        conn.execute("DROP TRIGGER ledger_total_add ON ledger")
    with engine.connect() as conn:
        found = schema.differences(conn)
    assert "trigger ledger_no_update is altered" in found
    assert "trigger ledger_total_add is missing" in found


def test_the_schema_check_does_not_wait_for_the_lock_its_caller_holds(home):
    """An upgrade checks its result while holding the household's write lock."""
    _, engine = home
    with dialect.writing(engine.connect()) as conn, conn.begin():
        assert schema.differences(conn) == []


def test_writers_queue_on_the_households_lock_and_readers_do_not(home):
    _, engine = home
    holding, release = threading.Event(), threading.Event()
    order = []

    def first():
        with UnitOfWork(engine, write=True) as uow:
            uow.session.execute(text("SELECT 1"))
            holding.set()
            release.wait(10)
            order.append("first")
            uow.commit()

    thread = threading.Thread(target=first)
    thread.start()
    holding.wait(10)
    with UnitOfWork(engine) as uow:  # a reader goes on
        assert members.balance_of(uow, 1) == 250
    order.append("reader")

    def second():
        ledger.adjust(UnitOfWork(engine, write=True), "Amy", 100, reason="later", now=NOW)
        order.append("second")

    other = threading.Thread(target=second)
    other.start()
    other.join(0.5)
    assert other.is_alive()  # waits for the first writer
    release.set()
    thread.join(10)
    other.join(10)
    assert order == ["reader", "first", "second"]


def test_a_writer_that_waits_too_long_is_one_error(home, monkeypatch):
    url, engine = home
    from chorectl.db import postgres

    monkeypatch.setattr(postgres, "LOCK_TIMEOUT_MS", 200)
    impatient = make_engine(url, create=False)
    with dialect.writing(engine.connect()) as conn, conn.begin():
        with pytest.raises(StorageError, match="stayed busy"):
            ledger.adjust(UnitOfWork(impatient, write=True), "Amy", 100, reason="x", now=NOW)
    impatient.dispose()


def test_two_households_in_one_database_never_wait_for_each_other(pg_server, home):
    _, engine = home
    other = make_engine(pg_server.new_household())
    ensure_schema(other)
    with dialect.writing(engine.connect()) as conn, conn.begin():
        household.initialise(
            UnitOfWork(other, write=True), currency="€", now=NOW, store_pin=lambda _id: Binding("here", "e" * 32)
        )
    other.dispose()
