"""The household's database roles as services, on PostgreSQL only (issue 15: "roles as the real wall").

The owner (the test cluster's superuser) makes the household and its roles; then
login roles given the child or the parent role connect through the URL's user,
and the database, not the PIN, decides what each may do.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from chorectl.db.engine import ensure_schema, make_engine
from chorectl.domain.money import Reward
from chorectl.errors import BadInput, Denied, LoginDenied
from chorectl.security import keystore
from chorectl.security.pin import hash_pin
from chorectl.services import chores, completions, gate, household, ledger, members, roles
from chorectl.services.auth import Binding
from chorectl.services.uow import UnitOfWork
from tests.helpers import BEFORE_SCHEMA_7, query

NOW = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
PIN = "2468"
_logins = itertools.count(1)


class Household:
    """A household in its own schema, made by the owner, with a child login and a parent login."""

    def __init__(self, server, *, parent: str = roles.PARENT_ROLE, child: str = roles.CHILD_ROLE) -> None:
        self.server = server
        self.owner_url = server.new_household()
        self.schema = self.owner_url.rpartition("%3D")[2]
        self.engines = []
        owner = self.engine(self.owner_url)
        ensure_schema(owner)
        self.roles = roles.setup(UnitOfWork(owner, write=True), parent=parent, child=child, now=NOW)
        hashed = hash_pin(PIN)

        def store(household_id: str) -> Binding:
            keystore.set_hash("system", household_id, hashed)
            return Binding(keystore.location("system"), keystore.fingerprint(household_id, hashed))

        household.initialise(UnitOfWork(owner, write=True), currency="€", now=NOW, store_pin=store)
        members.add(UnitOfWork(owner, write=True), "Amy", "child", now=NOW)
        members.add(UnitOfWork(owner, write=True), "Mum", "parent", now=NOW)
        chores.add(
            UnitOfWork(owner, write=True), "Dishes", reward=Reward(150, 150), assign=["Amy"], due=None, note=None,
            now=NOW,
        )  # fmt: skip
        n = next(_logins)
        self.kid, self.mum = f"kid_{self.schema}_{n}", f"mum_{self.schema}_{n}"
        server.psql(
            f"CREATE ROLE {self.kid} LOGIN; GRANT {self.roles.child} TO {self.kid};"
            f" CREATE ROLE {self.mum} LOGIN; GRANT {self.roles.parent} TO {self.mum};"
        )
        self.owner = owner
        self.child = self.engine(self.login(self.kid))
        self.parent = self.engine(self.login(self.mum))

    def login(self, user: str) -> str:
        return self.server.url(user=user, schema=self.schema)

    def engine(self, url: str):
        engine = make_engine(url, create=True)
        self.engines.append(engine)
        return engine

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()


@pytest.fixture
def home(pg_server, monkeypatch):
    made = Household(pg_server)
    monkeypatch.setenv("CHORECTL_DB", made.owner_url)  # tests.helpers.query reads it, as the owner
    yield made
    made.close()


def uow(engine, **kwargs) -> UnitOfWork:
    return UnitOfWork(engine, **kwargs)


def test_a_child_login_marks_done_and_reads_what_a_child_sees(home):
    done = completions.done(uow(home.child, write=True, actor="Amy"), "Dishes", member=None, now=NOW)
    assert done.completion.status == "pending"
    assert [r.member for r in completions.pending(uow(home.child))] == ["Amy"]
    assert {r.name for r in members.listing(uow(home.child))} == {"Amy", "Mum"}
    assert [r.title for r in chores.listing(uow(home.child), today=NOW.date())] == ["Dishes"]
    with uow(home.child) as inside:
        assert household.currency(inside) == "€"
    completions.approve(uow(home.parent, write=True), [done.completion.id], now=NOW)
    assert [(r.member, r.balance) for r in ledger.balances(uow(home.child))] == [("Amy", 150)]
    assert query("SELECT actor FROM audit WHERE action = 'done'") == [("Amy",)]


@pytest.mark.parametrize(
    "attempt",
    [
        lambda h, ids: completions.approve(uow(h.child, write=True), ids, now=NOW),
        lambda h, ids: completions.reject(uow(h.child, write=True), ids, reason=None, now=NOW),
        lambda h, ids: ledger.pay(uow(h.child, write=True), "Amy", 100, note=None, now=NOW),
        lambda h, ids: ledger.adjust(uow(h.child, write=True), "Amy", 100, reason="x", now=NOW),
        lambda h, ids: list(ledger.entries(uow(h.child))),
        lambda h, ids: list(__import__("chorectl.services.audit").services.audit.entries(uow(h.child))),
        lambda h, ids: members.add(uow(h.child, write=True), "Zed", "child", now=NOW),
    ],
    ids=["approve", "reject", "pay", "adjust", "ledger", "log", "member add"],
)
def test_the_database_refuses_a_child_login_the_parent_s_work(home, attempt):
    ledger.adjust(uow(home.parent, write=True), "Amy", 500, reason="pocket money", now=NOW)
    done = completions.done(uow(home.child, write=True, actor="Amy"), "Dishes", member=None, now=NOW)
    before = query("SELECT status, reward FROM completion"), query("SELECT count(*) FROM ledger")
    with pytest.raises(LoginDenied) as refused:
        attempt(home, [done.completion.id])
    assert refused.value.exit_code == 3
    assert refused.value.reason.startswith(("permission denied for table", "new row violates row-level security"))
    assert refused.value.for_command("approve").message == "this database login cannot approve; connect as a parent"
    assert (query("SELECT status, reward FROM completion"), query("SELECT count(*) FROM ledger")) == before


def failed_pins() -> int:
    return query("SELECT failed_pins FROM household")[0][0]


@pytest.mark.parametrize("given", [PIN, "0000"])
def test_the_pin_gate_refuses_a_child_login_and_leaves_the_count_alone(home, given):
    """Right or wrong, the PIN changes nothing for a child's login: it may not read or write the
    PIN's bookkeeping, so it can neither pass the gate nor reset (or raise) the wrong-PIN count."""
    owner = lambda write=False, actor="parent": uow(home.owner, write=write, actor=actor)  # noqa: E731
    with pytest.raises(Denied):
        gate.require_parent(owner, gate.PinSource(env="0000"), command="test")
    assert failed_pins() == 1
    child = lambda write=False, actor="parent": uow(home.child, write=write, actor=actor)  # noqa: E731
    with pytest.raises(LoginDenied):
        gate.require_parent(child, gate.PinSource(env=given), command="chorectl approve")
    assert failed_pins() == 1
    gate.require_parent(owner, gate.PinSource(env=PIN), command="test")  # the owner's right PIN still clears it
    assert failed_pins() == 0


