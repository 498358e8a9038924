"""The parent PIN on a second machine (issue 15): ``join`` as a service, two machines as two keyrings.

On PostgreSQL each machine keeps the household's PIN hash in its own keyring;
a second one joins by the PIN, checked against the verifier in the database.
On a SQLite file nothing of that is written, and join is refused. Each machine
here is a keyring of its own class, so the two have different locations, as
two computers' keyrings do.
"""

from __future__ import annotations

from datetime import UTC, datetime

import keyring
import pytest

from chorectl.db.engine import SCHEMA_VERSION, ensure_schema, make_engine
from chorectl.errors import Denied, InvalidState
from chorectl.security import keystore
from chorectl.services import auth, doctor, gate, pins
from chorectl.services.uow import UnitOfWork
from tests.conftest import MemoryKeyring
from tests.helpers import BEFORE_SCHEMA_7, query

NOW = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
PIN, NEW_PIN = "2468", "8642"


class KitchenKeyring(MemoryKeyring):
    """Machine A's OS keyring."""


class LaptopKeyring(MemoryKeyring):
    """Machine B's OS keyring."""


class Machine:
    """One computer: its own OS keyring (and its own data folder, for a file keyring)."""

    def __init__(self, ring: MemoryKeyring, data: str) -> None:
        self.ring, self.data = ring, data

    def use(self, monkeypatch: pytest.MonkeyPatch) -> Machine:
        keyring.set_keyring(self.ring)
        monkeypatch.setenv("XDG_DATA_HOME", self.data)
        return self

    def hash(self, household_id: str) -> str | None:
        return self.ring.get_password(keystore.SERVICE, household_id)


@pytest.fixture
def machines(tmp_path):
    return Machine(KitchenKeyring(), str(tmp_path / "a")), Machine(LaptopKeyring(), str(tmp_path / "b"))


@pytest.fixture
def shared(pg_server, isolated, monkeypatch) -> str:
    """A household's place on this run's PostgreSQL server: a database several machines share."""
    location = pg_server.new_household()
    monkeypatch.setenv("CHORECTL_DB", location)
    return location


def opener(location: str):
    engine = make_engine(location, create=True)
    ensure_schema(engine, None)
    return engine, lambda write=False, actor="parent": UnitOfWork(engine, write=write, actor=actor)


@pytest.fixture
def open_uow(shared):
    engine, open_uow = opener(shared)
    yield open_uow
    engine.dispose()


@pytest.fixture
def open_file(isolated):
    """A household in the test's SQLite file (CHORECTL_DB)."""
    import os

    engine, open_uow = opener(os.environ["CHORECTL_DB"])
    yield open_uow
    engine.dispose()


def pin_as(pin: str) -> gate.PinSource:
    return gate.PinSource(env=pin)


def init(open_uow, kind: str = "system") -> str:
    return pins.initialise(open_uow, currency="$", keyring=kind, hashed=pins.hash_new(PIN), now=NOW)


def parent(open_uow, pin: str = PIN) -> None:
    gate.require_parent(open_uow, pin_as(pin), command="chorectl pay")


def join(open_uow, pin: str = PIN, kind: str = "system") -> str:
    return pins.join(open_uow, keyring=kind, pin=pin_as(pin), command="chorectl join")


def failed(open_uow) -> int:
    return auth.gate(open_uow()).failed_pins


def checks(open_uow) -> dict[str, doctor.Check]:
    return {c.name: c for c in doctor.run(open_uow(), "db")}


def test_a_second_machine_joins_with_the_households_pin_and_then_passes_the_gate(open_uow, machines, monkeypatch):
    a, b = machines
    a.use(monkeypatch)
    home = init(open_uow)
    (verifier,) = query("SELECT household_id, hash FROM pin_verifier")
    assert verifier == (home, a.hash(home))

    b.use(monkeypatch)
    with pytest.raises(Denied, match="has not joined") as refused:
        parent(open_uow)
    assert "chorectl join" in refused.value.hint
    assert failed(open_uow) == 0  # never checked: not a wrong PIN
    assert checks(open_uow)["parent PIN"].status == "fail"

    join(open_uow)
    assert b.hash(home) == a.hash(home)  # the same hash: verified, not replaced
    assert query("SELECT hash FROM pin_verifier") == [(a.hash(home),)]
    assert sorted(r[0] for r in query("SELECT location FROM pin_keyring")) == [
        "tests.service.test_services_join.KitchenKeyring",
        "tests.service.test_services_join.LaptopKeyring",
    ]
    parent(open_uow)
    assert all(c.status == "ok" for c in checks(open_uow).values()), checks(open_uow)
    a.use(monkeypatch)
    parent(open_uow)  # the first machine is unchanged
    actions = [r[0] for r in query("SELECT action FROM audit ORDER BY id")]
    assert actions.count("pin join") == 1


