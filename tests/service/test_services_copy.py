"""Moving a household between databases (issue 15: ``chorectl copy``), without Typer.

Each test runs twice (the backend fixture): a household on SQLite copied into a
PostgreSQL schema, and a household on PostgreSQL copied into a new SQLite file.
Every table is compared row for row, read through the models' own types.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from chorectl.db import dialect
from chorectl.db.engine import ensure_schema, make_engine
from chorectl.errors import BadInput, InvalidState, StorageError
from chorectl.services import household, ledger, members, storage
from chorectl.services.uow import UnitOfWork
from tests.service.test_services_core import NOW, World, bound

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def source(tmp_path, backend) -> World:
    """A household with some of everything: members (one archived), chores (one archived, a pool one,
    a recurring one), completions of each status, every kind of ledger entry, a log."""
    world = World(tmp_path / "source.db" if not backend.postgres else backend.location)
    household.initialise(world.w(), currency="€", now=NOW, store_pin=bound)
    for name in ("Amy", "Ben", "Zoë"):
        world.member(name)
    world.member("Mum", "parent")
    world.chore("Dishes", "1.50", assign=["Amy"], note="tous les jours, ça")
    world.chore("Bins", "0.50-2", assign=["Amy", "Ben"])
    world.chore("Pool", "3")
    world.chore("Old", "1")
    done = world.done("Dishes")
    world.approve(done.id)
    second = world.done("Bins", who="Ben", now=NOW + timedelta(minutes=1))
    world.reject(second.id, reason="not done")
    world.done("Pool", who="Ben")
    world.bonus("Amy", 25)
    world.bonus("Ben", -10)
    ledger.pay(world.w(), "Amy", 100, note="cash", now=NOW + timedelta(hours=1))
    from chorectl.services import chores

    chores.remove(world.w(), "Old", now=NOW)
    members.remove(world.w(), "Zoë", now=NOW)
    yield world
    world.engine.dispose()


@pytest.fixture
def target(tmp_path, backend, request) -> str | Path:
    """The other backend: a fresh PostgreSQL schema for a SQLite household, a new file for a server's."""
    if backend.postgres:
        return tmp_path / "copy.db"
    return request.getfixturevalue("pg_server").new_household()