def test_a_parent_login_passes_the_gate_and_does_the_daily_loop(home):
    parent = lambda write=False, actor="parent": uow(home.parent, write=write, actor=actor)  # noqa: E731
    gate.require_parent(parent, gate.PinSource(env=PIN), command="test")
    done = completions.done(parent(write=True, actor="Amy"), "Dishes", member=None, now=NOW)
    completions.approve(parent(write=True), [done.completion.id], now=NOW)
    ledger.pay(parent(write=True), "Amy", 50, note=None, now=NOW)
    ledger.adjust(parent(write=True), "Amy", 25, reason="tidy room", now=NOW)
    chores.assign(parent(write=True), ["Dishes"], [], now=NOW)  # deletes the assignment row
    assert [r.balance for r in ledger.balances(parent())] == [125]
    assert len(list(ledger.entries(parent()))) == 3


def test_roles_sql_names_the_schema_and_changes_nothing(home):
    statements = roles.sql(home.owner_url, parent="sql_only_parent", child="sql_only_child")
    assert all(s.endswith(";") for s in statements)
    assert any(f'GRANT USAGE ON SCHEMA "{home.schema}"' in s for s in statements)
    assert any("pin_fingerprint" in s for s in statements) is False  # the child's columns are listed; not these
    assert home.server.psql("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'sql_only_%'").strip() == "0"


def test_a_second_household_reuses_the_roles(pg_server, home):
    oids = "SELECT rolname, oid FROM pg_roles WHERE rolname IN ('chorectl_parent', 'chorectl_child') ORDER BY 1"
    before = pg_server.psql(oids)
    second = Household(pg_server)
    try:
        assert pg_server.psql(oids) == before
        assert completions.done(uow(second.child, write=True, actor="Amy"), "Dishes", member=None, now=NOW)
        # The first household's grants are untouched by the second's.
        assert completions.done(uow(home.child, write=True, actor="Amy"), "Dishes", member=None, now=NOW)
    finally:
        second.close()


def test_a_household_can_have_roles_of_its_own_names(pg_server):
    made = Household(pg_server, parent="smith_parent", child="smith_child")
    try:
        assert completions.done(uow(made.child, write=True, actor="Amy"), "Dishes", member=None, now=NOW)
        with pytest.raises(LoginDenied):
            completions.approve(uow(made.child, write=True), [], everything=True, now=NOW)
    finally:
        made.close()