def test_a_wrong_pin_at_join_counts_and_locks_as_any_wrong_pin(open_uow, machines, monkeypatch):
    a, b = machines
    a.use(monkeypatch)
    home = init(open_uow)
    b.use(monkeypatch)
    with pytest.raises(Denied, match="wrong parent PIN"):
        join(open_uow, "1357")
    assert failed(open_uow) == 1 and b.hash(home) is None
    assert query("SELECT count(*) FROM pin_keyring") == [(1,)]
    for _ in range(2):
        with pytest.raises(Denied, match="wrong parent PIN"):
            join(open_uow, "1357")
    with pytest.raises(Denied, match="locked"):
        join(open_uow)  # the right PIN waits out the lockout too
    assert b.hash(home) is None
    assert [r[0] for r in query("SELECT action FROM audit WHERE substr(action, 1, 4) = 'pin ' ORDER BY id")] == [
        "pin failed",
        "pin failed",
        "pin failed",
        "pin refused",
    ]


def test_a_pin_changed_on_one_machine_is_refused_on_the_other_until_it_joins_again(open_uow, machines, monkeypatch):
    a, b = machines
    a.use(monkeypatch)
    home = init(open_uow)
    b.use(monkeypatch)
    join(open_uow)

    a.use(monkeypatch)
    parent(open_uow)
    pins.change(open_uow, hashed=pins.hash_new(NEW_PIN), now=NOW)
    assert query("SELECT hash FROM pin_verifier") == [(a.hash(home),)]

    b.use(monkeypatch)
    for pin in (PIN, NEW_PIN):  # neither the old PIN nor the new one: the keyring here is stale
        with pytest.raises(Denied, match="changed on another machine") as refused:
            parent(open_uow, pin)
        assert refused.value.exit_code == 3 and "chorectl join" in refused.value.hint
    assert failed(open_uow) == 0
    pin_check = checks(open_uow)["parent PIN"]
    assert pin_check.status == "fail" and "changed on another machine" in pin_check.detail

    with pytest.raises(Denied, match="wrong parent PIN"):
        join(open_uow, PIN)  # the old PIN no longer joins
    join(open_uow, NEW_PIN)
    assert b.hash(home) == a.hash(home)
    parent(open_uow, NEW_PIN)
    assert failed(open_uow) == 0
    a.use(monkeypatch)
    parent(open_uow, NEW_PIN)


def test_a_machine_without_an_os_keyring_joins_with_the_file_keyring(open_uow, machines, monkeypatch):
    a, b = machines
    a.use(monkeypatch)
    home = init(open_uow)  # the OS keyring on the first machine
    b.use(monkeypatch)
    assert "file keyring" in join(open_uow, kind="file")
    assert keystore.read("file", home, "test") == a.hash(home) and b.hash(home) is None
    parent(open_uow)  # the gate finds this machine's keyring by what joined
    assert gate.keyring_here(auth.gate(open_uow()), auth.keyrings(open_uow())) == "file"
    pins.change(open_uow, hashed=pins.hash_new(NEW_PIN), now=NOW)  # into the file keyring, where it lives
    assert keystore.read("file", home, "test") == query("SELECT hash FROM pin_verifier")[0][0]
    assert checks(open_uow)["parent PIN"].status == "ok"
    a.use(monkeypatch)
    with pytest.raises(Denied, match="changed on another machine"):
        parent(open_uow, NEW_PIN)