def every_row(location) -> dict[str, list[tuple]]:
    """Every row of every table of the models, by the models' types (times, dates, booleans as Python has them)."""
    from chorectl.db import models  # noqa: F401

    engine = make_engine(location, create=False)
    try:
        with engine.connect() as conn:
            return {
                table.name: [
                    tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                ]
                for table in SQLModel.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def balances(location) -> list:
    engine = make_engine(location, create=False)
    try:
        return ledger.balances(UnitOfWork(engine))
    finally:
        engine.dispose()


def copy(world: World, target, *, now=NOW) -> storage.CopyDone:
    return storage.copy(world.r(), world.path, target, now=now)


def tables_in(location) -> list[str]:
    engine = make_engine(location, create=True)
    try:
        with engine.connect() as conn:
            stamp = dialect.of(conn).read_stamp(conn)
            return [] if not stamp.has_tables else sorted(SQLModel.metadata.tables)
    finally:
        engine.dispose()


def test_copy_holds_every_row_every_balance_and_the_log(source, target):
    before = every_row(source.path)
    done = copy(source, target)
    after = every_row(target)
    assert every_row(source.path) == before  # the source is not changed
    assert set(after) == set(before)
    for table in before:
        if table == "audit":
            continue
        assert after[table] == before[table], table
    assert before["ledger"] and before["ledger_total"] and before["completion"]  # the household is not trivial
    # The log: every line as it was, ids and all, then one saying where the copy came from
    # (and, on a server, one for the roles it was given, as init gives them).
    extra = after["audit"][len(before["audit"]) :]
    assert after["audit"][: len(before["audit"])] == before["audit"]
    assert [line[3] for line in extra] == (["copy", "roles"] if dialect.is_url(target) else ["copy"])
    last = extra[0]
    assert last[0] == before["audit"][-1][0] + 1
    assert (last[1], last[2], last[3]) == (NOW, "Mum", "copy")
    assert last[4] == f"from {dialect.at(source.path).display(source.path)}"
    assert balances(target) == balances(source.path)
    assert done.household_id == before["household"][0][0]
    assert done.rows["ledger"] == len(before["ledger"]) and done.rows["audit"] == len(before["audit"])
    assert done.roles == (("chorectl_parent", "chorectl_child") if dialect.is_url(target) else None)


def test_the_copy_is_a_household_that_goes_on(source, target):
    """New rows take the ids after the copied ones (a server's sequences are set past them)."""
    copy(source, target)
    there = World(target)
    try:
        assert there.member("Cleo").id == 5
        assert there.chore("New", "1", assign=["Cleo"]).id == 5
        entry = there.bonus("Cleo", 5)
        assert entry is not None
        assert max(r[0] for r in there.sql("SELECT id FROM ledger")) == len(every_row(source.path)["ledger"]) + 1
        assert there.balance("Cleo") == 5
    finally:
        there.engine.dispose()


def test_a_copy_goes_only_into_an_empty_target(source, target):
    copy(source, target)
    before = every_row(target)
    with pytest.raises(InvalidState, match=r"already holds a chorectl household|exists already"):
        copy(source, target)
    assert every_row(target) == before


def test_a_copy_and_back_again_is_the_same_household(source, target, tmp_path, backend, request):
    copy(source, target)
    there = World(target)
    back = request.getfixturevalue("pg_server").new_household() if backend.postgres else tmp_path / "back.db"
    storage.copy(there.r(), target, back, now=NOW + timedelta(minutes=5))
    there.engine.dispose()
    original, returned = every_row(source.path), every_row(back)
    for table in original:
        if table != "audit":
            assert returned[table] == original[table], table
    assert returned["audit"][: len(original["audit"])] == original["audit"]
    # Each copy's line; a copy onto a server also gives it the household's roles, as init does.
    assert [line[3] for line in returned["audit"][len(original["audit"]) :]] == (
        ["copy", "copy", "roles"] if backend.postgres else ["copy", "roles", "copy"]
    )
    # A household like one init makes: chorectl opens it without upgrading or repairing anything.
    engine = make_engine(back, create=False)
    try:
        assert ensure_schema(engine, back if isinstance(back, Path) else None) is None
        from chorectl.db import schema

        with engine.connect() as conn:
            assert schema.differences(conn) == []
    finally:
        engine.dispose()


def test_balances_that_do_not_add_up_copy_nothing(source, target, tmp_path):
    """A failure after every row was written (the rebuilt totals differ from the source's) leaves the target empty."""
    source.raw_write("UPDATE ledger_total SET total = total + 1 WHERE member_id = 1 AND kind = 'reward'")
    with pytest.raises(InvalidState, match=r"wrote nothing: the copied ledger does not add up.*member 1, reward"):
        copy(source, target)
    assert_empty(target, tmp_path)


def assert_empty(target, tmp_path: Path) -> None:
    if isinstance(target, Path):
        assert not target.exists()
        assert sorted(p.name for p in target.parent.iterdir() if p.name.startswith(".copy")) == []
    else:
        assert tables_in(target) == []


def test_a_target_that_refuses_half_way_keeps_nothing(source, target, tmp_path, backend):
    """An object already in the way fails the copy once its tables are made: not one is left."""
    if isinstance(target, Path):
        pytest.skip("a new file has nothing in the way")
    engine = make_engine(target, create=True)
    with dialect.writing(engine).begin() as conn:
        # The guards' function, made last, once every table is there (a function is no table: not refused up front).
        conn.exec_driver_sql("CREATE FUNCTION chorectl_refuse() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    engine.dispose()
    with pytest.raises(StorageError, match="wrote nothing"):
        copy(source, target)
    assert tables_in(target) == []


def test_a_file_target_is_never_replaced(source, tmp_path, backend):
    if not backend.postgres:
        pytest.skip("a server's household into a file")
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"my notes")
    with pytest.raises(InvalidState, match="exists already"):
        copy(source, taken)
    assert taken.read_bytes() == b"my notes"
    empty = tmp_path / "empty.db"
    empty.touch()
    copy(source, empty)  # an empty file is taken
    assert every_row(empty)["ledger"] == every_row(source.path)["ledger"]


def test_a_server_that_holds_other_tables_is_refused(source, backend, request):
    if backend.postgres:
        pytest.skip("a SQLite household into a server")
    server = request.getfixturevalue("pg_server")
    url = server.new_household()
    schema = url.rpartition("%3D")[2]
    server.psql(f"CREATE TABLE {schema}.notes (x int)")
    with pytest.raises(InvalidState, match="already holds tables"):
        copy(source, url)
    assert server.psql(f"SELECT count(*) FROM pg_tables WHERE schemaname = '{schema}'").strip() == "1"


def test_backup_of_a_server_household_is_a_sqlite_file_restore_reads(source, tmp_path, backend):
    if not backend.postgres:
        pytest.skip("backup of a server's household")
    file = tmp_path / "backup.db"
    storage.backup(source.path, file)
    candidate = storage.inspect(file)  # what restore checks: a sound chorectl SQLite file of this schema
    assert candidate.household_id == every_row(source.path)["household"][0][0]
    original, copied = every_row(source.path), every_row(file)
    assert copied == original  # a backup adds no line to the log
    with pytest.raises(InvalidState, match="exists already"):
        storage.backup(source.path, file)
    storage.backup(source.path, file, force=True)


def test_the_log_never_names_a_password():
    from chorectl.db import postgres

    shown = postgres.display("postgresql+psycopg://amy:secret@db.example/home?password=also&sslmode=require")
    assert "secret" not in shown and "also" not in shown
    assert shown == "postgresql+psycopg://amy@db.example/home?sslmode=require"
    plain = "postgresql+psycopg://postgres@/chorectl?host=/run/x&options=-csearch_path%3Dt1"
    assert postgres.display(plain) == plain


def test_a_url_with_a_password_is_refused_before_anything(source, tmp_path, backend):
    if backend.postgres:
        pytest.skip("once is enough")
    with pytest.raises(BadInput, match="password"):
        copy(source, "postgresql+psycopg://amy:secret@/chorectl?host=/nowhere")


def test_a_copy_into_a_file_never_holds_the_pins_verifier(tmp_path, backend):
    """A shared household's verifier and machines stay on the server: a file a child can read gets neither."""
    if not backend.postgres:
        pytest.skip("a SQLite household has no verifier to leave out")
    world = World(backend.location)
    hashed = "$2b$04$" + "V" * 53  # stands for the PIN's bcrypt hash
    household.initialise(world.w(), currency="$", now=NOW, store_pin=bound, hashed=hashed)
    assert world.sql("SELECT count(*) FROM pin_verifier") == [(1,)]
    target = tmp_path / "family.db"
    from chorectl.db.transfer import copy_household

    copy_household(world.path, target)
    rows = every_row(target)
    assert rows["pin_verifier"] == [] and rows["pin_keyring"] == []
    assert b"VVVVVVVVVVVVVVVV" not in target.read_bytes()
    world.engine.dispose()