@pytest.mark.parametrize(("parent", "child"), [("Parents", "kids"), ("pg_parent", "kids"), ("same", "same")])
def test_role_names_are_checked(home, parent, child):
    with pytest.raises(BadInput):
        roles.sql(home.owner_url, parent=parent, child=child)


def test_a_login_that_owns_nothing_cannot_set_up_roles(home):
    with pytest.raises(Denied, match="cannot set up the roles"):
        roles.setup(uow(home.parent, write=True), now=NOW)


def test_a_file_database_has_no_roles(tmp_path):
    assert not roles.has_roles(tmp_path / "x.db")
    with pytest.raises(BadInput, match="PostgreSQL"):
        roles.sql(tmp_path / "x.db")
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("table", ["pin_verifier", "pin_keyring"])
def test_a_child_login_cannot_read_the_pins_verifier_or_the_machines(home, table):
    from sqlalchemy.exc import ProgrammingError

    with home.child.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.exec_driver_sql(f"SELECT * FROM {table}")
    with home.parent.connect() as conn:
        conn.exec_driver_sql(f"SELECT * FROM {table}").all()  # the parent role's own


def test_an_upgrade_is_the_owners_and_gives_the_roles_the_new_tables(home, pg_server):
    """A household made at schema 5 (before the PIN's tables) with its roles: a parent's login may not
    upgrade it (one line saying who may), the owner's first command does, and the roles then have
    exactly what they may do on the new tables."""
    from sqlalchemy.exc import ProgrammingError

    from chorectl.errors import StorageError

    pg_server.psql(
        f"SET search_path = {home.schema}; DROP TABLE pin_verifier; DROP TABLE pin_keyring;"
        f" {'; '.join(BEFORE_SCHEMA_7)}; UPDATE chorectl_stamp SET version = 5"
    )
    for engine in (home.parent, home.owner):
        engine.dispose()  # as a new command would, each opening the database afresh
    with pytest.raises(StorageError, match=r"must be upgraded to schema 7 by its owner"):
        ensure_schema(home.parent)
    upgraded = ensure_schema(home.owner)
    assert (upgraded.from_version, upgraded.to_version) == (5, 7)
    with home.parent.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM pin_keyring").scalar() == 0
    with home.child.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.exec_driver_sql("SELECT * FROM pin_verifier")


def test_doctor_as_a_parent_login_checks_all_it_may_and_says_what_it_could_not(home):
    from chorectl.services import doctor

    found = {check.name: check for check in doctor.database_checks(UnitOfWork(home.parent))[0]}
    assert found["structure"].status == "warn"
    assert "run doctor as the database's owner" in found["structure"].detail
    assert found["balances"].status == "ok"
    owner = {check.name: check for check in doctor.database_checks(UnitOfWork(home.owner))[0]}
    assert owner["structure"].status == "ok"


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO audit (id, at, actor, action) SELECT g, now(), 'Amy', 'done'"
        " FROM generate_series(currval('audit_id_seq') + 1, currval('audit_id_seq') + 50) g",
        "INSERT INTO completion (id, chore_id, member_id, status, completed_at) SELECT g, 1, 1, 'pending', now()"
        " FROM generate_series(currval('completion_id_seq') + 1, currval('completion_id_seq') + 50) g",
    ],
    ids=["audit", "completion"],
)
def test_a_child_login_cannot_choose_ids_ahead_of_the_sequence(home, sql):
    """A child's login may add done's rows, but never pick their ids: rows put where the sequence
    goes next would make each parent command's insert collide (duplicate key), again and again."""
    from sqlalchemy.exc import ProgrammingError

    from chorectl.db.dialect import WRITE

    with home.child.connect().execution_options(**{WRITE: True}) as conn:
        conn.exec_driver_sql("SELECT nextval('audit_id_seq'), nextval('completion_id_seq')")
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.exec_driver_sql(sql)
    done = completions.done(uow(home.child, write=True, actor="Amy"), "Dishes", member=None, now=NOW)
    completions.approve(uow(home.parent, write=True), [done.completion.id], now=NOW)
    ledger.adjust(uow(home.parent, write=True), "Amy", 100, reason="tidy room", now=NOW)
    assert [(r.member, r.balance) for r in ledger.balances(uow(home.child))] == [("Amy", 250)]