def test_a_hash_swapped_in_a_joined_keyring_is_refused(open_uow, machines, monkeypatch):
    a, b = machines
    a.use(monkeypatch)
    home = init(open_uow)
    b.use(monkeypatch)
    join(open_uow)
    b.ring.set_password(keystore.SERVICE, home, pins.hash_new("0101"))  # a child's own PIN
    with pytest.raises(Denied, match="not the household's current one"):
        parent(open_uow, "0101")


def test_a_shared_household_from_before_the_verifier_keeps_one_at_its_next_right_pin(
    open_uow, machines, monkeypatch, pg_server, shared
):
    a, b = machines
    a.use(monkeypatch)
    home = init(open_uow)
    schema = shared.rpartition("%3D")[2]
    pg_server.psql(f"DELETE FROM {schema}.pin_verifier; DELETE FROM {schema}.pin_keyring")  # as schema 5 had it
    b.use(monkeypatch)
    with pytest.raises(InvalidState, match="no PIN verifier yet"):
        join(open_uow)
    a.use(monkeypatch)
    parent(open_uow)
    assert query("SELECT hash FROM pin_verifier") == [(a.hash(home),)]
    b.use(monkeypatch)
    join(open_uow)
    parent(open_uow)


def test_on_a_sqlite_file_nothing_is_kept_and_join_is_refused(open_file):
    import os

    open_uow = open_file
    init(open_uow)
    parent(open_uow)
    pins.change(open_uow, hashed=pins.hash_new(NEW_PIN), now=NOW)
    parent(open_uow, NEW_PIN)
    assert query("SELECT count(*) FROM pin_verifier") == [(0,)]
    assert query("SELECT count(*) FROM pin_keyring") == [(0,)]
    assert auth.keyrings(open_uow()) is None
    with pytest.raises(InvalidState, match="nothing to join"):
        pins.can_join(os.environ["CHORECTL_DB"])
    with pytest.raises(InvalidState, match="nothing to join"):
        join(open_uow, NEW_PIN)
    assert failed(open_uow) == 0


def test_the_lockout_is_settled_before_join_asks_for_a_pin(open_uow, machines, monkeypatch):
    a, b = machines
    a.use(monkeypatch)
    init(open_uow)
    for _ in range(3):
        with pytest.raises(Denied):
            parent(open_uow, "1357")
    b.use(monkeypatch)
    asked = []
    with pytest.raises(Denied, match="locked"):
        pins.join(open_uow, keyring="system", pin=gate.PinSource(ask=lambda: asked.append(1) or PIN), command="j")
    assert asked == []


# ---------------------------------------------------------------- the schema step 5 -> 6


def test_schema_5_upgrades_to_6_with_empty_pin_tables(backend, pg_server_if_postgres):
    """A database as schema 5 left it (the current one, less what 6 adds) upgrades in place,
    to exactly the schema a new one gets."""
    from chorectl.db import schema

    engine = make_engine(backend.location, create=True)
    try:
        ensure_schema(engine, None)
        with UnitOfWork(engine, write=True) as uow:
            uow.record("before", "a line from schema 5", at=NOW)
            uow.commit()
        engine.dispose()
        if backend.postgres:
            name = backend.location.rpartition("%3D")[2]
            pg_server_if_postgres.psql(
                f"SET search_path = {name}; DROP TABLE pin_verifier; DROP TABLE pin_keyring;"
                f" {'; '.join(BEFORE_SCHEMA_7)}; UPDATE chorectl_stamp SET version = 5"
            )
        else:
            for statement in BEFORE_SCHEMA_7:
                query(statement)
            query("DROP TABLE pin_verifier")
            query("DROP TABLE pin_keyring")
            query("PRAGMA user_version = 5")
        upgraded = ensure_schema(engine, None)
        assert (upgraded.from_version, upgraded.to_version) == (5, SCHEMA_VERSION) == (5, 7)
        assert query("SELECT count(*) FROM pin_verifier") == [(0,)]
        assert query("SELECT action FROM audit") == [("before",)]
        with engine.connect() as conn:
            assert schema.differences(conn) == []
            conn.rollback()
    finally:
        engine.dispose()


@pytest.fixture
def pg_server_if_postgres(request, backend):
    return request.getfixturevalue("pg_server") if backend.postgres else None
